"""What the operator does when Gmail refuses our login: the server's words → one line with the fix.

Gmail says why in its IMAP `NO` response codes ([ALERT], [AUTHENTICATIONFAILED], [WEBALERT …]) and its
SMTP enhanced status codes (534 5.7.9, 535 5.7.8, 534 5.7.14); the operator should not have to look them up.
"""

from __future__ import annotations

import re

# Checked in this order: Gmail's "log in via your web browser" also comes as an [ALERT].
_WEB_LOGIN = re.compile(r"WEBALERT|log in via your web browser|Web login required|\b5\.7\.14\b", re.I)
_APP_PASSWORD = re.compile(r"Application-specific password required|\b5\.7\.9\b", re.I)
_BAD_CREDENTIALS = re.compile(
    r"AUTHENTICATIONFAILED|Invalid credentials|Username and Password not accepted|\b5\.7\.8\b|\b535\b", re.I
)
OAUTH_AGAIN = (
    "run `localreport oauth-token --config …` again and store the new refresh token in the variable "
    "[oauth] refresh_token_env names"
)


def login_fix(server_text: str, *, auth: str, password_env: str) -> str:
    """One line for the operator: what Gmail's refusal `server_text` means and what to do about it."""
    if _WEB_LOGIN.search(server_text):
        return (
            "Google wants a browser sign-in first: sign in to the account once in a web browser from this "
            'machine\'s network, confirm the security alert ("Yes, it was me"), then try again'
        )
    if _APP_PASSWORD.search(server_text):
        return (
            "Google wants an app password: turn on 2-Step Verification for the account, create an app "
            f"password (Google Account → Security → App passwords) and put it in ${password_env}"
        )
    if _BAD_CREDENTIALS.search(server_text):
        if auth == "xoauth2":
            return (
                f"Google refused the OAuth login: check the username (the mailbox's address); {OAUTH_AGAIN}"
            )
        return (
            "Google refused the username or password: check the username, and that the password in "
            f"${password_env} is an app password, not the account's own password"
        )
    if auth == "xoauth2":
        return f"check the username (the mailbox's address); if it is right, {OAUTH_AGAIN}"
    return f"check the username and the credentials in ${password_env}"
