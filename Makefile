# Lycée IA: `make run` serves the app (laptop mode, SQLite, demo data);
# `make test` runs the whole test suite. Both set up .venv themselves.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# `make run` from a clone keeps its database and secret key in ./instance.
LYCEE_IA_DATA_DIR ?= $(CURDIR)/instance
export LYCEE_IA_DATA_DIR

.PHONY: run test bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Lycée IA demande Python 3.11 ou plus récent : installez-le, ou indiquez-le avec make PYTHON=/chemin/vers/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml package.json package-lock.json | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/lycee-ia db upgrade
	$(BIN)/lycee-ia demo --if-empty
	$(BIN)/lycee-ia serve

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-test
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) node_modules tests/artifacts .pytest_cache
