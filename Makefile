# The README's two commands: `make chat` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: chat test install lint typecheck pytest index eval bench clean

chat: install
	$(BIN)/cdv chat

test: install lint typecheck pytest

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

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
