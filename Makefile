# Everyday commands. CI (.ci/run) uses the same targets.
PYTHON ?= python3

.PHONY: install install-test run lint test bench

install:            ## the app and its command line
	$(PYTHON) -m pip install -e .

install-test:       ## plus everything the tests need
	$(PYTHON) -m pip install -e '.[test]'

run: install
	$(PYTHON) -m streamlit run streamlit_app.py

lint:
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .

test: install-test
	$(PYTHON) -m pytest

bench:
	$(PYTHON) benchmarks/bench_scoring.py
	$(PYTHON) benchmarks/bench_submit.py
	$(PYTHON) benchmarks/bench_results.py
