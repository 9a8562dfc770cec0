"""The desktop build's own steps that need no build: the wheels it pins, the OpenSSL the Linux
program carries (and refuses when too old for its `_ssl`), the C++ runtime the Windows one
carries, and where it looks for Wine."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from makaverse.bench import desktop


def _fake_wheel(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as whl:
        for name, data in members.items():
            whl.writestr(name, data)
    return path


def _app_dir(tmp_path: Path, needs: bytes = b"OPENSSL_3.0.0\0OPENSSL_3.3.0\0") -> Path:
    app = tmp_path / "app"
    app.mkdir()
    (app / "_ssl.so").write_bytes(b"\x7fELF" + needs)
    (app / "_hashlib.so").write_bytes(b"\x7fELF" + b"OPENSSL_3.4.0\0")
    return app


def test_the_apps_pin_numpy_2_0_and_the_client_versions():
    lines = desktop.requirements().split()
    assert "numpy==2.0.2" in lines
    assert any(line.startswith("panda3d==") for line in lines)
    assert any(line.startswith("websockets==") for line in lines)


def test_the_linux_program_carries_openssl_linked_under_its_plain_names(tmp_path, monkeypatch):
    wheel = _fake_wheel(tmp_path / "psycopg_binary-3.3.9-cp311-cp311-manylinux2014_x86_64.whl", {
        "psycopg_binary.libs/libssl-6a9b88ec.so.3": b"ssl",
        "psycopg_binary.libs/libcrypto-3a0647ea.so.3": b"..OpenSSL 3.5.9 29 Sep 2026..",
        "psycopg_binary.libs/libpq-e9b5c9ac.so.5.18": b"pq",
    })
    monkeypatch.setattr(desktop, "_wheel", lambda requirement, platform: wheel)
    app = _app_dir(tmp_path)
    assert desktop.needed_openssl(app) == (3, 4, 0)
    assert desktop.bundle_openssl(app) == 0
    assert (app / "libssl.so.3").is_symlink() and (app / "libssl.so.3").resolve().name == "libssl-6a9b88ec.so.3"
    assert (app / "libcrypto.so.3").resolve().name == "libcrypto-3a0647ea.so.3"
    assert (app / "libssl.so.3").read_bytes() == b"ssl"
    assert not (app / "libpq-e9b5c9ac.so.5.18").exists()  # only what TLS needs
    assert desktop.bundle_openssl(app) == 0  # again over an earlier build: the links are replaced


def test_an_openssl_older_than_the_app_needs_is_refused(tmp_path, monkeypatch, capsys):
    wheel = _fake_wheel(tmp_path / "old.whl", {
        "psycopg_binary.libs/libssl-aaaa.so.3": b"ssl",
        "psycopg_binary.libs/libcrypto-bbbb.so.3": b"OpenSSL 3.0.19 27 Jan 2026",
    })
    monkeypatch.setattr(desktop, "_wheel", lambda requirement, platform: wheel)
    assert desktop.bundle_openssl(_app_dir(tmp_path)) == 1
    assert "older than" in capsys.readouterr().err


def test_the_windows_program_carries_vcruntime140_1(tmp_path, monkeypatch):
    wheel = _fake_wheel(tmp_path / "msvc_runtime.whl", {
        "msvc_runtime-14.44.35112.data/data/Scripts/vcruntime140_1.dll": b"MZ runtime",
        "msvc_runtime-14.44.35112.data/data/Scripts/vcruntime140.dll": b"MZ other",
    })
    monkeypatch.setattr(desktop, "_wheel", lambda requirement, platform: wheel)
    app = tmp_path / "win"
    app.mkdir()
    assert desktop.bundle_vcruntime(app) == 0
    assert (app / "VCRUNTIME140_1.dll").read_bytes() == b"MZ runtime"
    assert [p.name for p in app.iterdir()] == ["VCRUNTIME140_1.dll"]


@pytest.mark.parametrize("found", [True, False])
def test_the_check_builds_windows_only_where_wine_is(monkeypatch, capsys, found):
    monkeypatch.setattr(desktop, "find_wine", lambda: ("/usr/lib/wine/wine64", "wineserver") if found else None)
    platforms = desktop.check_platforms()
    if found:
        assert platforms == [desktop.LINUX, desktop.WINDOWS]
    else:
        assert platforms == [desktop.LINUX]
        assert "Wine is not installed" in capsys.readouterr().out
