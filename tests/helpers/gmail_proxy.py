"""`GmailImapProxy`: a threaded TCP proxy on a random loopback port in front of the test Dovecot's IMAP port
that makes it look like Gmail where the daemon's code branches on it. Import it from tests/helpers/servers.py.

- Every CAPABILITY list the server sends (the untagged `* CAPABILITY` line and `[CAPABILITY ...]` response
  codes, the greeting's included) gains `X-GM-EXT-1`.
- `UID SEARCH X-GM-RAW "rfc822msgid:<id>"` (with or without UID, quoted or as an atom) goes upstream as
  `UID SEARCH HEADER Message-ID "<id>"`, which Dovecot understands; other X-GM-RAW queries pass unchanged
  (and Dovecot answers BAD).
- With `header_search_misses = True` the proxy answers every client `SEARCH ... HEADER Message-ID ...` itself
  with an empty result, without forwarding it: Gmail's HEADER search matches words and has been seen to miss
  Message-IDs, so a test can prove that the code under test searches with X-GM-RAW where it is advertised.
- `bytes_to_client` / `bytes_from_client` count what crossed the client side (after / before any rewrite);
  `reset_counters()` zeroes both, so a test can measure what a client downloaded.

IMAP is line-then-literal framing: a line ending in `{n}` or `{n+}` (or `~{n}`, RFC 3516) is followed by n
raw bytes and then the rest of the command or response. The proxy copies literals untouched in both
directions and only ever rewrites the first line of a command or response, never a literal.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from collections.abc import Callable
from typing import BinaryIO, Protocol

from tests.helpers.loopback import LoopbackServer

GMAIL_CAPABILITY = b"X-GM-EXT-1"

_LITERAL = re.compile(rb"\{(\d+)(\+?)\}\r?\n\Z")
_UNTAGGED_CAPABILITY = re.compile(rb"\A(\* CAPABILITY [^\r\n]*?)(\r?\n)\Z", re.IGNORECASE)
_CAPABILITY_CODE = re.compile(rb"\A(\S+ (?:OK|NO|BAD|PREAUTH|BYE) \[CAPABILITY [^\]]*)\]", re.IGNORECASE)
_SEARCH = re.compile(rb"\A\S+ (?:UID )?SEARCH ", re.IGNORECASE)
_GM_RAW_MSGID = re.compile(
    rb'X-GM-RAW (?:"rfc822msgid:((?:[^"\\]|\\.)*)"|rfc822msgid:([^\s()"]+))', re.IGNORECASE
)
_HEADER_MESSAGE_ID = re.compile(rb'\sHEADER "?Message-ID"?\s', re.IGNORECASE)
_CHUNK = 64 * 1024


class _Upstream(Protocol):
    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...


def add_gmail_capability(line: bytes) -> bytes:
    """The first line of a server response with `X-GM-EXT-1` added to a CAPABILITY list it carries."""
    if GMAIL_CAPABILITY in line.upper():
        return line
    if match := _UNTAGGED_CAPABILITY.match(line):
        return match[1] + b" " + GMAIL_CAPABILITY + match[2]
    return _CAPABILITY_CODE.sub(lambda m: m[1] + b" " + GMAIL_CAPABILITY + b"]", line, count=1)


def rewrite_gm_raw(line: bytes) -> bytes:
    """A client command line with `X-GM-RAW "rfc822msgid:<id>"` turned into `HEADER Message-ID "<id>"`."""
    if not _SEARCH.match(line):
        return line

    def header(m: re.Match[bytes]) -> bytes:
        quoted = m[1] if m[1] is not None else m[2].replace(b"\\", b"\\\\")
        return b'HEADER Message-ID "' + quoted + b'"'

    return _GM_RAW_MSGID.sub(header, line)


def is_header_message_id_search(line: bytes) -> bool:
    """True for a client `[UID] SEARCH` command line that searches the Message-ID header."""
    return _SEARCH.match(line) is not None and _HEADER_MESSAGE_ID.search(line) is not None


class GmailImapProxy(LoopbackServer):
    """Gmail's IMAP quirks in front of a `DovecotServer` (anything with `host` and `port`).

    Usage::

        with GmailImapProxy(dovecot) as proxy:
            client = imaplib.IMAP4(proxy.host, proxy.port)
            ...
            assert proxy.bytes_to_client < 10_000

    Several connections may be open at once (two threads each). The upstream address is read at each
    connection, so a restarted Dovecot is reached again. `commands` keeps the first line of every client
    command as received (before any rewrite, CRLF stripped), so a test can see which searches were sent.
    """

    def __init__(self, upstream: _Upstream, *, header_search_misses: bool = False) -> None:
        self.upstream = upstream
        self.header_search_misses = header_search_misses
        self.port = 0  # the kernel picks it at the first start(); a restart keeps it
        self.bytes_to_client = 0
        self.bytes_from_client = 0
        self.commands: list[bytes] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None
        self._connections: set[_Connection] = set()

    def start(self) -> None:
        """Listen (again) on `port`; a no-op when listening."""
        if self._listener is not None:
            return
        self._listener = socket.create_server((self.host, self.port))
        self.port = self._listener.getsockname()[1]
        self._acceptor = threading.Thread(
            target=self._accept, args=(self._listener,), name=f"gmail-proxy-{self.port}", daemon=True
        )
        self._acceptor.start()

    def stop(self) -> None:
        """Stop listening and cut every open connection. Safe to call twice."""
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() on Linux
            listener.close()
        if self._acceptor is not None:
            self._acceptor.join(timeout=5)
            self._acceptor = None
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            connection.cut()
        for connection in connections:
            connection.join(timeout=5)

    def reset_counters(self) -> None:
        with self._lock:
            self.bytes_to_client = self.bytes_from_client = 0

    def __repr__(self) -> str:
        return (
            f"<GmailImapProxy {self.host}:{self.port} → {self.upstream.host}:{self.upstream.port} "
            f"to_client={self.bytes_to_client} from_client={self.bytes_from_client}>"
        )

    # -- internals

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # stop() closed the listener
            try:
                upstream = socket.create_connection((self.upstream.host, self.upstream.port), timeout=10)
            except OSError:
                client.close()  # as a dead server would look: the connection drops at once
                continue
            upstream.settimeout(None)
            for sock in (client, upstream):
                # Lines and literals go out as separate writes: with Nagle's algorithm against the peer's
                # delayed ACK, each response would stall for 40 ms.
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection = _Connection(self, client, upstream)
            with self._lock:
                self._connections.add(connection)
            connection.start()

    def _forgotten(self, connection: _Connection) -> None:
        with self._lock:
            self._connections.discard(connection)

    def _count(self, *, to_client: int = 0, from_client: int = 0) -> None:
        with self._lock:
            self.bytes_to_client += to_client
            self.bytes_from_client += from_client


class _Connection:
    """One client connection and its upstream twin: `_down` relays server → client, `_up` client → server.
    Writes to the client are whole responses under `_client_lock`, so an answer the proxy makes itself
    never lands inside a literal the server is sending."""

    def __init__(self, proxy: GmailImapProxy, client: socket.socket, upstream: socket.socket) -> None:
        self.proxy = proxy
        self.client = client
        self.upstream = upstream
        self._client_lock = threading.Lock()
        name = f"gmail-proxy-{client.getpeername()[1]}"
        self._up = threading.Thread(target=self._relay_up, name=f"{name}-up", daemon=True)
        self._down = threading.Thread(target=self._relay_down, name=f"{name}-down", daemon=True)

    def start(self) -> None:
        self._up.start()
        self._down.start()

    def cut(self) -> None:
        for sock in (self.client, self.upstream):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def join(self, timeout: float) -> None:
        self._down.join(timeout)
        self._up.join(timeout)

    # -- server → client

    def _relay_down(self) -> None:
        reader = self.upstream.makefile("rb")
        try:
            while line := reader.readline():
                with self._client_lock:
                    self._to_client(add_gmail_capability(line))
                    while literal := _LITERAL.search(line):
                        self._copy(reader, int(literal[1]), self._to_client)
                        line = reader.readline()
                        if not line:
                            return
                        self._to_client(line)
        except (OSError, ValueError):
            pass  # a side went away (or stop() cut the connection)
        finally:
            self.cut()  # the server hung up: so does the client's connection, as with a real one
            self._up.join(timeout=5)
            reader.close()
            self.client.close()
            self.upstream.close()
            self.proxy._forgotten(self)

    def _to_client(self, data: bytes) -> None:
        self.client.sendall(data)
        self.proxy._count(to_client=len(data))

    # -- client → server

    def _relay_up(self) -> None:
        reader = self.client.makefile("rb")
        try:
            while line := self._from_client(reader.readline()):
                self.proxy.commands.append(line.rstrip(b"\r\n"))
                if self.proxy.header_search_misses and is_header_message_id_search(line):
                    self._answer_empty_search(reader, line)
                    continue
                self._to_upstream(rewrite_gm_raw(line))
                while literal := _LITERAL.search(line):
                    self._copy(reader, int(literal[1]), self._to_upstream, from_client=True)
                    line = self._from_client(reader.readline())
                    if not line:
                        return
                    self._to_upstream(line)
        except (OSError, ValueError):
            pass
        finally:
            with contextlib.suppress(OSError):
                self.upstream.shutdown(socket.SHUT_WR)  # the client is done: let the server see EOF
            reader.close()

    def _from_client(self, data: bytes) -> bytes:
        self.proxy._count(from_client=len(data))
        return data

    def _to_upstream(self, data: bytes) -> None:
        self.upstream.sendall(data)

    def _answer_empty_search(self, reader: BinaryIO, line: bytes) -> None:
        """Swallow a whole command (with any literals) and answer it as a search that found nothing."""
        tag = line.split(b" ", 1)[0]
        while literal := _LITERAL.search(line):
            if not literal[2]:  # a synchronising literal waits for the go-ahead
                with self._client_lock:
                    self._to_client(b"+ Ready for literal data\r\n")
            self._copy(reader, int(literal[1]), lambda _: None, from_client=True)
            line = self._from_client(reader.readline())
        with self._client_lock:
            self._to_client(b"* SEARCH\r\n" + tag + b" OK SEARCH completed (Success)\r\n")

    def _copy(
        self, reader: BinaryIO, size: int, write: Callable[[bytes], None], *, from_client: bool = False
    ) -> None:
        """Copy exactly `size` bytes of a literal from `reader` to `write`, in chunks."""
        while size > 0:
            chunk = reader.read(min(size, _CHUNK))
            if not chunk:
                raise ConnectionError("connection closed inside a literal")
            if from_client:
                self.proxy._count(from_client=len(chunk))
            write(chunk)
            size -= len(chunk)
