"""A TLS front door for a local server, as the reverse proxy in docs/deploy.md is in production:
`wss://127.0.0.1:<port>` outside, the server's plain `ws://` inside. For the `wss://` tests and
`make dist-check`; never for serving.

    certs = make_certificates(tmp_dir)            # a throwaway CA, and a certificate it signed
    with TlsProxy("127.0.0.1", 8765, certs) as url:   # url: wss://127.0.0.1:<port>
        ...                                       # a client trusting certs.ca_file connects

The certificate names 127.0.0.1 and localhost. Bytes are relayed unchanged both ways.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Certificates", "TlsProxy", "make_certificates"]


@dataclass(frozen=True)
class Certificates:
    ca_file: Path  # what a client must trust
    cert_file: Path  # the server's certificate, signed by that CA
    key_file: Path


def make_certificates(folder: Path, *, days: int = 2) -> Certificates:
    """A CA and a server certificate for 127.0.0.1 / localhost, written as PEM files into `folder`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)
    start, end = now - dt.timedelta(minutes=5), now + dt.timedelta(days=days)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Makaverse test CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(start).not_valid_after(end)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(ca_ski, critical=False)
          .sign(ca_key, hashes.SHA256()))

    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
            .sign(ca_key, hashes.SHA256()))

    folder.mkdir(parents=True, exist_ok=True)
    out = Certificates(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    out.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    out.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    out.key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    return out


class TlsProxy:
    """Accepts TLS on 127.0.0.1 (a free port) and relays each connection to host:port in plain TCP.
    Runs its own event loop on a thread; `stop()` (or leaving the `with`) closes everything."""

    def __init__(self, host: str, port: int, certs: Certificates) -> None:
        self.backend = (host, port)
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(certs.cert_file, certs.key_file)
        self.url = ""
        self.handshakes = 0  # completed TLS handshakes, i.e. clients that trusted the certificate
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None

    def start(self) -> str:
        ready = threading.Event()
        failed: list[BaseException] = []

        def run() -> None:
            try:
                asyncio.run(self._serve(ready))
            except BaseException as exc:  # noqa: BLE001  (told to start() below)
                failed.append(exc)
                ready.set()

        self._thread = threading.Thread(target=run, name="tls-proxy", daemon=True)
        self._thread.start()
        if not ready.wait(10) or failed:
            raise RuntimeError(f"the TLS proxy did not start: {failed[0] if failed else 'timeout'}")
        return self.url

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _serve(self, ready: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._relay, "127.0.0.1", 0, ssl=self.context)
        self.url = f"wss://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        ready.set()
        async with server:
            await self._stop.wait()
            server.close()

    async def _relay(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        self.handshakes += 1  # start_server calls back only once the handshake succeeded
        try:
            backend_r, backend_w = await asyncio.open_connection(*self.backend)
        except OSError:
            client_w.close()
            return
        await asyncio.gather(_pipe(client_r, backend_w), _pipe(backend_r, client_w), return_exceptions=True)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (OSError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()
