# Two commands on a fresh machine:  `make book` builds the website, `make test` runs every test.
# Both create and fill .venv first (pinned requirements.txt + `pip install -e .`).
SHELL := /bin/bash
PY    ?= python3
VENV  := .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed
JOBS  ?= 2

.PHONY: book test unit nbval lab execute clean bench help

help:
	@echo "make book     build the website into _build/html (creates .venv on first use)"
	@echo "make test     run every test: unit/property, explorers, coursework, nbval, book build, browser"
	@echo "make lab      open the book in JupyterLab (MyST prose + widgets)"
	@echo "make execute  re-execute notebooks in place (NB=book/x.ipynb for one)"
	@echo "make bench    run the benchmarks in bench/"

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going

# One pytest run: unit/property/explorer/coursework/site tests + nbval over every notebook.
# --dist loadfile keeps each notebook's cells on one worker (they share one kernel).
test: book
	$(BIN)/pytest -n $(JOBS) --dist loadfile tests book --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg

unit: $(STAMP)
	$(BIN)/pytest -n $(JOBS) tests -m "not site"

nbval: $(STAMP)
	$(BIN)/pytest -n $(JOBS) --nbval book --nbval-sanitize-with tests/nbval_sanitize.cfg

execute: $(STAMP)
	$(BIN)/python -m mlsysim.nbrun $(or $(NB),book/*.ipynb)

lab: $(STAMP)
	$(BIN)/jupyter lab book/

bench: $(STAMP)
	for f in bench/*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf _build
