# Client Profile: `make run` to try it, `make test` to prove it. Needs only Python >= 3.11.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 3000
# Processes for the non-browser tests (pytest-xdist); the browser tests share one app build and run in one.
TEST_WORKERS ?= 2

export REFLEX_USE_NPM := 1
export REFLEX_TELEMETRY_ENABLED := false
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: install run test lint format clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	touch $@

install: $(BIN)/.installed

## Try it locally: migrate, load the demo into an empty database, serve at http://localhost:$(PORT).
run: install
	@export CLIENT_PROFILE_ENV=$${CLIENT_PROFILE_ENV:-development} BASE_URL=$${BASE_URL:-http://localhost:$(PORT)}; \
	$(BIN)/client-profile prepare && \
	if [ -z "$$SMTP_HOST" ] && [ "$$CLIENT_PROFILE_ENV" != production ]; then \
	  echo; echo "  Login e-mails are not sent anywhere: read them at $$BASE_URL/dev/mailbox (development only)"; \
	  echo "  and on this console. Try anna@example.com, ben@example.com or peter@example.com."; \
	  echo "  The provider console is at $$BASE_URL/admin: office@example.com (owner), martina@example.com (instructor)."; echo; \
	fi; \
	$(BIN)/reflex run --env prod --frontend-port $(PORT) --backend-port $(PORT)

## All tests on SQLite; again on PostgreSQL + Redis (2 workers) when TEST_DATABASE_URL and TEST_REDIS_URL are set.
## Both at one instant, TEST_NOW (drawn at random when not given, printed: TEST_NOW=... make test replays it).
ifeq ($(strip $(TEST_NOW)),)
test: export TEST_NOW := $(shell $(PYTHON) -m tests.clock_helpers)
endif
test: install lint
	@echo "TEST_NOW=$(TEST_NOW)  (replay: TEST_NOW=$(TEST_NOW) make test)"
	env -u TEST_DATABASE_URL -u TEST_REDIS_URL $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --ignore=tests/e2e
	env -u TEST_DATABASE_URL -u TEST_REDIS_URL $(BIN)/python -m pytest -q tests/e2e
	@if [ -n "$$TEST_DATABASE_URL" ] && [ -n "$$TEST_REDIS_URL" ]; then \
	  echo "== again on PostgreSQL + Redis with 2 workers =="; \
	  $(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --ignore=tests/e2e && \
	  $(BIN)/python -m pytest -q -p no:cacheprovider tests/e2e; \
	else echo "(set TEST_DATABASE_URL and TEST_REDIS_URL to also run on PostgreSQL + Redis)"; fi

## Static checks and the code's format (ruff, configured in pyproject.toml); part of `make test`.
## `make format` applies the formatter and the safe fixes.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Remove what builds and test runs leave behind (the venv stays; delete .venv yourself to rebuild it).
clean:
	rm -rf .web test-artifacts .pytest_cache .ruff_cache
