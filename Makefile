# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
DEMO_DIR ?= demo

.PHONY: demo test lint typecheck pytest install clean docs browser requester-tools

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,spark,peer]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python scripts/demo.py --dir $(DEMO_DIR)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

typecheck: $(STAMP)
	$(BIN)/mypy

# Browser tests drive Debian's Chromium (a test tool's own browser download cannot reach
# the network here).
browser:
	@command -v chromium >/dev/null || { apt-get update -q && apt-get install -y -q chromium; }

# A requester who does not run ivs checks and opens a response package with these
# (docs/service.md); tests/disclose/test_package_by_hand.py runs the documented steps.
requester-tools:
	@command -v age >/dev/null && command -v jq >/dev/null && command -v xxd >/dev/null && \
		command -v unzip >/dev/null || \
		{ apt-get update -q && apt-get install -y -q age jq xxd unzip; }

pytest: $(STAMP) browser requester-tools
	$(BIN)/python -m pytest -n 2 --dist loadgroup

test: lint typecheck pytest

docs: $(STAMP)
	$(BIN)/ivs docs reason-codes > docs/reason-codes.md

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache
