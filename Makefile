# Two commands do all set-up on a fresh machine with python3: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest servers bench docs-images clean lock

$(STAMP): requirements.lock requirements-dev.lock pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV) || { \
	  echo "python3 -m venv failed; on Debian/Ubuntu run: apt-get install -y python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/localreport demo

servers:
	@scripts/ensure-servers

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) servers
	$(BIN)/pytest

test: lint typecheck pytest

bench: $(STAMP) servers
	$(BIN)/python bench/run_all.py

docs-images: $(STAMP) servers
	$(BIN)/python scripts/render_docs_images.py

lock:
	@echo "Edit requirements*.lock by hand with exact versions (name==version, no URLs), then run make test."

clean:
	rm -rf $(VENV) demo .pytest_cache .mypy_cache .ruff_cache
