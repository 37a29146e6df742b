# The README's two commands live here so CI and newcomers run exactly the same thing.
PYTHON ?= python3

.PHONY: install test test-fast serve screenshots
install:
	$(PYTHON) -m pip install -q -e '.[test]'

# One worker per core (-n auto): each worker has its own database and queue names (tests/conftest.py RUN_ID).
test: install
	$(PYTHON) -m pytest -q -n auto --dist loadgroup --durations=15

# Without PostgreSQL, Redis or chromium: SQLite and the embedded queue only. It ends by saying what it left out.
test-fast: install
	$(PYTHON) -m pytest -q -m "not postgres and not redis and not browser and not fault"

serve:
	$(PYTHON) -m pip install -q . && declgate serve --demo

# Refresh the README's screenshots from the browser tests.
screenshots: install
	DECLGATE_SCREENSHOTS=$(CURDIR)/docs/screenshots $(PYTHON) -m pytest -q -m browser
