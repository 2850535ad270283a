# Two commands: `make run` and `make test`. Each bootstraps what it needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
DEMO_DB ?= var/demo.db
PORT ?= 8000

.PHONY: run test lint typecheck unit install bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/stagecoach demo --database-url sqlite:///$(DEMO_DB) --port $(PORT)

lint: install
	$(BIN)/ruff check src tests bench tools

typecheck: install
	$(BIN)/mypy

test: install lint typecheck
	@bash tools/ensure-chromium.sh
	$(BIN)/python -m pytest -n 2 -q

# One benchmark: make bench NAME=reports ARGS="--db sqlite --contacts 100000"
bench: install
	$(BIN)/python -m bench $(NAME) $(ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
