# Two commands on a fresh machine:  make demo   |   make test
VENV ?= .venv
PY := $(VENV)/bin/python
SHIRUBE := $(VENV)/bin/shirube
DEMO_HOME ?= .shirube-demo
DEMO_PORT ?= 8501
# Read by make only: Settings rejects unknown SHIRUBE_* variables in the environment of shirube commands.
unexport SHIRUBE_DEMO_PASSWORD

.PHONY: setup demo test bench finetune-demo clean

setup: $(VENV)/.installed

# torch is pinned (==2.13.0) inside the extras so pip takes the CPU build.
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

# The demo admin is made first: once a home has accounts, the CLI acts only as one (--as).
demo: setup
	@printf '%s\n' '$(SHIRUBE_DEMO_PASSWORD)' | $(PY) -m app.demo_admin --home $(DEMO_HOME)
	$(SHIRUBE) --home $(DEMO_HOME) ingest samples/ --label 1 --department 総務課 --license "標市サンプル文書（プロジェクト作成・MIT）" --as demo-admin
	$(SHIRUBE) --home $(DEMO_HOME) status --as demo-admin
	$(PY) -m shirube.demo --home $(DEMO_HOME) --qa samples/qa.jsonl --n 3 --as demo-admin
	@echo "標 Shirube を起動します → http://localhost:$(DEMO_PORT)   （停止: Ctrl+C）"
	# app/.streamlit/config.toml (read wherever streamlit starts): no Deploy button or developer menu,
	# no error details, no usage statistics, headless.
	$(VENV)/bin/streamlit run app/main.py --server.port $(DEMO_PORT) -- --home $(DEMO_HOME) --sources samples

test: setup
	$(PY) -m pytest -q

bench: setup
	$(PY) bench/jsquad.py --limit 500

# The generative path end to end (README "Fine-tuning"): SFT data from samples/ -> LoRA on the bundled
# Gemma-3-270m -> extractive vs base vs base+adapter table. Output (adapter, model card, report) in FT_WORK.
STEPS ?= 200
FT_WORK ?= .finetune-demo
FT_ARGS ?=
finetune-demo: setup
	$(PY) -m bench.finetune_demo --steps $(STEPS) --work $(FT_WORK) $(FT_ARGS)

clean:
	rm -rf $(DEMO_HOME) .pytest_cache .finetune-demo
