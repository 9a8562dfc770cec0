"""Whom the client trusts on a `wss://` connection.

The system's certificate authorities, as Python's default context finds them; plus, when given,
one more CA file (`--ca-file` / MAKAVERSE_CA_FILE) for a server whose certificate a city's own
CA signed. The desktop app for Linux carries its own OpenSSL, whose built-in certificate folder
exists on no desktop; then the distributions' usual CA bundle is loaded instead, as Go and curl
do. OpenSSL's own SSL_CERT_FILE and SSL_CERT_DIR are honoured throughout.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ssl

__all__ = ["CA_FILE_ENV", "SYSTEM_CA_FILES", "client_tls_context", "fallback_ca_file"]

CA_FILE_ENV = "MAKAVERSE_CA_FILE"

# Where Linux distributions (and macOS) keep their CA bundle, most common first.
SYSTEM_CA_FILES = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu, Arch, Gentoo
    "/etc/pki/tls/certs/ca-bundle.crt",  # Fedora, RHEL
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  # CentOS, RHEL 7
    "/etc/ssl/ca-bundle.pem",  # openSUSE
    "/etc/ssl/cert.pem",  # Alpine, macOS
)


def fallback_ca_file(default_cafile: str | None, default_capath: str | None,
                     candidates: Iterable[str] = SYSTEM_CA_FILES) -> str | None:
    """The CA bundle to load when OpenSSL's defaults point nowhere (both None: neither the built-in
    paths nor SSL_CERT_FILE / SSL_CERT_DIR exist); None when the defaults will do or nothing is found."""
    if default_cafile or default_capath:
        return None
    return next((path for path in candidates if os.path.isfile(path)), None)


def client_tls_context(ca_file: str | None = None) -> ssl.SSLContext:
    """A verifying TLS context for `wss://`: the system's CAs, and `ca_file` besides when given."""
    import ssl

    context = ssl.create_default_context()
    defaults = ssl.get_default_verify_paths()
    bundle = fallback_ca_file(defaults.cafile, defaults.capath)
    if bundle is not None:
        context.load_verify_locations(cafile=bundle)
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context
