"""Talking to Microsoft Graph as an app (OAuth2 client credentials through msal).

One small client for the source, the transport and ``check-connection``: it fetches
and renews the token, asks for immutable message ids (so an id survives a move),
waits out throttling as Graph asks (429/503 with Retry-After), and turns every
refusal into one MailboxError line that says which permission or setting to look at.
"""

from __future__ import annotations

import time
from typing import Any

import msal
import requests

from mailflow.errors import MailboxError
from mailflow.mailsettings import GraphSettings
from mailflow.settings import secret_from_env

SCOPES = ["https://graph.microsoft.com/.default"]
RETRIES = 3
LONGEST_WAIT = 30.0


class GraphError(MailboxError):
    """Graph answered with an HTTP error; ``status`` tells a caller which one."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class GraphClient:
    """HTTP to ``{endpoint}/users/{mailbox}``; ``http`` is injectable for recorded tests."""

    def __init__(self, settings: GraphSettings, http: requests.Session | None = None) -> None:
        self.settings = settings
        self.http = http or requests.Session()
        self.base = f"{settings.endpoint.rstrip('/')}/users/{settings.mailbox}"
        self._app: msal.ConfidentialClientApplication | None = None

    def get_json(self, path_or_url: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        return self._request("GET", path_or_url, params=params).json()

    def get_bytes(self, path: str) -> bytes:
        return self._request("GET", path).content

    def post(self, path: str, **body: Any) -> requests.Response:
        return self._request("POST", path, **body)

    def token(self) -> str:
        """A valid access token; msal caches it until shortly before it expires."""
        if self._app is None:
            self._app = msal.ConfidentialClientApplication(
                self.settings.client_id,
                client_credential=secret_from_env(
                    self.settings.client_secret_env, "graph.client_secret_env"
                ),
                authority=f"{self.settings.authority.rstrip('/')}/{self.settings.tenant_id}",
                http_client=self.http,
            )
        try:
            result = self._app.acquire_token_for_client(scopes=SCOPES)
        except (requests.RequestException, ValueError, msal.exceptions.MsalError) as exc:
            raise MailboxError(f"Graph sign-in failed: {exc}") from None
        if "access_token" not in result:
            detail = str(result.get("error_description", "")).splitlines()[0]
            raise MailboxError(
                f"Graph sign-in refused for app {self.settings.client_id} "
                f"({result.get('error')}: {detail}); check tenant_id, client_id and the secret"
            )
        return str(result["access_token"])

    def _request(self, method: str, path_or_url: str, **options: Any) -> requests.Response:
        url = path_or_url if path_or_url.startswith("https://") else self.base + path_or_url
        headers = {
            "Authorization": f"Bearer {self.token()}",
            "Prefer": 'IdType="ImmutableId", odata.maxpagesize=50',
            **options.pop("headers", {}),
        }
        for attempt in range(RETRIES + 1):
            try:
                response = self.http.request(method, url, headers=headers, timeout=60, **options)
            except requests.RequestException as exc:
                raise MailboxError(f"Graph {method} {_short(url)}: {exc}") from None
            if response.status_code in (429, 503) and attempt < RETRIES:
                time.sleep(min(float(response.headers.get("Retry-After", "5")), LONGEST_WAIT))
                continue
            if response.status_code >= 400:
                raise GraphError(self._refusal(method, url, response), response.status_code)
            return response
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _refusal(self, method: str, url: str, response: requests.Response) -> str:
        try:
            error = response.json().get("error", {})
            detail = f"{error.get('code')}: {error.get('message')}"
        except ValueError:
            detail = response.text[:200]
        hint = {
            401: "; the token was refused",
            403: "; the app needs the Mail.ReadWrite and Mail.Send application permissions, "
            "granted by an administrator",
            404: f"; does mailbox {self.settings.mailbox!r} exist?",
        }.get(response.status_code, "")
        return f"Graph {method} {_short(url)}: {response.status_code} {detail}{hint}"


def _short(url: str) -> str:
    """The URL without the query (delta links carry long opaque tokens)."""
    return url.split("?", 1)[0]
