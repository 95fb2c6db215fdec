# The two commands of the README: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000

.PHONY: run test system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

# npm brings the sitemap protocol's XSD, which the tests validate /sitemap.xml against.
node_modules/.package-lock.json: package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --silent
	touch $@

## Run the blog on the embedded store, with demo content on first start.
run: $(VENV)/.runtime
	FLASK_DEBUG=1 $(BIN)/flask --app app seed demo --if-empty
	FLASK_DEBUG=1 $(BIN)/flask --app app points recover
	FLASK_DEBUG=1 $(BIN)/flask --app app run --debug --port $(PORT)

## Run the whole test suite (installs Chromium, Redis, Java and npm with apt when missing).
test: system-deps $(VENV)/.dev node_modules/.package-lock.json
	$(BIN)/python -m pytest

system-deps:
	@sh .ci/system-deps

clean:
	rm -rf $(VENV) .pytest_cache test-output node_modules
