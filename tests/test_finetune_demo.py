"""`make finetune-demo` in miniature: SFT data from samples/ → LoRA adapter → evaluation row → merged model.

A tiny random Llama stands in for Gemma-3-270m (the recipe's ``--base``), so
this checks the pipeline, not the quality: an adapter, a model card naming its
data manifest's hash, an evaluation row per answerer, a merged Hugging Face
directory, and the adapter / merged model answering through the CLI.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("peft")
pytest.importorskip("torch")

from model.provenance import file_sha256  # noqa: E402
from shirube.cli import main as cli  # noqa: E402

from .llm_helpers import tiny_llama  # noqa: E402

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


def test_finetune_demo_recipe_end_to_end(tmp_path, capsys, monkeypatch) -> None:
    from bench import finetune_demo

    corpus = [line for p in sorted((ROOT / "samples").glob("*.md"))[:2]
              for line in p.read_bytes().decode("utf-8", "replace").splitlines() if line.strip()][:200]
    base = tiny_llama(tmp_path / "base", corpus=corpus)
    work, merged = tmp_path / "work", tmp_path / "merged"
    rep = finetune_demo.main([
        "--steps", "2", "--work", str(work), "--base", base, "--heldout-limit", "2", "--qa-limit", "2",
        "--max-new-tokens", "8", "--max-len", "4096", "--max-generated", "12", "--device", "cpu",
        "--merge", str(merged), "--json",
    ])
    adapter = work / "adapter"
    assert (adapter / "adapter_config.json").is_file() and (adapter / "adapter_model.safetensors").is_file()
    card = json.loads((adapter / "model_card.json").read_text(encoding="utf-8"))
    assert card["data"]["manifest_sha256"] == file_sha256(rep["manifest"]) == rep["manifest_sha256"]
    assert card["train"]["steps"] == 2 and card["train"]["tokens_per_s"] > 0
    rows = card["evaluation"]["rows"]
    assert {r["answerer"] for r in rows} == {"extractive", "base", "base+adapter", "base+adapter, no gate"}
    assert len(rows) == 8 and all("non_fallback" in r and "citation_precision" in r for r in rows)
    assert rows == rep["rows"] and json.loads((work / "report.json").read_text(encoding="utf-8"))["rows"] == rows
    assert (merged / "config.json").is_file() and list(merged.glob("*.safetensors"))
    assert json.loads((merged / "shirube_adapter_card.json").read_text(encoding="utf-8"))["data"] == card["data"]
    capsys.readouterr()
    # the deployment path: the adapter through the CLI, and the merged directory as a plain model
    home = str(work / "home")
    for extra in (["--model", base, "--adapter", str(adapter)], ["--model", str(merged)]):
        rc = cli(["--home", home, "ask", "部分休業は1日何時間までですか", "--embedder", "fake",
                  "--answerer", "transformers", *extra, "--json"])
        cap = capsys.readouterr()
        assert rc == 0, cap.err
        out = json.loads(cap.out)
        assert out["answerer"] in ("transformers", "extractive"), out
    # `shirube eval --answerers extractive,transformers --model BASE --adapter DIR`: a row per answerer
    qa = tmp_path / "qa.jsonl"
    qa.write_text("".join((ROOT / "samples" / "qa.jsonl").read_text(encoding="utf-8").splitlines(True)[:2]),
                  encoding="utf-8")
    monkeypatch.setenv("SHIRUBE_MAX_NEW_TOKENS", "8")
    rc = cli(["--home", home, "eval", "--qa", str(qa), "--embedder", "fake", "--answerers", "extractive,transformers",
              "--model", base, "--adapter", str(adapter), "--json"])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    res = json.loads(cap.out)["answerers"]
    assert set(res) == {"extractive", "transformers"} and res["transformers"]["model_id"].endswith("+lora:adapter")
