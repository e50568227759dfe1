"""A real SMTP server (aiosmtpd) on loopback that keeps every mail it accepts."""

from __future__ import annotations

import base64
import ssl
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword

from mailflow.testing.net import LOOPBACK, Certificate, free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes


@dataclass
class _Handler:
    received: list[Received] = field(default_factory=list)
    oauth2_tokens: dict[str, str] = field(default_factory=dict)

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        self.received.append(
            Received(str(envelope.mail_from), list(envelope.rcpt_tos), envelope.content)
        )
        return "250 OK"

    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> AuthResult:
        """SASL XOAUTH2 as Gmail and Microsoft 365 speak it: user and bearer token."""
        if len(args) < 2:
            return AuthResult(success=False, message="501 5.5.2 initial response required")
        fields = dict(
            part.split("=", 1)
            for part in base64.b64decode(args[1]).decode().split("\1")
            if "=" in part
        )
        user, token = fields.get("user", ""), fields.get("auth", "").removeprefix("Bearer ")
        return AuthResult(success=bool(token) and self.oauth2_tokens.get(user) == token)


class SmtpServer:
    """``security``: "none", "starttls" (offered and required) or "ssl" (implicit TLS)."""

    def __init__(
        self,
        certificate: Certificate,
        security: str = "starttls",
        users: dict[str, str] | None = None,
        oauth2_tokens: dict[str, str] | None = None,
    ) -> None:
        self.users = users or {}
        self.handler = _Handler(oauth2_tokens=oauth2_tokens or {})
        self.port = free_port()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certificate.cert, certificate.key)
        options: dict[str, Any] = {
            "authenticator": self._authenticate,
            # aiosmtpd counts only STARTTLS as TLS; implicit TLS is encrypted all along
            "auth_require_tls": security == "starttls",
        }
        if security == "starttls":
            options.update(tls_context=context, require_starttls=True)
        elif security == "ssl":
            options.update(ssl_context=context)
        self.controller = Controller(self.handler, hostname=LOOPBACK, port=self.port, **options)

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode()
        ok = self.users.get(login) == auth_data.password.decode()
        return AuthResult(success=ok, handled=False)
