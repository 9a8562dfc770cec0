# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8765
URL    ?= ws://$(HOST):$(PORT)

.PHONY: run test lint serve client bench bots clean venv dist dist-check

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[server,client,postgres,redis,dev]'
	touch $(STAMP)

## run: server on the embedded SQLite default, plus a client window when a display exists
run: $(STAMP)
	$(BIN)/makaverse run --host $(HOST) --port $(PORT)

## test: every test, headless, over one worker per core (TEST_WORKERS=0 runs them in this one process)
# A test file is the unit handed to a worker (loadfile): files share module-scoped servers and
# fixtures, and ~5,000 tiny protocol cases cost more to hand out one by one than to run (unit and
# contract tests: 119 s in one process, 138 s handed out singly, 71 s by file on 2 cores).
# Files go out in the order tests/conftest.py collects them, the slow client and integration ones
# first (--no-loadscope-reorder; xdist's own order, most tests first, left them for the end, where
# one worker ran the last of them alone). Each test
# already brings its own ports (port 0), Xvfb display (-displayfd), settings file, SQLite file,
# PostgreSQL schema and Redis key prefix, so none of them are shared between workers.
# Bytecode is cached even where the environment says not to (PYTHONDONTWRITEBYTECODE): without it
# each worker rewrites every test file's asserts again (~6 s CPU), and each server, client and
# CLI process the tests start compiles the package from source again (~0.4 s CPU each).
TEST_WORKERS ?= auto
test: $(STAMP)
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=25

## lint: ruff (lint and import order) over every package, tests/ and the launcher; mypy over every package
LINT_PATHS := protocol world server client bench assets tests __init__.py __main__.py launcher.py
MYPY_TARGETS := -p makaverse.protocol -p makaverse.world -p makaverse.server -p makaverse.client \
                -p makaverse.bench -p makaverse.assets -m makaverse -m makaverse.__main__ -m makaverse.launcher
lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	@# mypy cannot follow the editable install's import hook: it reads the package through a link.
	mkdir -p var/lint && ln -sfn ../.. var/lint/makaverse
	$(BIN)/mypy $(MYPY_TARGETS)

serve: $(STAMP)
	$(BIN)/makaverse serve --host $(HOST) --port $(PORT)

client: $(STAMP)
	$(BIN)/makaverse client --url $(URL)

## bench: bots against a server this target starts and stops itself
bench: $(STAMP)
	$(BIN)/makaverse bench --count 50 --duration 20

bots: $(STAMP)
	$(BIN)/makaverse bots --url $(URL) --count 50 --duration 20

## dist: the desktop client for Linux and Windows (Panda3D build_apps) in dist/desktop/<platform>/
##       the server it connects to by default: DIST_URL (also --url or MAKAVERSE_URL when run)
DIST_URL ?= ws://127.0.0.1:8765
dist: $(STAMP)
	$(BIN)/python -m makaverse.bench.desktop --url $(DIST_URL)

## dist-check: build the Linux app (and the Windows one when Wine is installed) and start each
##             headless over wss:// (a local TLS front door, a throwaway CA) for a few frames
dist-check: $(STAMP)
	$(BIN)/python -m makaverse.bench.desktop --check

clean:
	rm -rf $(VENV) var *.egg-info build dist
