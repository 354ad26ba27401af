# `make run` (set up and serve with demo data), `make test` (set up and test),
# `make lint` (set up and check the code with ruff, configured in pyproject.toml) and
# `make wheel-check` (build the wheel and run it installed: scripts/check_wheel.sh).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(PY) -m flask --app campaign_crm
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint wheel-check setup migrate seed browser clean

$(VENV)/.installed: pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --upgrade pip
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

setup: $(VENV)/.installed

migrate: setup
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed-demo --if-empty

run: seed
	@echo "CRM draait op http://$(HOST):$(PORT) — stoppen met Ctrl+C"
	$(FLASK) run --host $(HOST) --port $(PORT)

# Debian's Chromium for the browser tests; installed when missing and we may (root + apt).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Chromium installeren voor de browsertests…"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium ontbreekt: de browsertests worden overgeslagen."; fi; }

test: setup browser
	$(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .

wheel-check: setup
	scripts/check_wheel.sh

clean:
	rm -rf $(VENV) instance/*.db .pytest_cache
