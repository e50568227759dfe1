"""The secret a server login needs: a password from the environment or an OAuth2 token.

A token comes from a command the settings name (for example a helper that refreshes
it), run anew at each login because access tokens expire within the hour.
"""

from __future__ import annotations

import subprocess

from mailflow.errors import ConfigError, MailboxError
from mailflow.mailsettings import ServerSettings
from mailflow.settings import secret_from_env


def oauth2_token(command: list[str]) -> str:
    """Run the token command; its first line of output is the access token."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(f"oauth2_token_command {command[0]!r} could not run: {exc}") from None
    token = done.stdout.strip().splitlines()[0] if done.stdout.strip() else ""
    if done.returncode != 0 or not token:
        detail = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "no output"
        raise MailboxError(
            f"oauth2_token_command {command[0]!r} gave no token (exit {done.returncode}: {detail})"
        )
    return token


def login_secret(settings: ServerSettings, section: str) -> tuple[str, str] | None:
    """("password" | "xoauth2", secret) for a server, or None when it takes no login."""
    if settings.oauth2_token_command:
        return "xoauth2", oauth2_token(settings.oauth2_token_command)
    if settings.password_env:
        return "password", secret_from_env(settings.password_env, f"{section}.password_env")
    return None
