# The README's two commands: `make demo` (the dashboard on the bundled seed story) and
# `make test` (the whole suite). Each sets up what it needs first. torch is installed
# pinned and before anything else: unpinned, pip would pull a multi-GB CUDA build.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: setup setup-test browser demo run test lint bench bench-all eval clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# constraints.txt pins torch for every later install too, so no dependency can swap it
# for a newer (CUDA) build.
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt torch==2.13.0
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

setup: $(VENV)/.installed

setup-test: $(VENV)/.installed-test

# Debian's chromium for the real-browser test (needs root; Playwright never downloads a browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing: run 'sudo apt-get install chromium' (browser test will be skipped)"; fi; }

demo: setup
	$(BIN)/streamlit run app.py --server.headless true --server.port $(PORT) --browser.gatherUsageStats false

run: setup
	$(BIN)/story-compare run drone-deal-2025-07 --csv out.csv

test: setup-test browser
	$(BIN)/python -m pytest

lint: setup-test
	$(BIN)/ruff check compare tests bench app.py
	$(BIN)/mypy

eval: setup
	$(BIN)/story-compare eval

bench: setup-test
	$(BIN)/python bench/cache_speed.py
	$(BIN)/python bench/segmenters.py

# Every performance figure in docs/benchmarks.md (about an hour on 2 quiet cores).
bench-all: bench
	$(BIN)/pip install --quiet -c constraints.txt -e '.[bench]'
	$(BIN)/python bench/stages.py
	$(BIN)/python bench/batch.py
	$(BIN)/python bench/scale.py --part prepare --sizes 100 300 1000 --timeout 900
	$(BIN)/python bench/scale.py --part prepare --sizes 300 1000 --distinct --timeout 900
	$(BIN)/python bench/scale.py --part prepare --sizes 1000 --distinct --stories 20
	$(BIN)/python bench/scale.py --part search
	$(BIN)/python bench/scale.py --part index
	$(BIN)/python bench/onnx_probe.py
	$(BIN)/python bench/onnx_probe.py --ort
	$(BIN)/python bench/window_cascade.py
	$(BIN)/python bench/cascade_params.py
	$(BIN)/python bench/cold.py
	$(BIN)/python bench/app_first_view.py 5
	$(BIN)/python bench/vetter_rounds.py
	COMPARE_STORY=ten-outlets $(BIN)/python bench/app_rerender.py

clean:
	rm -rf $(VENV) .pytest_cache
