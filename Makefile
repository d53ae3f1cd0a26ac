# The two commands a new user needs: `make test` and `make demo`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test lint typecheck pytest demo bench bench-sync bench-latency bench-storm bench-peer bench-start clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,sandbox]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check connector adapters tests bench
	$(BIN)/ruff format --check connector adapters tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q

test: lint typecheck pytest

demo: $(STAMP)
	$(BIN)/connector demo

# Benchmarks print their figures; bench/RESULTS.md records the latest ones.
bench: $(STAMP)
	$(BIN)/python -m bench.plan_throughput
	$(BIN)/python -m bench.sandbox_stripe
	$(BIN)/python -m bench.sandbox_salesforce
	$(BIN)/python -m bench.sandbox_odoo
	$(BIN)/python -m bench.webhook_ingest --store both

# Long runs against the sandbox: 100,000 subscriptions, and webhook-to-applied latency.
bench-sync: $(STAMP)
	$(BIN)/python -m bench.sandbox_sync --subscriptions 100000

# The per-record sync teams write today, beside the connector on the same book.
bench-peer: $(STAMP)
	$(BIN)/python -m bench.peer_naive --subscriptions 5000

bench-start: $(STAMP)
	$(BIN)/python -m bench.start_time

bench-latency: $(STAMP)
	$(BIN)/python -m bench.webhook_latency

# A renewal storm: 10,000 webhook deliveries for 5,000 renewed subscriptions within a minute.
bench-storm: $(STAMP)
	$(BIN)/python -m bench.renewal_storm

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache build dist
