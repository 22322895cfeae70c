# Gen Scene Studio. `make run` and `make test` do all the set-up on a fresh Debian/Ubuntu.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export GENSCENE_DATA_DIR ?= ./data
# Run apt-get as root directly, otherwise through sudo when there is one.
SUDO := $(shell [ "$$(id -u)" = 0 ] || command -v sudo >/dev/null 2>&1 && [ "$$(id -u)" != 0 ] && echo sudo)
APT_PACKAGES := ffmpeg espeak-ng fonts-dejavu-core
APT_TEST_PACKAGES := chromium

.PHONY: setup setup-test system system-test run test lint format typecheck unit notebooks bench notebook clean

setup: system $(STAMP)

setup-test: setup system-test

# System packages: installed only when missing, so a second run takes no time.
system:
	@missing=""; \
	command -v ffmpeg >/dev/null || missing="$$missing ffmpeg"; \
	command -v espeak-ng >/dev/null || missing="$$missing espeak-ng"; \
	[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$$missing fonts-dejavu-core"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if command -v apt-get >/dev/null; then \
	    $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing \
	      || echo "apt-get failed: FFmpeg falls back to the imageio-ffmpeg binary; eSpeak NG is required"; \
	  else echo "no apt-get: install$$missing yourself (FFmpeg falls back to imageio-ffmpeg)"; fi; \
	fi

system-test:
	@if ! command -v chromium >/dev/null; then \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_TEST_PACKAGES); \
	fi

$(STAMP): pyproject.toml
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev,notebooks]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $(STAMP)

run: setup
	@echo "Gen Scene Studio: http://$(HOST):$(PORT)  (data in $(GENSCENE_DATA_DIR); API key: $(GENSCENE_DATA_DIR)/api_key unless GENSCENE_API_KEYS is set)"
	$(BIN)/genscene serve --host $(HOST) --port $(PORT)

# Notebooks are committed without outputs, except the cells marked `# NBVAL_CHECK_OUTPUT`
# (cell metadata `keep_output: true`), whose output and execution count nbval compares.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	@$(BIN)/nbstripout --verify --keep-count notebooks/*.ipynb || { \
	  echo "notebooks carry outputs: run $(BIN)/nbstripout --keep-count notebooks/*.ipynb"; exit 1; }

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

unit: setup
	$(BIN)/pytest -q tests

# Every notebook, headless, in this virtualenv's kernel; only marked cells compare outputs.
notebooks: setup
	$(BIN)/pytest -q -p no:cacheprovider --nbval-lax --nbval-current-env notebooks

test: setup-test lint
	$(BIN)/pytest -q -p no:cacheprovider tests
	@$(MAKE) --no-print-directory notebooks

# The baselines (extra `bench`). MoviePy pins Pillow < 12 but runs with ours: installing it
# without its pins keeps the product's Pillow, so the benchmarks measure what ships.
bench: setup
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq wrk; }
	@$(BIN)/python -c "import moviepy, cv2" 2>/dev/null || { \
	  $(BIN)/python -m pip install -q --no-deps "moviepy>=2.0" && \
	  $(BIN)/python -m pip install -q decorator imageio proglog python-dotenv "opencv-python-headless>=4.8"; }
	@for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b --quick --json | tail -1; done

notebook: setup
	$(BIN)/python -m pip install -q jupyterlab && $(BIN)/jupyter lab notebooks/

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
