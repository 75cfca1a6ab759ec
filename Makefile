# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test test-fast check lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test,lint]'
	touch $(STAMP)

run: install
	@if [ -n "$$TELEGRAM_BOT_TOKEN" ]; then \
		echo "TELEGRAM_BOT_TOKEN gevonden: de bot start (long polling)."; \
		$(BIN)/welzijnsbot run; \
	else \
		echo "Geen TELEGRAM_BOT_TOKEN: hetzelfde gesprek draait in de terminal (welzijnsbot chat)."; \
		echo "Zie README.md voor een token via @BotFather. Typ een vraag, Ctrl-D stopt."; \
		$(BIN)/welzijnsbot chat; \
	fi

test: install
	$(BIN)/welzijnsbot check
	$(BIN)/python -m pytest -q

# The unit tests alone (no stand-in bot, no CLI subprocesses, no search models): seconds.
test-fast: install
	$(BIN)/python -m pytest -q -m "not e2e and not models"

check: install
	$(BIN)/welzijnsbot check

# Style and types: ruff over the whole tree, mypy over the paths in pyproject.toml's [tool.mypy] files.
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: install
	$(BIN)/python benchmarks/search_scale.py
	$(BIN)/python benchmarks/search_quality.py
	$(BIN)/python benchmarks/bot_load.py
	$(BIN)/python benchmarks/admin_rebuild.py
	$(BIN)/python benchmarks/safety_guard.py
	$(BIN)/python benchmarks/encoder_wait.py
	$(BIN)/python benchmarks/fit_stability.py

clean:
	rm -rf $(VENV) build *.egg-info
