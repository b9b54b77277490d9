"""A private Dovecot 2.3 (IMAP + LMTP, passwd-file users, Maildir, no TLS) that a test starts itself, in its
own temp dir and process group, on two random loopback ports. Works as root (login/internal users
`dovenull`/`dovecot`) and as any other user. Import it from tests/helpers/servers.py.

Facts measured on Debian 12 with Dovecot 2.3.19 behind the choices here: the packaged service is not started
(policy-rc.d), so a test-owned instance with its own base_dir, state_dir and random loopback ports never
clashes with it; as root the login and internal users must be `dovenull` and `dovecot`, as any other user
the user itself; `auth_failure_delay = 0` keeps failed-login tests fast.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import grp
import os
import pwd
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from imap_tools import MailBoxUnencrypted

from tests.helpers.dovecot_profiles import PROFILES, DovecotProfile, ProfileName
from tests.helpers.imap_accounts import append_messages
from tests.helpers.loopback import LoopbackServer, free_ports

INSTALL_HINT = "apt-get install -y dovecot-imapd dovecot-lmtpd"
_USERNAME = re.compile(r"[a-z0-9_+-][a-z0-9._+@-]*")
_LIBEXEC_DIRS = ("/usr/lib/dovecot", "/usr/libexec/dovecot", "/usr/local/libexec/dovecot")


def dovecot_available() -> bool:
    """True when the `dovecot` master and its imap and lmtp services are installed."""
    if shutil.which("dovecot") is None:
        return False
    for libexec in _LIBEXEC_DIRS:
        if Path(libexec, "imap").exists():
            return Path(libexec, "lmtp").exists()
    return True  # unknown layout: let the start fail loudly with the log rather than skip


# Two choices below were found while writing the fixtures:
# - one passwd file per user (`users/%u`): Dovecot stats a passwd file at most once a second, so a user
#   appended to a shared file right after another login stayed unknown ("User doesn't exist" over LMTP);
# - the anvil-auth-penalty listener is off: after one failed login, the next login from 127.0.0.1 was
#   held back 4 s by the auth penalty, which would slow down whichever test came next.
# `mail_fsync = never`: only the machine crashing could lose mail, which no test does; APPEND is 5× faster.
# The namespace (separator, special-use folders) comes from the profile: tests/helpers/dovecot_profiles.py.
_CONFIG = """\
protocols = imap lmtp
listen = {host}
base_dir = {dir}/run
state_dir = {dir}/state
instance_name = dovecot-test-{port}
log_path = {dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login{oauth_mechanisms}
auth_failure_delay = 0
mail_location = maildir:~/Maildir
mail_fsync = never
first_valid_uid = 1
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/users/%u
}}
{oauth_passdb}userdb {{
  driver = static
  args = uid={uid} gid={gid} home={dir}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = {host}
    port = {lmtp_port}
  }}
}}
{namespace}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service ipc {{
  chroot =
}}
service old-stats {{
  chroot =
}}
"""

_live: set[DovecotServer] = set()


@atexit.register
def _kill_leftovers() -> None:
    for server in list(_live):
        server.stop()


try:
    # Linux: resolved here, not in the forked child, so the child only makes one foreign call.
    _prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None
except (OSError, AttributeError):
    _prctl = None


def _die_with_parent() -> None:
    """Have the kernel SIGKILL the master when the test process dies without running atexit (kill -9)."""
    if _prctl is not None:
        _prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG


class DovecotServer(LoopbackServer):
    """A private Dovecot (IMAP + LMTP) on two random loopback ports, with its config and mail in `dir`.

    Usage::

        with DovecotServer() as srv:
            srv.add_user("a@example.test", "pw")
            srv.deliver("a@example.test", raw_bytes)
            with srv.mailbox("a@example.test", "pw") as mb:
                messages = list(mb.fetch(mark_seen=False))

    `profile="gmail"` lays the folders out like Gmail in Thai: the "/" separator and `[Gmail]/สแปม` (\\Junk)
    and its siblings made for every user (tests/helpers/dovecot_profiles.py); the default keeps "." and
    a `Sent` folder with \\Sent, made on demand.
    """

    def __init__(
        self,
        *,
        start_timeout: float = 10.0,
        oauth2_introspection_url: str | None = None,
        profile: ProfileName = "default",
    ) -> None:
        self.profile: DovecotProfile = PROFILES[profile]
        self.start_timeout = start_timeout
        self.oauth2_introspection_url = oauth2_introspection_url
        self.port, self.lmtp_port = free_ports(2)
        # Not under pytest's tmp_path: as root, Dovecot's processes need +x on every parent directory.
        self.dir = Path(tempfile.mkdtemp(prefix="dovecot-test-", dir="/tmp"))
        self._proc: subprocess.Popen[bytes] | None = None
        try:
            self.dir.chmod(0o755)
            self._write_config()
        except BaseException:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise

    # -- lifecycle

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        """Start the master (no-op when it runs) and wait for the IMAP greeting."""
        if self.running:
            return
        if not self.dir.exists():
            raise RuntimeError(f"Dovecot dir {self.dir} was removed by stop(); make a new DovecotServer")
        on_main_thread = threading.current_thread() is threading.main_thread()
        with open(self.dir / "master.out", "ab") as out:
            self._proc = subprocess.Popen(
                ["dovecot", "-F", "-c", str(self.dir / "dovecot.conf")],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                # PDEATHSIG fires when the *thread* that forked exits, so only tie it to the main thread.
                # The hook makes one prctl call resolved before the fork, which is safe with threads.
                preexec_fn=_die_with_parent if on_main_thread else None,  # noqa: PLW1509
            )
        _live.add(self)
        try:
            self._wait_for_greeting()
        except BaseException:
            self.kill()
            raise

    def kill(self) -> None:
        """SIGKILL the whole process group and wait; the dir and the mail stay (see `restart`)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        _live.discard(self)

    def restart(self) -> None:
        """Kill the master and start it again on the same ports and dir; delivered mail is kept."""
        self.kill()
        self.start()

    def stop(self) -> None:
        """Kill the server and remove its dir. Safe to call twice."""
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __repr__(self) -> str:
        return (
            f"<DovecotServer {self.profile.name} imap={self.host}:{self.port} lmtp={self.lmtp_port} "
            f"dir={self.dir}>"
        )

    @property
    def separator(self) -> str:
        """The hierarchy separator clients see: "." by default, "/" in the gmail profile."""
        return self.profile.separator

    @property
    def sent_folder(self) -> str:
        """The folder flagged \\Sent: `Sent`, or `[Gmail]/จดหมายที่ส่งแล้ว` in the gmail profile."""
        return self.profile.sent_folder

    # -- users and mail

    def add_user(self, name: str, password: str) -> None:
        """Create (or replace) a user; no restart needed.

        Each user has a passwd file of its own (`users/<name>`): Dovecot re-reads a passwd file at most once a
        second, so users appended to one shared file could stay unknown for up to a second. A *changed*
        password can still take up to a second to be seen.
        """
        name = name.lower()  # Dovecot's default auth_username_format is %Lu
        if not _USERNAME.fullmatch(name) or ":" in password or "\n" in password:
            raise ValueError(
                f"user {name!r}: use letters, digits and . _ + - @; no ':' or newline in the password"
            )
        path = self.dir / "users" / name
        path.write_text(f"{name}:{{PLAIN}}{password}\n", encoding="utf-8")
        if os.geteuid() == 0:
            os.chown(path, self._owner.pw_uid, self._owner.pw_gid)  # the auth process runs as `dovecot`

    def deliver(self, user: str, raw: bytes, *, mail_from: str = "sender@example.test") -> None:
        """Deliver one message to `user`'s INBOX over LMTP, as an MTA would (it arrives \\Recent, unseen)."""
        with smtplib.LMTP(self.host, self.lmtp_port, timeout=10) as lmtp:
            lmtp.sendmail(mail_from, [user], raw)

    def mailbox(self, user: str, password: str) -> MailBoxUnencrypted:
        """A logged-in imap-tools mailbox, for assertions. Use it as a context manager to log out."""
        return MailBoxUnencrypted(self.host, self.port, timeout=10).login(user, password)

    def append(self, user: str, password: str, folder: str, raws: Iterable[bytes], *, flags: str = "") -> int:
        """APPEND messages to `folder` over one connection; "a/b" names a subfolder in either profile and
        non-ASCII names are sent in modified UTF-7.

        The folder is created when missing. Much faster than LMTP for bulk filling (10,000 small mails in
        a few seconds); the messages arrive as stored, not as delivered (no \\Recent, `flags` as given).
        Returns how many were appended.
        """
        return append_messages(
            self.host, self.port, user, password, folder, raws, flags=flags, separator=self.separator
        )

    def log_tail(self, lines: int = 30) -> str:
        text = ""
        for name in ("master.out", "dovecot.log"):
            with contextlib.suppress(OSError):
                text += (self.dir / name).read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    # -- internals

    def _write_config(self) -> None:
        if os.geteuid() == 0:
            login_user, internal_user = "dovenull", "dovecot"
            internal_group = grp.getgrgid(pwd.getpwnam(internal_user).pw_gid).gr_name
        else:
            me = pwd.getpwuid(os.geteuid())
            login_user = internal_user = me.pw_name
            internal_group = grp.getgrgid(me.pw_gid).gr_name
        owner = pwd.getpwnam(internal_user)
        mail = self.dir / "mail"
        mail.mkdir()
        users = self.dir / "users"
        users.mkdir(mode=0o700)
        if os.geteuid() == 0:
            # The mail processes run as `dovecot`, and so does the auth process that reads the passwd files.
            os.chown(mail, owner.pw_uid, owner.pw_gid)
            os.chown(users, owner.pw_uid, owner.pw_gid)
        self._owner = owner
        config = _CONFIG.format(
            host=self.host,
            dir=self.dir,
            port=self.port,
            lmtp_port=self.lmtp_port,
            login_user=login_user,
            internal_user=internal_user,
            internal_group=internal_group,
            uid=owner.pw_uid,
            gid=owner.pw_gid,
            oauth_mechanisms=" xoauth2 oauthbearer" if self.oauth2_introspection_url else "",
            oauth_passdb=self._oauth_passdb(),
            namespace=self.profile.namespace_config(),
        )
        (self.dir / "dovecot.conf").write_text(config, encoding="utf-8")

    def _oauth_passdb(self) -> str:
        """XOAUTH2 logins checked by RFC 7662 token introspection at a URL the test serves."""
        if not self.oauth2_introspection_url:
            return ""
        ext = self.dir / "oauth2.conf.ext"
        ext.write_text(
            f"introspection_mode = post\nintrospection_url = {self.oauth2_introspection_url}\n"
            "username_attribute = email\nactive_attribute = active\nactive_value = true\n",
            encoding="utf-8",
        )
        return f"passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = {ext}\n}}\n"

    def _wait_for_greeting(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise RuntimeError(
                    f"dovecot exited with status {self._proc.returncode} during start; "
                    f"log tail of {self.dir}:\n{self.log_tail()}"
                )
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as s:
                    greeting = s.makefile("rb").readline()
                if greeting.startswith(b"* OK"):
                    return
                last_error = RuntimeError(f"unexpected greeting {greeting!r}")
            except OSError as e:
                last_error = e
            time.sleep(0.01)
        raise TimeoutError(
            f"dovecot gave no IMAP greeting on {self.host}:{self.port} within {self.start_timeout} s "
            f"(last error: {last_error!r}); log tail of {self.dir}:\n{self.log_tail()}"
        )
