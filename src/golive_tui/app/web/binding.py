"""Where ``golive web`` may serve: plain HTTP on loopback only, unless TLS or the user's
explicit ``--insecure-bind``; and the TLS context from a certificate and its key."""

from __future__ import annotations

import ssl
from pathlib import Path

from golive_tui.sync.client import is_loopback


def bind_refusal(host: str, *, tls: bool, insecure_bind: bool) -> str | None:
    """Why serving on ``host`` is refused, or None when it is allowed."""
    if tls or insecure_bind or is_loopback(host):
        return None
    return (
        f"golive web: refusing to serve on {host} over plain HTTP: anyone on that network "
        "could read the tokens people sign in with.\n"
        "  --certfile CERT --keyfile KEY   serve over HTTPS (recommended)\n"
        "  --host 127.0.0.1                serve this machine only (e.g. behind a TLS proxy)\n"
        "  --insecure-bind                 serve plain HTTP anyway, on a network you trust"
    )


def tls_context(certfile: Path | None, keyfile: Path | None) -> ssl.SSLContext | None:
    """The server's TLS context from a certificate and its key (PEM); ValueError with a
    message a person can act on when they are missing or unusable."""
    if certfile is None and keyfile is None:
        return None
    if certfile is None or keyfile is None:
        raise ValueError("golive web: TLS needs both --certfile and --keyfile.")
    for what, path in (("certificate", certfile), ("key", keyfile)):
        if not path.is_file():
            raise ValueError(f"golive web: the {what} file {path} does not exist.")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(certfile, keyfile)
    except (ssl.SSLError, OSError) as exc:
        raise ValueError(
            f"golive web: cannot use {certfile} with {keyfile} for TLS ({exc}); both must "
            "be PEM files, the key matching the certificate."
        ) from None
    return context
