# Two commands for a fresh machine with Python 3.11+ and make:
#   make demo   the product against the embedded mock backend
#   make test   every test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
PYTEST_WORKERS ?= 2

.PHONY: demo mock test test-fast openapi bench screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/zheliban demo

mock: $(STAMP)
	$(BIN)/zheliban-mock

test: $(STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -q -rs

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -x -m "not e2e"

openapi: $(STAMP)
	$(BIN)/python -m mock_server.openapi

bench: $(STAMP)
	$(BIN)/python bench/backend.py

# needs rsvg-convert and CJK fonts (Debian: librsvg2-bin fonts-noto-cjk); look at every PNG before committing
screenshots: $(STAMP)
	$(BIN)/python screenshots/generate.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
