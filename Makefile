# The two commands a newcomer needs (see README): `make demo` and `make test`.
# Each builds the virtual environment on first use, so a fresh machine needs nothing else.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench wheel-check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

# The demo is built to fail the gate (exit 1) with a readable report; any other status is a bug.
demo: $(STAMP)
	@status=0; $(BIN)/budget-gate check --repo examples/demo --format markdown || status=$$?; \
	echo; echo "budget-gate exited with status $$status (the demo is built to fail the gate: 1)"; \
	test $$status -eq 1

test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy --strict src

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_check.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
