"""Sending through Microsoft Graph: the finished MIME mail, as the outbox built it.

Posting MIME (base64, ``text/plain``) instead of Graph's JSON message keeps our
Message-ID, In-Reply-To, References and Auto-Submitted headers, so replies thread in
the applicant's mail program and auto-responders recognise us. Graph keeps a copy in
Sent Items.
"""

from __future__ import annotations

import base64
from email.message import EmailMessage
from email.policy import SMTP

from mailflow.connect.graph import GraphClient


class GraphTransport:
    def __init__(self, client: GraphClient) -> None:
        self.client = client

    def send(self, message: EmailMessage) -> None:
        self.client.post(
            "/sendMail",
            data=base64.b64encode(message.as_bytes(policy=SMTP)),
            headers={"Content-Type": "text/plain"},
        )

    def check(self) -> str:
        self.client.get_json("/mailFolders/sentitems", {"$select": "id"})
        return (
            f"Graph mailbox {self.client.settings.mailbox} signed in; Sent Items reachable "
            "(the Mail.Send permission shows at the first mail sent)"
        )
