# Two commands for a fresh machine: `make site` builds the static site into site/,
# `make test` runs the test suite. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test
NSTAMP := node_modules/.installed

.PHONY: site test fuzz serve bench clean node_modules wheel messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# --only-binary: the reference server is the OpenSSL inside cryptography's wheel; a source
# build would link this machine's libssl instead (tlskb refuses that at run time too); rtls's
# wheel carries rustls 0.23.45 + aws-lc-rs prebuilt, its sdist would need cargo
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet --only-binary=cryptography,rtls -e .
	touch $@

$(TSTAMP): $(STAMP) $(NSTAMP)
	$(BIN)/pip install --quiet --only-binary=cryptography,rtls -e '.[test]'
	touch $@

# test-only JavaScript (package.json, exact pins in package-lock.json): axe-core, which the
# site audit (tests/test_site_audit.py) loads from disk into each page. --ignore-scripts: no
# package runs code at install time; any npm is enough (.ci/run installs Debian's where none is).
$(NSTAMP): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

node_modules: $(NSTAMP)

# the command for a server (README, Install): dist/tlskb-*.whl, cases and catalogue inside
wheel: $(BIN)/python
	$(BIN)/pip wheel --quiet --no-deps --only-binary=cryptography,rtls -w dist .

# the tlskb plugin checks every case first: an invalid case fails the build
site: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

# after changing a message in the code or a template: new messages enter each language's
# catalogue (generator/locale/) untranslated, removed ones leave; then translate the new ones
messages: $(STAMP)
	$(BIN)/python tools/messages.py

serve: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

test: $(TSTAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# random exploration: every property test (hypothesis marks them) with 5000 fresh examples —
# the default profile is derandomized; turn each counterexample into an explicit @example
fuzz: $(TSTAMP)
	$(BIN)/python -m pytest --slow -m hypothesis -p no:cacheprovider $(PYTEST_ARGS)

bench: $(TSTAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/decode.py
	$(BIN)/python benchmarks/analyze.py
	$(BIN)/python benchmarks/site.py  # about 12 minutes: a 1,000-case site, built six times

clean:
	rm -rf site .pytest_cache .hypothesis
