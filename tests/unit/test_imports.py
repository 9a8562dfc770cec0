"""The import rules of DESIGN.md ("Who owns what"), checked on the source: who may import what,
and that no two packages import each other, however indirectly."""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "makaverse"

# Third-party or stdlib top-level modules a package must not import.
NO_IO = {"asyncio", "websockets", "sqlalchemy", "panda3d", "direct"}
NO_IO_IN_SIM = {"asyncio", "websockets", "sqlalchemy", "socket", "panda3d", "direct"}
# Pure logic (sim, services, room components) reads no environment, file or clock and opens no
# socket: the stdlib modules that would let it.
IMPURE_STDLIB = frozenset(
    {"os", "pathlib", "io", "time", "asyncio", "socket", "selectors", "ssl", "subprocess", "shutil",
     "tempfile", "glob", "sqlite3", "urllib", "http", "signal", "threading"}
)


def module_name(path: Path, root: Path = ROOT) -> list[str]:
    parts = [PACKAGE, *path.relative_to(root).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return parts


def imported_modules(path: Path, root: Path = ROOT) -> set[str]:
    """Every module a file imports, as absolute dotted names (relative imports resolved, names
    from packages included)."""
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


@dataclass(frozen=True)
class Rule:
    """One row of DESIGN's table: a package (a folder), the project packages it may import, and
    the third-party (non-stdlib) top-level modules it may import."""

    folder: str
    may_import: tuple[str, ...] = ()
    third_party: frozenset[str] = frozenset()
    no_stdlib: frozenset[str] = frozenset()


# Most specific folders first: a module belongs to the first rule whose folder holds it.
RULES = (
    Rule("protocol", (), frozenset({"msgpack", "numpy"}), frozenset({"asyncio", "socket"})),
    Rule("world", (), frozenset({"numpy"}), frozenset({"asyncio", "socket"})),
    Rule("server/sim", ("protocol", "world"), frozenset({"numpy"}), IMPURE_STDLIB),
    # argon2 is computation (the password hasher), not I/O.
    Rule("server/services", ("protocol", "world"), frozenset({"numpy", "argon2"}), IMPURE_STDLIB - {"threading"}),
    Rule("server/rooms", ("protocol", "world", "server/sim", "server/services"), frozenset({"numpy"}), IMPURE_STDLIB),
    Rule("server/store", ("protocol",), frozenset({"sqlalchemy", "alembic"})),
    # Transport only: rooms through their interface, /metrics through prometheus_client, and the
    # structured-log helper below.
    # uvloop: the event loop, when installed (server/net/loops.py).
    Rule(
        "server/net",
        ("protocol", "server/rooms", "server/log.py"),
        frozenset({"websockets", "prometheus_client", "uvloop"}),
    ),
    # Structured logs (`log_event`): stdlib only, a leaf, so the transport can log like the wiring.
    Rule("server/log.py"),
    Rule("server/bus", (), frozenset({"redis"})),
    Rule("client/net", ("protocol",), frozenset({"websockets"})),
    Rule("client", ("protocol", "world", "client/net", "assets"), frozenset({"panda3d", "direct", "numpy"})),
    # The table says protocol and world; the scripted client runs and the README screenshot tools
    # that issue #8 moved out of the shipped client into bench/ drive the client itself, and
    # bench/tick_cost.py runs one world instance's tick in-process (the world's CPU without sockets).
    Rule(
        "bench",
        ("protocol", "world", "client", "client/net", "server/rooms", "server/sim"),
        # msgpack: the fuzzer (bench/fuzz_atheris.py) builds raw frames the codec would never make.
        # atheris: optional, for long fuzzing runs only; uvloop: the load processes' loop when installed.
        # cryptography: the throwaway CA of the wss:// checks (bench/tls_proxy.py).
        frozenset({"websockets", "numpy", "psutil", "panda3d", "direct", "msgpack", "atheris", "uvloop",
                   "cryptography"}),
    ),
    Rule("assets", (), frozenset({"numpy"})),
)
# The wiring (`server/app.py` and friends: everything in server/ outside the folders above) may
# import everything in server; it is checked only by "server and client never import each other".
WIRING = "server"
# Packages of the graph that is checked for cycles: the rows above, the wiring, and the root
# (`makaverse` itself: the console script and the launcher, which start the server and the client).
GRAPH_FOLDERS = (*(r.folder for r in RULES), WIRING, ".")


def package_of(module: str, folders: tuple[str, ...] = GRAPH_FOLDERS) -> str | None:
    """The graph package (a folder) that holds a dotted module name, or None outside the project."""
    parts = module.split(".")
    if parts[0] != PACKAGE:
        return None
    for folder in folders:
        prefix = [] if folder == "." else list(Path(folder).with_suffix("").parts)
        if parts[1 : 1 + len(prefix)] == prefix:
            return folder
    return None


def own_sources(folder: str, root: Path = ROOT) -> list[Path]:
    """The files of `folder` that belong to it, not to a more specific package inside it."""
    inner = [f for f in GRAPH_FOLDERS if f != folder and (folder == "." or f.startswith(folder + "/"))]
    base = root if folder == "." else root / folder
    if base.suffix == ".py":  # a module that is a package of its own in the graph
        return [base] if base.is_file() else []
    files = []
    for path in sorted(base.rglob("*.py")):
        rel = path.relative_to(root)
        if rel.parts[0] in ("tests", ".venv", "var", "build") or any(
            f != "." and rel.parts[: len(Path(f).parts)] == Path(f).parts for f in inner
        ):
            continue
        files.append(path)
    return files


def rule_violations(rule: Rule, root: Path = ROOT) -> list[str]:
    bad = []
    allowed = {rule.folder, *rule.may_import}
    for path in own_sources(rule.folder, root):
        for name in imported_modules(path, root):
            top = name.split(".")[0]
            if top == PACKAGE:
                target = package_of(name)
                if target is not None and target not in allowed and name != PACKAGE:
                    bad.append(f"{path.relative_to(root)} imports {name}")
            elif top in sys.stdlib_module_names:
                if top in rule.no_stdlib:
                    bad.append(f"{path.relative_to(root)} imports {name}")
            elif top and top not in rule.third_party:
                bad.append(f"{path.relative_to(root)} imports {name}")
    return sorted(bad)


def package_graph(root: Path = ROOT, folders: tuple[str, ...] = GRAPH_FOLDERS) -> dict[str, set[str]]:
    """Package -> the other packages its modules import (from the AST, relative imports resolved)."""
    graph: dict[str, set[str]] = {f: set() for f in folders}
    for folder in folders:
        for path in own_sources(folder, root):
            for name in imported_modules(path, root):
                target = package_of(name, folders)
                # `from makaverse import x` names the root package only when x is not a subpackage.
                if target is not None and target != folder and name != PACKAGE:
                    graph[folder].add(target)
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one package (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


def test_sources_are_found():
    """The scan sees the packages it guards (so an empty scan can't pass silently)."""
    for folder in ("protocol", "world", "server", "server/sim", "server/services", "server/store", "server/net",
                   "server/bus", "client", "client/net", "bench"):
        assert own_sources(folder), folder
    assert ROOT / "protocol" / "codec.py" in sources("protocol")
    assert ROOT / "server" / "sim" / "simulation.py" not in own_sources("server")
    assert ROOT / "server" / "app.py" in own_sources("server")


@pytest.mark.parametrize("rule", [pytest.param(r, id=r.folder) for r in RULES])
def test_each_package_imports_only_what_its_row_allows(rule):
    """Every row of DESIGN's table holds: a package imports only the project packages and libraries its row names."""
    if not (ROOT / rule.folder).exists():
        pytest.skip(f"{rule.folder} does not exist yet")
    assert rule_violations(rule) == []


def test_no_package_cycles():
    """No two packages import each other, even through others."""
    assert find_cycles(package_graph()) == []


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


def test_the_cycle_finder_finds_cycles():
    """A loop through three packages is one cycle; a chain is none."""
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_the_rules_catch_a_service_reading_the_environment_or_the_store(tmp_path):
    """A service importing os or the store, and a store importing a service, break their rows."""
    (tmp_path / "server" / "services").mkdir(parents=True)
    (tmp_path / "server" / "store").mkdir(parents=True)
    (tmp_path / "server" / "services" / "x.py").write_text("import os\nfrom ..store import Store\n")
    (tmp_path / "server" / "store" / "y.py").write_text("from makaverse.server.services.queues import Ticket\n")
    rules = {r.folder: r for r in RULES}
    assert rule_violations(rules["server/services"], tmp_path) == [
        "server/services/x.py imports makaverse.server.store",
        "server/services/x.py imports makaverse.server.store.Store",
        "server/services/x.py imports os",
    ]
    assert rule_violations(rules["server/store"], tmp_path) == [
        "server/store/y.py imports makaverse.server.services.queues",
        "server/store/y.py imports makaverse.server.services.queues.Ticket",
    ]
    graph = package_graph(tmp_path)
    assert graph["server/services"] == {"server/store"} and find_cycles(graph) == [["server/services", "server/store"]]


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
