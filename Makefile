# The two commands a newcomer needs (see README): `make demo` and `make test`.
# Each builds the virtual environment on first use, so a fresh machine needs nothing else.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench bench-ledger wheel-check lock lock-check dist container-test release-dry-run clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

# The demo is built to fail the gate (exit 1) with a readable report; any other status is a bug.
demo: $(STAMP)
	@$(BIN)/budget-gate check --repo examples/demo --format markdown --output build/demo-report.md || true
	@status=0; $(BIN)/budget-gate check --repo examples/demo --format text || status=$$?; \
	echo; echo "The PR-comment version of this report is in build/demo-report.md."; \
	echo "budget-gate exited with status $$status (the demo is built to fail the gate: 1)"; \
	test $$status -eq 1

test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy --strict src
	$(BIN)/lint-imports
	$(BIN)/zizmor --offline --no-progress --min-severity medium .github/workflows/*.yml docs/workflows/*.yml action.yml

# Proves templates/ and config/ ship inside the wheel: install it into a fresh venv and run the
# demo from another directory (exit 1 is the demo's expected failing verdict).
wheel-check: $(STAMP)
	rm -rf dist .wheel-venv
	$(BIN)/pip wheel --quiet --no-deps --wheel-dir dist .
	$(PYTHON) -m venv .wheel-venv
	.wheel-venv/bin/pip install --quiet dist/*.whl
	@demo=$$(pwd)/examples/demo; cd /tmp && status=0; \
	$(CURDIR)/.wheel-venv/bin/budget-gate check --repo "$$demo" --format markdown > /tmp/wheel-demo.md || status=$$?; \
	test $$status -eq 1 && grep -q "plan-budget-gate:report" /tmp/wheel-demo.md && echo "wheel-check: packaged templates and config work"
	@# Without the [dashboard] extra, `dashboard` exits 2 with one line naming the extra.
	@status=0; .wheel-venv/bin/budget-gate dashboard --output /tmp/wheel-dashboard.html 2> /tmp/wheel-dashboard.err || status=$$?; \
	test $$status -eq 2 && grep -q "pip install 'plan-budget-gate\[dashboard\]'" /tmp/wheel-dashboard.err && echo "wheel-check: dashboard without its extra says how to install it"

# The image's hash-locked runtime dependencies (requirements/runtime.txt): `make lock` after
# changing pyproject's dependencies or the otel extra; `lock-check` verifies it offline.
lock: $(STAMP)
	$(BIN)/python scripts/lock.py

lock-check: $(STAMP)
	$(BIN)/python scripts/lock.py --check

# What the release workflow publishes to PyPI: sdist and wheel, built once, metadata checked.
dist: $(STAMP)
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	$(BIN)/twine check --strict dist/*

# The Action's image built from the Dockerfile and run the way GitHub runs it, on the demo: size
# over base, comment, check run, outputs, and the time in and out of the container. Here buildah
# over a stand-in base (installed with apt-get when missing; the base is cached); on GitHub's
# runners (or wherever a Docker engine answers) with Docker.
ENGINE ?= $(shell docker info > /dev/null 2>&1 && echo docker || echo buildah)
container-test: $(STAMP)
	$(BIN)/python tests/packaging/container_check.py --engine $(ENGINE)

# The release workflow's build steps that run without publishing anything.
release-dry-run: lock-check dist container-test

bench: $(STAMP) bench-ledger
	$(BIN)/python benchmarks/bench_check.py

# The ledger of a 10,000-commit generated history (< 1 min) and a re-run after one commit (< 2 s).
bench-ledger: $(STAMP)
	$(BIN)/python benchmarks/bench_ledger.py

clean:
	rm -rf $(VENV) .wheel-venv build dist .pytest_cache .mypy_cache .ruff_cache
