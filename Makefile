# golive: build, run and test.  `make demo` and `make test` are all a newcomer needs.
#
# PYTHON picks the interpreter the venv is made from (3.11 or newer).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Lint only the folders that exist (bench/ may come later).
LINT_PATHS := $(wildcard src tests bench)

.PHONY: help venv demo test lint chromium lock clean distclean

help:
	@echo "make demo       open the app on the demo go-live (creates .venv first)"
	@echo "make test       lint, type-check, import contracts, then pytest"
	@echo "make lint       ruff, mypy and import contracts only"
	@echo "make chromium   install Chromium for the browser test (as root, with apt-get)"
	@echo "make venv       create or refresh .venv"
	@echo "make lock       re-resolve dependencies into constraints.txt"
	@echo "make clean      remove build output and caches (distclean: also .venv)"

venv: $(STAMP)

# Re-installs only when pyproject.toml or constraints.txt changed since the last install.
$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "golive needs Python 3.11 or newer; set PYTHON=/path/to/python3.11" >&2; exit 1; }
	@$(BIN)/python -c '' 2>/dev/null || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[server,web,dev]' -c constraints.txt
	@touch $(STAMP)

# make stays golive's parent and does not pass a hang-up on: golive notices a closed
# terminal by itself (docs/user-guide.md, "When the terminal goes away").
demo: venv
	$(BIN)/golive demo

lint: venv
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/mypy $(LINT_PATHS)
	$(BIN)/lint-imports

# The browser test drives Debian's Chromium (no browser download): installed here when it
# is missing and we may (root with apt-get, as in CI); otherwise that test says it skipped.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "Installing Chromium for the browser test"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -qq chromium chromium-driver >/dev/null; \
		else \
			echo "Chromium is not installed: the browser test will be skipped" \
				"(sudo apt-get install chromium chromium-driver)"; \
		fi; }

test: lint chromium
	$(BIN)/pytest

# Resolve everything afresh in a throwaway venv and pin the result.
lock:
	@rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet -e '.[server,web,dev]'
	@{ echo "# Exact versions of every runtime and dev dependency, resolved together."; \
	   echo "# Generated: do not edit by hand. Regenerate with: make lock"; \
	   .lock-venv/bin/python -m pip freeze --exclude-editable; } > constraints.txt.new
	@mv constraints.txt.new constraints.txt
	@rm -rf .lock-venv
	@echo "constraints.txt updated ($$(grep -c '==' constraints.txt) pins)"

clean:
	rm -rf build dist .lock-venv .pytest_cache .mypy_cache .ruff_cache .import_linter_cache \
		.hypothesis snapshot_report.html
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
	find . -path ./$(VENV) -prune -o -type d -name '*.egg-info' -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
