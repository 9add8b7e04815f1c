# Two commands on a fresh machine:  make demo   |   make test
VENV ?= .venv
PY := $(VENV)/bin/python
SHIRUBE := $(VENV)/bin/shirube
DEMO_HOME ?= .shirube-demo

.PHONY: setup demo test bench clean

setup: $(VENV)/.installed

# torch is pinned (==2.13.0) inside the extras so pip takes the CPU build.
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

demo: setup
	$(SHIRUBE) --home $(DEMO_HOME) ingest samples/ --label 1 --department 総務課 --license "標市サンプル文書（プロジェクト作成・MIT）"
	$(SHIRUBE) --home $(DEMO_HOME) status
	$(PY) -m shirube.demo --home $(DEMO_HOME) --qa samples/qa.jsonl --n 3

test: setup
	$(PY) -m pytest -q

bench: setup
	$(PY) bench/jsquad.py --limit 500

clean:
	rm -rf $(DEMO_HOME) .pytest_cache
