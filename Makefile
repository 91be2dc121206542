# Shangji — the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
export SHANGJI_DATA_DIR ?= $(CURDIR)/var

.PHONY: install demo serve test bench lint fmt messages browser clean

$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

install: $(VENV)/.installed  ## virtualenv with exactly the locked dependencies

demo: install  ## migrate SQLite under ./var, load the demo company once, serve on :8000 (SHANGJI_PORT)
	$(BIN)/shangji migrate --noinput -v0
	$(BIN)/shangji seed
	$(BIN)/shangji serve

serve: install
	$(BIN)/shangji serve

browser:  ## Debian's chromium and a CJK font for the browser tests (never a Playwright download)
	scripts/install-browser.sh

test: install browser  ## whole suite on SQLite, then on PostgreSQL when reachable
	scripts/test.sh

bench: install  ## benchmarks, JSON lines (make bench ONLY=latency|automation|leads|visits|customers.seed|customers.match_quality)
	$(BIN)/python -m bench $(if $(ONLY),--only $(ONLY),)

lint: install
	$(BIN)/ruff check .

fmt: install
	$(BIN)/ruff check --fix .

messages: install  ## compile the English catalog after editing shangji/locale/en/LC_MESSAGES/django.po
	cd shangji && ../$(BIN)/shangji compilemessages -l en

clean:
	rm -rf $(VENV) var
