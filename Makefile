# The two commands a new user needs:
#   make demo   set up, load the bundled HHS breach portal snapshot and show what it says
#   make test   set up, lint, type-check and run the test suite (browser tests included when
#               Debian's chromium is installed; they skip, saying why, when it is not)
# Everything installs into ./.venv from the package registry; nothing else is touched.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench
export PHIWATCH_DATA_DIR ?= $(CURDIR)/.phiwatch
export PHIWATCH_TEST_ARTIFACTS ?= $(CURDIR)/test-artifacts

.PHONY: demo test lint typecheck unit slow bench install native clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(MAKE) native || echo "scanner: not compiled (needs gcc and Python's headers); it runs as Python"
	touch $(STAMP)

# The peers the benchmarks compare against (pandas, Presidio with a spaCy model): large, so
# only `make bench` installs them.
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

install: $(STAMP)

# The scanner's hot modules compiled with mypyc into build/native/ (phiwatch.scan._native); a
# source edited since is run as Python until this runs again.
native:
	$(BIN)/python -c 'from phiwatch.scan._native import build; build()'

demo: $(STAMP)
	$(BIN)/phiwatch registry import --bundled
	$(BIN)/phiwatch registry stats --by year --cumulative
	$(BIN)/phiwatch registry stats --by type
	$(BIN)/phiwatch registry list --sort -affected --limit 10
	@echo
	@echo "Data is in $(PHIWATCH_DATA_DIR). Try: $(BIN)/phiwatch --help"

test: $(STAMP) lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/bandit -q -r src -lll   # no high-severity finding (medium ones are reviewed: docs/security.md)

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -n 2 -m "not slow"
	PHIWATCH_SCAN_PURE=1 $(BIN)/pytest -n 2 -m "not slow" tests/scan  # the scanner as Python too

slow: $(STAMP)
	$(BIN)/pytest -m slow

# The quick benchmarks; the large ones (monitor, simulator, scanner at size) are listed with
# their commands in docs/benchmarks.md.
bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/registry_import.py

clean:
	rm -rf $(VENV) .phiwatch .pytest_cache .mypy_cache .ruff_cache test-artifacts build/native build/mypyc-c build/mypyc-o
