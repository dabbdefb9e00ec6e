# The README's two commands: `make chat` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: chat test install browser lint typecheck pytest index eval bench lock clean

chat: install
	$(BIN)/cdv chat

test: install browser lint typecheck pytest

install: $(STAMP)

# Exactly the files of requirements.lock (versions and hashes), then the project itself.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# Regenerate requirements.lock after changing the dependencies in pyproject.toml.
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python .ci/lock.py > requirements.lock.new && mv requirements.lock.new requirements.lock

# The browser test drives Debian's Chromium (Playwright's own browser download does not work offline).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else \
	    echo "Chromium is missing: run 'sudo apt-get install chromium chromium-driver' (needed by the browser test)"; exit 1; \
	  fi; }

lint:
	$(BIN)/ruff check .

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/pytest

index: install
	$(BIN)/cdv index build

eval: install
	$(BIN)/cdv eval --retriever all --split heldout

bench: install
	$(BIN)/python -m eval.benchmark

clean:
	rm -rf .cdv .mypy_cache .pytest_cache .ruff_cache
