"""TLS as mailflow uses it: certificates always checked, a private CA allowed."""

from __future__ import annotations

import ssl
from pathlib import Path


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """The system's trusted certificates, plus ``ca_file`` for a centre's own CA."""
    context = ssl.create_default_context()
    if ca_file is not None:
        context.load_verify_locations(cafile=str(ca_file))
    return context


def describe_tls_error(exc: ssl.SSLError) -> str:
    """One line for a TLS failure, with the usual cause named."""
    reason = getattr(exc, "reason", None) or str(exc)
    hint = (
        "; the server's certificate is not trusted (set ca_file to its CA) or names another host"
        if isinstance(exc, ssl.SSLCertVerificationError)
        else "; check security (ssl or starttls) matches the port"
    )
    return f"TLS failed ({reason}){hint}"
