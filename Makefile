# Layanan Informasi Remisi — the two commands a newcomer needs are `make dev` and `make test`.
# Each installs what it needs first (virtualenvs from the pinned requirements files).

PYTHON ?= python3.11
VENV := .venv
TASKS_VENV := .venv-tasks
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TASKS_STAMP := $(TASKS_VENV)/.installed

.PHONY: setup dev test unit integration infra-check lint format bench bench-pages sdp-eval sdp-bench clean

setup: $(STAMP) $(TASKS_STAMP) check-tools browser-tools scan-tools

# Both virtualenvs install their hashed locks only: what the tests run is what is deployed.
# pip before 23.3 (python3.11's own is 23.2.1) refuses a lock whose pinned package another
# package asks for with an extra (google-api-core[grpc]) unless the pin is the newest release,
# so pip itself comes first, from the dev lock, and installs both virtualenvs.
$(STAMP): requirements.txt localdev/requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	sed -n '/^pip==/,/^    # via/p' localdev/requirements-dev.txt > $(VENV)/pip-lock.txt
	$(PY) -m pip install --quiet --require-hashes --no-deps -r $(VENV)/pip-lock.txt
	$(PY) -m pip install --quiet --require-hashes -r localdev/requirements-dev.txt
	touch $@

$(TASKS_STAMP): $(STAMP) localdev/requirements-tasks-emulator.txt
	test -x $(TASKS_VENV)/bin/python || $(PYTHON) -m venv $(TASKS_VENV)
	$(PY) -m pip --python $(TASKS_VENV)/bin/python install --quiet --require-hashes \
		-r localdev/requirements-tasks-emulator.txt
	touch $@

## Regenerate the hashed locks from pyproject.toml, keeping every pin its specification still
## allows (`make lock UPGRADE=1` takes the newest allowed). The runtime lock constrains the dev
## lock, so both hold the same versions. Resolved for Cloud Functions' Python 3.11 (Ubuntu 22.04).
LOCK := $(VENV)/bin/uv pip compile --quiet --generate-hashes --python-version 3.11 \
	--python-platform x86_64-manylinux_2_35 --custom-compile-command "make lock" \
	$(if $(UPGRADE),--upgrade)
.PHONY: lock
lock: $(STAMP)
	$(LOCK) pyproject.toml -o requirements.txt
	$(LOCK) pyproject.toml --extra dev -c requirements.txt -o localdev/requirements-dev.txt
	$(LOCK) --group pyproject.toml:tasks-emulator -o localdev/requirements-tasks-emulator.txt

.PHONY: check-tools
check-tools:
	@command -v gcloud >/dev/null || { echo "Google Cloud CLI (gcloud) not found: see README, 'Machines without the Google Cloud CLI'"; exit 1; }
	@command -v java >/dev/null || { echo "Java not found (the Firestore emulator needs it): see README"; exit 1; }
	@gcloud emulators firestore --help >/dev/null 2>&1 || { echo "Firestore emulator missing: gcloud components install cloud-firestore-emulator (or apt-get install google-cloud-cli-firestore-emulator)"; exit 1; }

## Start the whole system locally: emulators, functions, site, demo data. Ctrl-C stops it.
dev: setup
	$(PY) -m localdev.stack

## The same, after deleting the data make dev keeps between starts (.local/dev-data/).
.PHONY: dev-clean
dev-clean: setup
	$(PY) -m localdev.stack --clean

## Every test: lint, unit, integration on the emulators, infra (fmt, checkov, hcl tests).
test: setup provider-schema
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	infra/check.sh fmt
	infra/check.sh checkov
	$(PY) -m pytest

infra-check: setup
	infra/check.sh

## The google and archive providers' schemas (CDK bindings wheels from PyPI, ~65 MB, cached in
## infra/.provider-schema/) that tests/infra holds every resource block against.
.PHONY: provider-schema
provider-schema: $(STAMP)
	infra/check.sh provider-schema

unit: setup
	$(PY) -m pytest tests/unit

integration: setup
	$(PY) -m pytest tests/integration

lint: setup
	$(PY) -m ruff check .

format: setup
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

## Pipeline benchmark: starts its own stack, prints latency, throughput and a key=value line.
bench: setup
	$(PY) -m tests.bench.pipeline

## Public pages under DevTools' slow/fast 3G presets in Chromium: paint, scripts ready, bytes.
bench-pages: setup
	$(PY) -m tests.bench.page_load

## SDP directory: matching on the synthetic and rule-written sets beside a rapidfuzz baseline; lookup speed (RECORDS=1000000: national scale).
sdp-eval: setup
	$(PY) -m localdev.sdp.evaluate

sdp-bench: setup
	$(PY) -m localdev.sdp.bench --records $(or $(RECORDS),100000)

clean:
	rm -rf $(VENV) $(TASKS_VENV) infra/.venv-checkov .local test-artifacts bench-results .pytest_cache .ruff_cache

## Browser tests: Debian's Chromium (never a downloaded browser) and axe-core from npm.
.PHONY: browser-tools qr-board
browser-tools:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core; }
	@test -d tests/browser/node_modules/axe-core || (cd tests/browser && npm ci --silent)

## Malware scanning: Debian's ClamAV (clamd, sigtool); the stack makes its own test signatures.
.PHONY: scan-tools
scan-tools:
	@test -x /usr/sbin/clamd -a -x /usr/bin/sigtool || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clamav-daemon clamav; }

## The QR board for the service desk (A4 PDF, SVG, PNG): make qr-board URL=https://… [OFFICE_NAME=…]
qr-board: setup
	$(PY) -m localdev.qr_board --url $(or $(URL),http://127.0.0.1:8080/) --out .local/qr-board

## Faults on a stack of its own: 1,000 requests from 50 requesters while workers, the gateway,
## SDP, the providers and Firestore fail; then the relay; last line: submitted=… lost=… http_500=…
.PHONY: chaos load
chaos: setup
	$(PY) -m localdev.chaos

## 1,000 submissions with uploads from 50 requesters: p50/p95/p99 against the echo baseline.
load: setup
	$(PY) -m localdev.load

## The KTP check per kind of file (phone photo, PNG, PDF, each hostile kind), each in a fresh
## process: time and peak memory; last line: max_accepted_peak_mb=… phone_jpeg_ms=…
.PHONY: bench-ktp
bench-ktp: setup
	$(PY) -m localdev.bench_ktp
