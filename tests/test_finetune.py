"""LoRA fine-tuning on a tiny random-initialised Llama with a tokenizer trained here on Japanese text."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("peft")
torch = pytest.importorskip("torch")

from model.provenance import dir_sha256, file_sha256  # noqa: E402
from model.records import NOT_FOUND  # noqa: E402
from shirube.cli import main  # noqa: E402

from .llm_helpers import tiny_llama  # noqa: E402

pytestmark = pytest.mark.slow

PASSAGES = [
    "部分休業の承認は、1日を通じて2時間を超えない範囲内で、30分単位で行う。",
    "住民票の写しの交付手数料は、1通につき300円とする。",
    "開示請求があった日から15日以内に決定しなければならない。",
    "粗大ごみは、一辺の長さが50センチメートルを超えるものとする。",
]
QA = [
    ("部分休業は1日何時間までですか", 0), ("住民票の写しの手数料はいくらですか", 1),
    ("開示決定の期限は何日以内ですか", 2), ("粗大ごみの大きさの基準は何ですか", 3),
    ("犬の登録手数料はいくらですか", None), ("粗大ごみは何センチを超えるものですか", 3),
]


def _example(i: int, q: str, target: int | None, split: str) -> dict:
    ps = [{"n": n + 1, "chunk_id": 100 + n, "document_id": n, "title": "例規", "locator": "", "text": t}
          for n, t in enumerate(PASSAGES[:3] if target != 3 else PASSAGES[1:])]
    if target is None:
        answer, cited = NOT_FOUND, []
    else:
        n = next(p["n"] for p in ps if p["text"] == PASSAGES[target])
        answer, cited = f"{PASSAGES[target]}[{n}]", [100 + target]
    return {"id": f"ex{i}", "source": "test", "question": q, "passages": ps, "answer": answer,
            "answered": target is not None, "chunk_ids": [p["chunk_id"] for p in ps],
            "cited_chunk_ids": cited, "document_id": target, "split": split}


@pytest.fixture(scope="module")
def setup(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("ft")
    base = tiny_llama(root / "base", corpus=PASSAGES + [q for q, _ in QA])
    files = {}
    for split, rows in (("train", QA[:5]), ("heldout", QA[5:])):
        path = root / f"{split}.jsonl"
        path.write_text("".join(json.dumps(_example(i, q, t, split), ensure_ascii=False) + "\n"
                                for i, (q, t) in enumerate(rows)), encoding="utf-8")
        files[split] = {"path": path.name, "sha256": file_sha256(path), "count": len(rows)}
    manifest = root / "sft-tiny.json"
    manifest.write_text(json.dumps({"kind": "sft-data", "name": "sft-tiny", "files": files,
                                    "licences": ["CC BY 4.0"], "max_label": 1}), encoding="utf-8")
    home = root / "home"
    out = home / "adapters" / "tiny-lora"
    rc = main(["--home", str(home), "finetune", "--base", base, "--data", str(manifest), "--out", str(out),
               "--max-steps", "30", "--lr", "1e-2", "--grad-accum", "1", "--r", "8", "--alpha", "16",
               "--eval-limit", "1", "--merge", str(root / "merged"), "--json"])
    assert rc == 0
    return {"base": base, "manifest": manifest, "out": out, "home": home, "merged": root / "merged"}


def test_lora_lowers_training_loss_and_card_is_complete(setup) -> None:
    card = json.loads((setup["out"] / "model_card.json").read_text(encoding="utf-8"))
    tr = card["train"]
    assert tr["steps"] == 30 and tr["loss_on_train_after"] < tr["loss_on_train_before"] - 0.1, tr
    assert tr["tokens_per_s"] > 0 and len(tr["log"]) == 30
    assert card["base_model"]["sha256"] == dir_sha256(setup["base"]) and card["base_model"]["model_type"] == "llama"
    assert card["data"]["manifest_sha256"] == file_sha256(setup["manifest"]) and card["data"]["train_examples"] == 5
    assert card["data"]["licences"] == ["CC BY 4.0"]
    hp = card["hyperparameters"]
    assert (hp["r"], hp["alpha"], hp["learning_rate"], hp["seed"]) == (8, 16, 1e-2, 0) and card["seed"] == 0
    for when in ("before", "after"):
        m = card["metrics"][when]
        assert {"loss", "answer_hit", "citation_precision", "refusal_rate_unanswerable"} <= set(m)
    assert card["adapter"]["weights_sha256"] == file_sha256(setup["out"] / "adapter_model.safetensors")
    assert card["device"] == ("cuda" if torch.cuda.is_available() else "cpu")
    assert {"torch", "transformers", "peft"} <= set(card["versions"])


def test_adapter_reloads_and_changes_outputs(setup) -> None:
    from model.transformers_llm import load_model

    tok, base = load_model(setup["base"])
    _, tuned = load_model(setup["base"], setup["out"])
    ids = tok("部分休業は1日何時間までですか", return_tensors="pt")["input_ids"]
    with torch.inference_mode():
        a = base(input_ids=ids).logits
        b = tuned(input_ids=ids).logits
    assert (a - b).abs().max().item() > 1e-3


def test_transformers_answerer_with_adapter_reports_it(setup) -> None:
    from model.transformers_llm import HFAnswerer

    a = HFAnswerer(setup["base"], adapter_path=str(setup["out"]), max_new_tokens=8)
    prov = a.provenance()
    assert prov["adapter"]["sha256"] == dir_sha256(setup["out"])
    assert prov["adapter"]["model_card"]["data"]["name"] == "sft-tiny"
    assert a.model_id.endswith("+lora:tiny-lora")


def test_merged_model_equals_base_plus_adapter(setup) -> None:
    """`finetune --merge OUT`: a plain Hugging Face directory with the adapter folded in, and its card."""
    from model.transformers_llm import load_model

    tok, tuned = load_model(setup["base"], setup["out"])
    _, merged = load_model(setup["merged"])
    assert not (setup["merged"] / "adapter_config.json").exists()
    card = json.loads((setup["merged"] / "shirube_adapter_card.json").read_text(encoding="utf-8"))
    assert card["data"]["manifest_sha256"] == file_sha256(setup["manifest"])
    ids = tok("部分休業は1日何時間までですか", return_tensors="pt")["input_ids"]
    with torch.inference_mode():
        assert (tuned(input_ids=ids).logits - merged(input_ids=ids).logits).abs().max().item() < 1e-4


def test_models_lists_adapter(setup, capsys) -> None:
    rc = main(["--home", str(setup["home"]), "models", "--json"])
    rows = json.loads(capsys.readouterr().out)
    assert rc == 0
    ad = [r for r in rows if r["role"] == "adapter"]
    assert ad and ad[0]["name"] == "tiny-lora" and ad[0]["base_sha256"] == dir_sha256(setup["base"])


def test_cli_ask_with_adapter(setup, monkeypatch, capsys) -> None:
    from shirube.engine import Shirube

    sh = Shirube.open(home=setup["home"], embedder="fake")
    sh.ingest(["samples/ikuji_kyugyo_kitei.pdf"])
    sh.close()
    monkeypatch.setenv("SHIRUBE_MAX_NEW_TOKENS", "8")
    rc = main(["--home", str(setup["home"]), "ask", "部分休業は1日何時間までですか", "--answerer", "transformers",
               "--model", setup["base"], "--adapter", str(setup["out"]), "-k", "2", "--json", "--embedder", "fake"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["meta"]["provenance"]["adapter"]["sha256"] == dir_sha256(setup["out"])
    assert out["meta"]["completion_tokens"] <= 8
    assert (out["meta"].get("llm") or out["model_id"]).endswith("+lora:tiny-lora")  # llm: when it fell back
