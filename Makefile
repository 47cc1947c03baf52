# Everyday commands, in the checkout's virtual environment .venv/ (made on first use; Debian and
# Ubuntu need python3-venv for it). CI (.ci/run) runs the same steps.
VENV ?= .venv
PYTHON := $(VENV)/bin/python

.PHONY: install install-test run lint test wheel-check streamlit-config bench

$(PYTHON):
	python3 -m venv $(VENV)

install: $(PYTHON)  ## the app and its command line
	$(PYTHON) -m pip install -e .

install-test: $(PYTHON)  ## plus everything the tests need
	$(PYTHON) -m pip install -e '.[test]'

run: install        ## assessment serve: prints the database and the address to open
	$(VENV)/bin/assessment serve

lint:
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	$(PYTHON) -m mypy

test: install-test
	$(PYTHON) -m pytest

wheel-check:        ## the built wheel in a fresh venv outside the checkout: validate, demo, serve
	bash .ci/wheel-check

streamlit-config:   ## .streamlit/config.toml is a copy of the packaged Streamlit options
	cp assessment/ui/streamlit.toml .streamlit/config.toml

bench:
	$(PYTHON) benchmarks/bench_scoring.py
	$(PYTHON) benchmarks/bench_submit.py
	$(PYTHON) benchmarks/bench_results.py
