"""``shirube sft-data``: examples with numbered passages and cited answers, a held-out split, a manifest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from model.finetune.sft_data import load_examples, load_manifest
from model.provenance import file_sha256
from model.records import NOT_FOUND
from model.verify import verify_text
from shirube.cli import main
from shirube.engine import Shirube


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, dict]:
    home = tmp_path_factory.mktemp("sft-home")
    sh = Shirube.open(home=home, embedder="fake")
    sh.ingest(["samples/"], license="CC BY 4.0")
    sh.close()
    return home, {}


def test_sft_data_cli(built, capsys) -> None:
    home, _ = built
    rc = main(["--home", str(home), "sft-data", "--qa", "samples/qa.jsonl", "--max-generated", "60",
               "--name", "sft-test", "--json", "--embedder", "fake"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    mpath = Path(out["manifest"])
    assert mpath.parent == home / "manifests" and mpath.name == "sft-test.json"
    m = load_manifest(mpath)
    # manifest: sources, licences, sha256, counts, generator settings
    assert m["kind"] == "sft-data" and m["licences"] == ["CC BY 4.0"]
    assert all(len(s["sha256"]) == 64 and s["license"] == "CC BY 4.0" for s in m["sources"])
    assert m["qa_files"][0]["sha256"] == file_sha256("samples/qa.jsonl")
    for split in ("train", "heldout"):
        assert m["files"][split]["sha256"] == file_sha256(m["files"][split]["path"])
    c = m["counts"]
    assert c["train"] > 0 and c["heldout"] > 0 and c["examples"] == c["train"] + c["heldout"]
    assert c["refusals"] > 0 and {"qa:qa.jsonl", "generated:refusal"} <= set(c["by_source"])
    assert m["generator"]["k"] == 4 and m["generator"]["seed"] == 13 and m["generator"]["retrieval"]["generation"]

    train, held = load_examples(m, "train", mpath.parent), load_examples(m, "heldout", mpath.parent)
    # the split is by document: no held-out document is a training example's source
    held_docs = {e["document_id"] for e in held if e["document_id"] is not None}
    assert not held_docs & {e["document_id"] for e in train if e["document_id"] is not None}
    for ex in train + held:
        assert [p["n"] for p in ex["passages"]] == list(range(1, len(ex["passages"]) + 1))
        assert ex["chunk_ids"] == [p["chunk_id"] for p in ex["passages"]]
        assert set(ex["cited_chunk_ids"]) <= set(ex["chunk_ids"])
        if ex["answered"]:
            # every target sentence passes the same verifier the answerers use
            checks = verify_text(ex["answer"], [p["text"] for p in ex["passages"]])
            assert checks and all(ch.supported for ch in checks), (ex["question"], ex["answer"])
        else:
            assert ex["answer"] == NOT_FOUND
    q01 = next(e for e in train + held if e["source"] == "qa:qa.jsonl#q01")
    assert "2時間" in q01["answer"]


def test_manifest_detects_changed_data(built, tmp_path) -> None:
    home, _ = built
    m = load_manifest(home / "manifests" / "sft-test.json")
    Path(m["files"]["heldout"]["path"]).write_text("{}\n", encoding="utf-8")
    from base.errors import ConfigError

    with pytest.raises(ConfigError, match="sha256"):
        load_examples(m, "heldout")


def test_committed_example_is_valid() -> None:
    """data_manifests/sft-samples.json (built from samples/) still matches its data files."""
    base = Path("data_manifests")
    m = load_manifest(base / "sft-samples.json")
    rows = load_examples(m, "train", base) + load_examples(m, "heldout", base)
    assert len(rows) == m["counts"]["examples"]
    for ex in rows:
        if ex["answered"]:
            assert all(c.supported for c in verify_text(ex["answer"], [p["text"] for p in ex["passages"]]))
