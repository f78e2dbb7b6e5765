# Every target bootstraps .venv itself, so a fresh machine needs only `make demo` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test test-fast test-deep bench bench-smoke lint clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# First run: trains, simulates and serves in a few minutes; later runs reuse the build and serve in
# seconds. Options pass through: make demo DEMO_ARGS="--fresh" (or --port 8001, --borrowers 5000, ...).
demo: $(STAMP)
	$(BIN)/creditline demo $(DEMO_ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q --durations=20

# Nightly: only the property-based and stateful tests, with 20 times their examples drawn afresh each run
# (tests/deep_runs.py). The long API and domain fuzzing is bench/fuzz_api.py.
test-deep: $(STAMP)
	CREDITLINE_DEEP=20 $(BIN)/python -m pytest -n 2 -q tests

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow and not postgres" tests/unit tests/golden

bench: $(STAMP)
	$(BIN)/python -m bench.run

bench-smoke: $(STAMP)
	$(BIN)/python -m bench.run --smoke

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info src/*.egg-info
