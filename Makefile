# Two commands on a fresh machine:  `make book` builds the website, `make test` runs every test.
# Both create and fill .venv first (pinned requirements.txt + `pip install -e .`).
SHELL := /bin/bash
PY    ?= python3
VENV  := .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed
JOBS  ?= 2

.PHONY: book vendor serve live test lint unit nbval lab execute clean bench help diff-setup mutate

help:
	@echo "make book     build the website into _build/html (creates .venv on first use)"
	@echo "make serve    serve _build/html on http://127.0.0.1:8000 (works offline)"
	@echo "make live     build, serve the site on http://127.0.0.1:8000 with a local Jupyter server: explorers go live"
	@echo "make test     run every test: lint, types, doctests, unit/property, explorers, coursework, nbval, book build, browser"
	@echo "make lint     ruff, mypy and the doctests of mlsysim"
	@echo "make lab      open the book in JupyterLab (MyST prose + widgets)"
	@echo "make execute  re-execute notebooks in place (NB=book/x.ipynb for one)"
	@echo "make bench    run the benchmarks in bench/"
	@echo "make diff-setup  let git diff/merge notebooks with nbdime (this clone only)"

# requirements.txt includes requirements-student.txt (the lean environment a student runs the notebooks in);
# its wheels are also kept in $(VENV)/wheelhouse so tests/test_portable.py can build that environment offline.
$(STAMP): requirements.txt requirements-student.txt pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip download --quiet --only-binary=:all: -d $(VENV)/wheelhouse -r requirements-student.txt
	touch $(STAMP)

# MathJax 3 and the Jupyter widget manager are vendored from the npm registry (pinned versions and
# hashes in tools/vendor_assets.py) into _vendor/, so the built site needs no network. A no-op once done.
vendor: $(STAMP)
	$(BIN)/python tools/vendor_assets.py

# Incremental: Sphinx re-reads (and myst-nb re-executes) only notebooks whose source changed.
book: vendor
	$(BIN)/jupyter-book build . -W -n --keep-going

serve:
	$(BIN)/python -m http.server 8000 --bind 127.0.0.1 --directory _build/html

# The site plus a Jupyter server (this venv, so kernels import mlsysim) on 127.0.0.1 with a random
# token and CORS for the site only; "Go live" at an explorer runs the page on it. No network needed.
live: book
	$(BIN)/python tools/live.py --site _build/html --port 8000 --jupyter-port 8888

# Lint (ruff), types (mypy) and doctests of mlsysim, then one pytest run: unit/property/explorer/
# coursework/site/browser tests + nbval over every notebook (text outputs and every {eval} value).
# --dist loadfile keeps each notebook's cells on one worker (they share one kernel). Tests run in random
# order (pytest-randomly; the seed is printed, --randomly-seed=N reproduces), Hypothesis derandomized.
test: book lint
	$(BIN)/pytest -n $(JOBS) --dist loadfile tests book --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg

lint: $(STAMP)
	$(BIN)/ruff check mlsysim
	$(BIN)/mypy
	$(BIN)/pytest -q -p no:randomly -p no:xdist --doctest-modules mlsysim

unit: $(STAMP)
	$(BIN)/pytest -n $(JOBS) tests -m "not site and not browser"

nbval: $(STAMP)
	$(BIN)/pytest -n $(JOBS) --nbval book --nbval-sanitize-with tests/nbval_sanitize.cfg

execute: $(STAMP)
	$(BIN)/python -m mlsysim.nbrun $(or $(NB),book/*.ipynb)

# Class containers often run as root, which Jupyter refuses without --allow-root.
lab: $(STAMP)
	$(BIN)/jupyter lab book/ $(if $(filter 0,$(shell id -u)),--allow-root)

# nbdime as git's diff and merge driver for *.ipynb (.gitattributes names the drivers), this clone only.
# Absolute paths, so `git diff` works without the venv on PATH.
diff-setup: $(STAMP)
	$(BIN)/nbdime config-git --enable
	git config diff.jupyternotebook.command "$(abspath $(BIN))/git-nbdiffdriver diff"
	git config merge.jupyternotebook.driver "$(abspath $(BIN))/git-nbmergedriver merge %O %A %B %L %P"

# Mutation testing (issue 13): mutmut plants small bugs in mlsysim/models, calc.py and fmt.py and runs
# the model tests against each ([tool.mutmut] in pyproject.toml); survivors are listed at the end.
# Slow (minutes per module on 2 cores); works in ./mutants (git-ignored).
mutate: $(STAMP)
	$(BIN)/mutmut run --max-children $(JOBS)
	$(BIN)/mutmut results

bench: $(STAMP)
	for f in bench/*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf _build
