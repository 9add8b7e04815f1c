"""bench/fit_judge.py's government pairs: which gov_qa questions train the judge (a part's exact
letters, held-out files left out) and which sentences may (none of a file whose terms forbid
shipping a model of it)."""

from __future__ import annotations

import pickle
import tempfile
from pathlib import Path

import pytest

from bench.fit_judge import gov_pairs
from model.answerer import Passage
from model.records import Hit

_JOREI = "標市情報公開条例"


def _passage(n: int, title: str, source: str, article: str | None, page: int | None, text: str) -> Passage:
    hit = Hit(n, n, n, title, source, "text", 1, page, article, None, text, 0, len(text), 1.0)
    return Passage(hit, text, [])


_RULE = _passage(1, _JOREI, "joho_kokai_jorei.xml", "第十条", None,
                 "公開決定等は、公開請求があった日から起算して十五日以内にしなければならない。")
_EXTENSION = _passage(2, _JOREI, "joho_kokai_jorei.xml", "第十条第二項", None,
                      "前項の規定にかかわらず、実施機関は、正当な理由があるときは、同項に規定する期間を三十日以内に限り延長することができる。")
_MINISTRY = _passage(3, "クラウドサービス安全利用の手引き", "meti-cloud.pdf", None, 9,
                     "クラウドサービスの利用者は、契約の期間を延長する場合に事業者と協議する。")


def _row(qid: str, file: str, question: str, answerable: bool, **kw) -> dict:
    return {"id": qid, "_file": file, "question": question, "answerable": answerable,
            "near_miss": not answerable, "relevant": kw.get("relevant", []), "article": kw.get("article"),
            "page": None, "answers": kw.get("answers", []), "follows": None}


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A gov_qa loop cache as bench/answer_loop.py writes it, where gov_pairs looks for it."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    home = tmp_path / "govhome"
    ps = [_EXTENSION, _RULE, _MINISTRY]
    rows = [
        (_row("C001", "fresh22.jsonl", "公開決定の期限は最長で何日まで延長できますか", True,
              relevant=["joho_kokai_jorei.xml"], article="第十条第二項", answers=["三十日以内"]), "", None, ps),
        (_row("CC001", "fresh30.jsonl", "公開決定の期限を延長するときの手数料はいくらですか", False), "", None, ps),
        (_row("AA001", "fresh26.jsonl", "公開決定の期限を延長した回数は年に何回ですか", False), "", None, ps),
    ]
    (tmp_path / f"shirube-govloop-judge-{home.name}.pkl").write_bytes(pickle.dumps((rows, {}, None)))
    return home


def test_a_part_is_its_exact_letters_and_held_out_files_stay_out(home: Path):
    pairs, files, info = gov_pairs(home, "C")
    assert {q for q, *_ in pairs} == {"公開決定の期限は最長で何日まで延長できますか"}  # C001, not CC001
    assert info["gov_questions"] == 1 and set(files) == {"fresh22.jsonl"} and len(files) == len(pairs)
    pairs, files, info = gov_pairs(home, "all", exclude=frozenset({"fresh30.jsonl"}))
    assert info["gov_questions"] == 2 and not any("手数料" in q for q, *_ in pairs)
    assert info["gov_excluded"] == ["fresh30.jsonl"] and set(files) == {"fresh22.jsonl", "fresh26.jsonl"}


def test_a_follow_up_is_read_as_the_question_searched(home: Path):
    """A follow-up's pairs carry the question with its topic filled in (what the judge reads when asked)."""
    rows, idf, st = pickle.loads((home.parent / f"shirube-govloop-judge-{home.name}.pkl").read_bytes())
    d, _, q, ps = rows[0]
    follow = _row("C002", "fresh22.jsonl", "では、その期限は？", True, relevant=["joho_kokai_jorei.xml"],
                  article="第十条第二項", answers=["三十日以内"])
    rows.append((follow, "公開決定の期限は延長できますか。では、その期限は？", q, ps))
    (home.parent / f"shirube-govloop-judge-{home.name}.pkl").write_bytes(pickle.dumps((rows, idf, st)))
    pairs, _, _ = gov_pairs(home, "C")
    assert {q for q, *_ in pairs} == {"公開決定の期限は最長で何日まで延長できますか",
                                      "公開決定の期限は延長できますか。では、その期限は？"}


def test_the_answer_is_positive_and_its_rule_a_near_miss(home: Path):
    pairs, _, _ = gov_pairs(home, "C")
    label = {s: y for _, _, s, y in pairs}
    assert label[_EXTENSION.hit.text] == 1
    assert label[_RULE.hit.text] == 0
    near = [y for q, _, _, y in gov_pairs(home, "AA")[0]]
    assert near and set(near) == {0}  # every sentence is a negative for a near miss


def test_sentences_of_files_that_may_not_ship_are_left_out_unless_asked(home: Path):
    pairs, _, info = gov_pairs(home, "C")
    assert not any(t == _MINISTRY.hit.title for _, t, _, _ in pairs)
    assert "left out" in info["restricted_sources"]
    pairs, _, info = gov_pairs(home, "C", restricted=True)
    assert any(t == _MINISTRY.hit.title for _, t, _, _ in pairs)
    assert "not shippable" in info["restricted_sources"]
