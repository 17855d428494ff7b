# guixml: the two commands of the README are `make demo` and `make test`.
# Each creates what it needs: a virtual environment in .venv and Guile 3.0
# (Debian's guile-3.0) when it is missing.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
GUILE  ?= guile

.PHONY: all demo test bench guile guix-libs venv compiled pure clean

all: test

$(STAMP): pyproject.toml
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "guixml: python3 -m venv failed; installing Debian's python3-venv"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq python3-venv && \
	  $(PYTHON) -m venv $(VENV); }
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $@

venv: $(STAMP)

# The compiled mode: mypyc compiles the modules of guixml.version.COMPILED_MODULES
# from the same source, beside their .py files, when a C compiler is there (and
# mypy installs); otherwise, and with GUIXML_PURE=1, pure Python runs.  Either
# way one line says which mode runs.  `make pure` removes the built modules.
compiled: venv
	@$(BIN)/python -c "import mypyc" 2>/dev/null || \
	  $(BIN)/pip install -q -e '.[test,compiled]' >/dev/null 2>&1 || true
	@$(BIN)/python tools/build_compiled.py --if-stale

pure: venv
	@$(BIN)/python tools/build_compiled.py --clean

# Guile 3.0 is the oracle of the test suite; install Debian's package when absent.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
guile:
	@command -v $(GUILE) >/dev/null 2>&1 || { \
	  echo "guixml: installing Guile 3.0 (Debian package guile-3.0)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq guile-3.0; }

# With a Guix tree at hand (GUIX_SOURCE), the channel's tests load Guix's own
# modules, which need these Guile libraries from Debian.
GUIX_GUILE_LIBS := guile-gcrypt guile-json guile-git guile-sqlite3 guile-zlib guile-lzlib guile-gnutls
guix-libs: guile
	@if [ -n "$(GUIX_SOURCE)" ] && command -v apt-get >/dev/null 2>&1 && \
	    ! dpkg -s $(GUIX_GUILE_LIBS) >/dev/null 2>&1; then \
	  echo "guixml: installing the Guile libraries Guix's modules need"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $(GUIX_GUILE_LIBS); \
	fi

test: venv guile guix-libs compiled
	$(BIN)/python -m pytest -q

demo: venv compiled
	$(BIN)/guixml audit examples/channel

# Speed against Guile on a real Guix checkout: make bench GUIX_SOURCE=/path/to/guix
bench: venv guile compiled
	$(BIN)/python tools/bench.py $(GUIX_SOURCE) --mode both

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
