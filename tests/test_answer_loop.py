"""bench/answer_loop.py's government loop: the answerer run over its cached passages answers exactly
as the engine does, the lookups after the search (a duty's penalty provision) and follow-ups included,
so a change measured over the cache is the change the full benchmark would see."""

from __future__ import annotations

from pathlib import Path

from base.settings import Settings
from bench.answer_loop import cached_gov_retrieval, gov_answerer
from shirube.engine import Shirube

from .test_penalty import LAW

_QUESTIONS = [
    {"id": "T001", "_file": "t.jsonl", "question": "作業主任者を選任しなかった場合の罰則の上限は？", "follows": None},
    {"id": "T002", "_file": "t.jsonl", "question": "作業主任者は誰のうちから選任しますか。", "follows": None},
    {"id": "T003", "_file": "t.jsonl", "question": "統括安全衛生責任者の場合は？", "follows": "T002"},
    {"id": "T004", "_file": "t.jsonl", "question": "作業主任者の報酬の額はいくらですか", "follows": None},
]


def test_the_cached_passages_give_the_engine_s_answers(tmp_path: Path):
    home = tmp_path / "home"
    sh = Shirube(Settings.load(home=home, env={}, embedder="fake"))
    sh.ingest_bytes([("anzen.xml", LAW.encode("utf-8"))])
    rows, idf, st = cached_gov_retrieval(home, tmp_path / "loop.pkl", "fake", _QUESTIONS)
    # the penalty question's passages hold the provision the engine looked up after the search
    assert "第百十九条" in {p.hit.article for p in rows[0][3]}
    assert rows[2][1] != _QUESTIONS[2]["question"]  # the follow-up, as searched with its first question
    ans = gov_answerer(home, st, idf, {}, "fake")
    by_id = {d["id"]: d for d in _QUESTIONS}
    seen = []
    for d, searched, query, passages in rows:
        parent = by_id.get(d["follows"] or "")
        engine = sh.ask(d["question"], history=[parent["question"]] if parent else None)
        replayed = ans.answer(searched, passages, query=query)
        assert (replayed.answered, replayed.text, replayed.meta) == (engine.answered, engine.text, engine.meta)
        assert [c.article for c in replayed.citations] == [c.article for c in engine.citations]
        seen.append(engine)
    # answers and refusals both, the judge read (the settings' answerer, not a bare one)
    assert {a.answered for a in seen} == {True, False} and any("judge" in a.meta for a in seen)
    # a second call reads the cache, not the engine
    again, _, _ = cached_gov_retrieval(tmp_path / "no-such-home", tmp_path / "loop.pkl", "fake", _QUESTIONS)
    assert [r[1] for r in again] == [r[1] for r in rows]
