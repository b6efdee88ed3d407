# Casebook developer commands. Everything runs inside .venv, created on demand.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_STORE ?= demo-store/demo.cbk
DEMO_PASSPHRASE ?= demo passphrase for Casebook

.PHONY: run test test-fast lint typecheck bench bench-scale package package-test screenshots clean demo

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

$(DEMO_STORE): | $(STAMP)
	mkdir -p $(dir $(DEMO_STORE))
	CASEBOOK_PASSPHRASE="$(DEMO_PASSPHRASE)" $(BIN)/python -m app demo --store $(DEMO_STORE) --cases 40

demo: $(DEMO_STORE)

run: $(STAMP) $(DEMO_STORE)
	CASEBOOK_PASSPHRASE="$(DEMO_PASSPHRASE)" $(BIN)/python -m app --store $(DEMO_STORE)

# Every core (pytest-xdist), coverage with the floor in pyproject ([tool.coverage.report] fail_under).
test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -n auto --cov --cov-report=term:skip-covered

# Everyday run: every core, no coverage, skips the `slow` marker (kill -9 loops).
test-fast: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -n auto -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check app tests
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache --no-logo

# `make bench ARGS="--repeats 3"`; growth with the caseload: `make bench-scale` (= `make bench ARGS=--scale`).
bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks.run $(ARGS)

bench-scale: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks.run --scale $(ARGS)

package: $(STAMP)
	$(BIN)/python -m pip install --quiet -r requirements-package.txt
	$(BIN)/pyinstaller --noconfirm --clean pyinstaller.spec

package-test: package
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest tests/packaging -q

clean:
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache
