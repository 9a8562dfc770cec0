# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8765
URL    ?= ws://$(HOST):$(PORT)

.PHONY: run test serve client bench bots clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[server,client,postgres,redis,dev]'
	touch $(STAMP)

## run: server on the embedded SQLite default, plus a client window when a display exists
run: $(STAMP)
	$(BIN)/makaverse run --host $(HOST) --port $(PORT)

## test: every test, headless
test: $(STAMP)
	$(BIN)/python -m pytest -q

serve: $(STAMP)
	$(BIN)/makaverse serve --host $(HOST) --port $(PORT)

client: $(STAMP)
	$(BIN)/makaverse client --url $(URL)

## bench: bots against a server this target starts and stops itself
bench: $(STAMP)
	$(BIN)/makaverse bench --count 50 --duration 20

bots: $(STAMP)
	$(BIN)/makaverse bots --url $(URL) --count 50 --duration 20

clean:
	rm -rf $(VENV) var *.egg-info
