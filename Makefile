# Two commands do all set-up: `make run` and `make test` (Python 3.11+ is the only requirement).
SHELL := /bin/bash
# The first Python 3.11+ on PATH, probed once and quietly (a pyenv shim for a missing version complains on stderr).
ifndef PYTHON
PYTHON := $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& { echo $$p; break; }; done)
endif
VENV := .venv
BIN := $(VENV)/bin
APP_STAMP := $(VENV)/.installed-app
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test demo lint typecheck pytest check-config clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is required: none of python3.13, python3.12, python3.11" \
		"or python3 on PATH is one (or name it: make PYTHON=/path/to/python3.11 ...)" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
		version=$$($(PYTHON) -V 2>&1) || version="not found"; \
		echo "Python 3.11 or newer is required; $(PYTHON): $$version" >&2; exit 1; }
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || { echo "$(PYTHON) cannot create a virtual environment:" \
		"install its venv module (Debian and Ubuntu: apt install python3-venv)" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# setuptools prints an informational banner about editable installs even with --quiet; it is not a problem.
INSTALL := PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet

$(APP_STAMP): pyproject.toml | $(BIN)/python
	$(INSTALL) -e .
	@touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(INSTALL) -e '.[dev]'
	@touch $@ $(APP_STAMP)

run: $(APP_STAMP)  ## migrate, load seeds and start the daemon with config/watchlist.yaml
	$(BIN)/monitor db upgrade
	exec $(BIN)/monitor run

demo: $(APP_STAMP)  ## offline demo on bundled sample feeds
	$(BIN)/monitor demo

check-config: $(APP_STAMP)
	$(BIN)/monitor check-config

lint: $(DEV_STAMP)
	$(BIN)/ruff check monitor tests $(wildcard benchmarks docs)
	$(BIN)/hadolint Dockerfile
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml

typecheck: $(DEV_STAMP)
	$(BIN)/mypy --strict monitor

pytest: $(DEV_STAMP)
	$(BIN)/pytest -q

test: lint typecheck pytest  ## ruff, mypy --strict and the whole test suite

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
