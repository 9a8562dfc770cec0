"""The order test files are handed to xdist workers in: the slow ones first.

`make test` hands out whole files (`--dist loadfile`) one at a time as workers free up, in the
order collected (`--no-loadscope-reorder`; xdist's own order, most tests first, left the client
files, a few tests of 10-50 s each, for last, where one worker ran them while the other had
nothing left). Client files start a server and Panda3D processes per test, integration files
servers and benches; contract and unit files are many short ones that fill in at the end.
Within a file the order stays as written (module-scoped servers carry state from test to test).
"""

from __future__ import annotations

from pathlib import Path

import pytest

_HERE = Path(__file__).resolve().parent
_FIRST = ("client", "integration", "contract", "unit")


def _rank(item: pytest.Item) -> int:
    try:
        part = Path(str(item.path)).resolve().relative_to(_HERE).parts[0]
    except ValueError:
        return len(_FIRST)
    return _FIRST.index(part) if part in _FIRST else len(_FIRST)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_rank)  # stable: files and tests keep their order within a folder
