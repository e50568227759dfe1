"""Sending through Exchange (EWS): the finished MIME mail, saved to Sent Items.

CreateItem with MimeContent keeps our Message-ID, In-Reply-To, References and
Auto-Submitted headers, so replies thread and auto-responders recognise us.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

from exchangelib import Message

from mailflow.connect.exchange import ExchangeConnection, ews_call


class ExchangeTransport:
    def __init__(self, connection: ExchangeConnection) -> None:
        self.connection = connection

    def send(self, message: EmailMessage) -> None:
        sent = self.connection.folder("Sent Items", "transport")
        account = self.connection.account
        ews_call(
            self.connection.where,
            lambda: Message(
                account=account, folder=sent, mime_content=message.as_bytes(policy=SMTP)
            ).send_and_save(),
        )

    def check(self) -> str:
        self.connection.folder("Sent Items", "transport")
        return (
            f"Exchange {self.connection.where} ({self.connection.settings.auth}) logged in as "
            f"{self.connection.settings.email}; Sent Items reachable"
        )
