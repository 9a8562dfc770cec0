"""`wss://`: the network thread through a TLS front door (bench/tls_proxy.py, as a reverse proxy
is in production) trusting a throwaway CA given as a CA file; without that CA it never gets in.
Whom the client trusts when OpenSSL's own certificate paths point nowhere. No Panda3D here."""

from __future__ import annotations

import ssl
import subprocess
import sys

import pytest
from client_harness import REPO
from test_client_net import _wait_for

from makaverse.bench.tls_proxy import TlsProxy, make_certificates
from makaverse.client.net import Backoff, ConnState, NetClient, StateChanged
from makaverse.client.net.tls import SYSTEM_CA_FILES, client_tls_context, fallback_ca_file
from makaverse.protocol import PROTOCOL_VERSION, Hello, Welcome


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return make_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def front_door(server, certs):
    proxy = TlsProxy("127.0.0.1", server.port, certs)
    proxy.start()
    yield proxy
    proxy.stop()


def test_wss_with_the_ca_file_enters_the_world(front_door, certs):
    net = NetClient(front_door.url, Hello(version=PROTOCOL_VERSION, name="Daeng Aman"), ca_file=str(certs.ca_file))
    seen: list = []
    net.start()
    try:
        welcome = _wait_for(net, seen, lambda e: isinstance(e, Welcome))
    finally:
        net.stop()
    assert welcome.name == "Daeng Aman"
    assert front_door.url.startswith("wss://")
    assert front_door.handshakes >= 1


def test_wss_without_the_ca_is_refused(front_door, monkeypatch):
    """The system's CAs alone don't vouch for the throwaway CA: the handshake fails and is retried,
    never opened."""
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    net = NetClient(front_door.url, Hello(version=PROTOCOL_VERSION, name="x"),
                    backoff=Backoff(initial_s=0.05, max_s=0.1, jitter=0.0))
    seen: list = []
    net.start()
    try:
        _wait_for(net, seen, lambda e: isinstance(e, StateChanged) and e.state is ConnState.DISCONNECTED
                  and e.attempt >= 2)
    finally:
        net.stop()
    assert not any(isinstance(e, StateChanged) and e.state is ConnState.OPEN for e in seen)
    assert not any(isinstance(e, Welcome) for e in seen)
    assert front_door.handshakes == 0


def test_the_ca_file_is_trusted_besides_the_system(certs):
    subjects = [dict(item[0] for item in c["subject"]).get("commonName") for c in client_tls_context(
        str(certs.ca_file)).get_ca_certs()]
    assert "Makaverse test CA" in subjects
    context = client_tls_context()
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert "Makaverse test CA" not in [dict(i[0] for i in c["subject"]).get("commonName")
                                       for c in context.get_ca_certs()]


def test_fallback_bundle_only_when_openssl_defaults_point_nowhere(tmp_path):
    missing, found, later = tmp_path / "missing.pem", tmp_path / "found.pem", tmp_path / "later.pem"
    found.write_text("x")
    later.write_text("x")
    candidates = [str(missing), str(found), str(later)]
    # The bundled OpenSSL of the Linux app: its built-in folder exists nowhere, so both are None.
    assert fallback_ca_file(None, None, candidates) == str(found)
    assert fallback_ca_file("/usr/lib/ssl/cert.pem", None, candidates) is None
    assert fallback_ca_file(None, "/etc/ssl/certs", candidates) is None
    assert fallback_ca_file(None, None, [str(missing)]) is None
    assert SYSTEM_CA_FILES[0] == "/etc/ssl/certs/ca-certificates.crt"


def test_a_missing_ca_file_is_said_at_once(tmp_path):
    """`--ca-file` naming no file exits 2 with the reason, instead of retrying a handshake forever."""
    run = subprocess.run([sys.executable, "-m", "makaverse", "client", "--url", "wss://127.0.0.1:9",
                          "--offscreen", "--ca-file", str(tmp_path / "nope.pem")],
                         capture_output=True, text=True, timeout=120, cwd=REPO)
    assert run.returncode == 2
    assert "--ca-file" in run.stderr and "nope.pem" in run.stderr
