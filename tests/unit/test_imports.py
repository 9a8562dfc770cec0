"""The import rules of DESIGN.md, checked on the source: who may import what."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "makaverse"

# Third-party or stdlib top-level modules a package must not import.
NO_IO = {"asyncio", "websockets", "sqlalchemy", "panda3d", "direct"}
NO_IO_IN_SIM = {"asyncio", "websockets", "sqlalchemy", "socket", "panda3d", "direct"}


def module_name(path: Path, root: Path = ROOT) -> list[str]:
    parts = [PACKAGE, *path.relative_to(root).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return parts


def imported_modules(path: Path, root: Path = ROOT) -> set[str]:
    """Every module a file imports, as absolute dotted names (relative imports resolved, names from packages included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    mod = module_name(path, root)
    package = mod if path.name == "__init__.py" else mod[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + (node.module.split(".") if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names if alias.name != "*")
        elif isinstance(node, ast.Call):
            # importlib.import_module("x.y") and __import__("x") with a literal name.
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
                if isinstance(node.args[0].value, str):
                    found.add(node.args[0].value)
    return found


def sources(*folders: str) -> list[Path]:
    files = []
    for folder in folders:
        files.extend(sorted((ROOT / folder).rglob("*.py")))
    return files


def violations(files: list[Path], *, top_level: set[str] = frozenset(), packages: tuple[str, ...] = ()) -> list[str]:
    bad = []
    for path in files:
        for name in imported_modules(path):
            if name.split(".")[0] in top_level or any(name == p or name.startswith(p + ".") for p in packages):
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    return sorted(bad)


def test_sources_are_found():
    """The scan sees the packages it guards (so an empty scan can't pass silently)."""
    for folder in ("protocol", "world", "server", "server/sim", "client"):
        assert sources(folder), folder
    assert ROOT / "protocol" / "codec.py" in sources("protocol")


def test_protocol_and_world_do_no_io():
    """protocol/ and world/ import no asyncio, websockets, sqlalchemy or panda3d (nor Panda's `direct`)."""
    assert violations(sources("protocol", "world"), top_level=NO_IO) == []


def test_protocol_and_world_import_neither_side():
    """protocol/ and world/ import neither the server nor the client."""
    files = sources("protocol", "world")
    assert violations(files, packages=("makaverse.server", "makaverse.client")) == []


def test_server_never_imports_the_client():
    """server/ never imports makaverse.client, absolutely or relatively."""
    assert violations(sources("server"), packages=("makaverse.client", "client")) == []


def test_client_never_imports_the_server():
    """client/ never imports makaverse.server, absolutely or relatively."""
    assert violations(sources("client"), packages=("makaverse.server", "server")) == []


def test_sim_does_no_io():
    """server/sim imports no asyncio, websockets, sqlalchemy or sockets."""
    assert violations(sources("server/sim"), top_level=NO_IO_IN_SIM) == []


def test_sim_imports_only_protocol_and_world_from_the_project():
    """server/sim depends on protocol and world only, never on net, store, services or the instance."""
    bad = []
    for path in sources("server/sim"):
        for name in imported_modules(path):
            if name.startswith("makaverse.") and not name.startswith(
                ("makaverse.protocol", "makaverse.world", "makaverse.server.sim")
            ):
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    assert bad == []


@pytest.mark.parametrize(
    "source,rel,bad",
    [
        ("import asyncio\n", "protocol/x.py", "asyncio"),
        ("from direct.showbase.ShowBase import ShowBase\n", "world/x.py", "direct.showbase.ShowBase"),
        ("from ...client import app\n", "server/net/x.py", "makaverse.client"),
        ("from .. import client\n", "server/x.py", "makaverse.client"),
        ("from makaverse.server.sim import Simulation\n", "client/x.py", "makaverse.server.sim"),
        ("import importlib\nimportlib.import_module('makaverse.server')\n", "client/x.py", "makaverse.server"),
    ],
)
def test_the_checker_catches_violations(tmp_path, source, rel, bad):
    """The scanner itself resolves relative imports and sees the forbidden names."""
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")
    names = imported_modules(path, root=tmp_path)
    assert any(n == bad or n.startswith(bad + ".") for n in names), names


# ── the client's packages by job ─────────────────────────────────────────────
def test_client_state_is_panda_free():
    """client/state (the models) imports no Panda3D and no sockets, nor the scene or the panels."""
    files = sources("client/state")
    assert files
    assert violations(files, top_level={"panda3d", "direct", "websockets", "asyncio", "socket"}) == []
    assert violations(files, packages=("makaverse.client.scene", "makaverse.client.ui", "makaverse.client.app")) == []


def test_client_scene_draws_no_panels():
    """client/scene (the 3D world) imports none of the DirectGUI panels."""
    assert violations(sources("client/scene"), packages=("makaverse.client.ui", "makaverse.client.app")) == []


def test_shipped_client_carries_no_screenshot_tooling():
    """client/ never imports bench/ (scripted runs and README screenshot tools live there)."""
    assert violations(sources("client"), packages=("makaverse.bench",)) == []
