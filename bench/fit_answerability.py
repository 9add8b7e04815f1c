"""Fit the extractive answerer's answerability model on JSQuAD (not a test).

    python bench/fit_answerability.py --home /tmp/jsq_home [--data valid-v1.3.json]
        [--limit 3000] [--cache rows.json] [--write]
        [--gov-home /tmp/govqa_home --gov-weight 0.5 --gov-cache gov_rows.json]

Each JSQuAD question is asked twice over the paragraph index that
bench/jsquad.py builds (one document per paragraph; the home is only read:
``find`` and ``candidate`` write no audit row):

* with its paragraph present: label 1 when the quote the answerer would give
  holds a gold answer string (the answer hit of shirube/evaluate.py), else 0;
* with its paragraph hidden by the access filter: label 0 — the corpus no
  longer answers it, and the other paragraphs of the same article make
  realistic near misses. A quote that still holds the gold string is left out
  (another paragraph may state the same fact).

The features are :data:`model.answerability.FEATURES` of the answerer's
candidate quote (no threshold applied). Questions whose quote fails a rule
about the question (a named source, the answer form of a quantity question)
are refused whatever the model says and are left out of the fit. A logistic
regression (L2, Newton's method) is validated on held-out folds grouped by
article title, so paragraphs of one article never train and test together;
the table compares it with the hand thresholds (min_evidence 0.35,
answer_min_key 0.6) on the same held-out rows. ``--write`` fits on all rows
and writes model/answerability_weights.py.

``--gov-home`` (a home built by bench/gov_qa.py) adds the gov_qa questions as rows
(answerable: label 1 when the quote holds an answer string; near miss: 0), grouped into
folds by question file, weighted by ``--gov-weight`` against the JSQuAD rows, and prints the
held-out trade-off per file. Tried in session 12 on parts A–M (697 rows): at equal refusal of
near misses, a fit with gov rows (weight 0.5 or 1) answered no more than the JSQuAD-only fit on
the held-out parts, so the shipped weights stay JSQuAD-only (bench/gov_qa.py's parts stay a
test of them).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from itertools import pairwise
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.jsquad import load_jsquad
from bench.metrics import auc
from model.answerability import FEATURES
from model.extractive import Candidate
from retrieval.access import AccessFilter
from shirube.engine import Shirube
from shirube.evaluate import nfkc

WEIGHTS_FILE = ROOT / "model/answerability_weights.py"


def _row(qid: str, title: str, present: bool, label: int, cand: Candidate) -> dict:
    """One fit row: the question, its fold (``title``), whether its answer is in the corpus, the
    label, the answerability features and the hand rules' signals of the candidate quote."""
    s = cand.signals
    return {
        "id": qid, "title": title, "present": present, "label": label,
        "f": dict(zip(FEATURES, s.vector())), "grounding": s.grounding, "key_cov": s.key_cov,
        "named_ok": not cand.mismatch, "form_ok": cand.form_ok, "kind": s.kind,
    }


def collect(home: Path, data: Path, limit: int, seed: int) -> list[dict]:
    paragraphs, questions = load_jsquad(data)
    title_of = {pid: title for pid, title, _, _ in paragraphs}
    sh = Shirube.open(home=home, create=False)
    doc_of = {d["source"]: d["id"] for d in sh.documents()}
    all_ids = frozenset(doc_of.values())
    rng = random.Random(seed)
    items = [q for q in questions if q.relevant[0] in doc_of]
    rng.shuffle(items)
    items = items[:limit] if limit else items
    searcher = sh._searcher  # bench: retrieve and build the candidate without an audit row
    embed_once(sh, [it.question for it in items])
    answerer = sh.answerer("extractive", min_evidence=0.0, answer_min_key=0.0)
    rows: list[dict] = []
    t0 = time.perf_counter()
    for i, it in enumerate(items):
        gold_pid = it.relevant[0]
        golds = [nfkc(a) for a in it.answers if a]
        hidden = AccessFilter(document_ids=all_ids - {doc_of[gold_pid]})
        for present, access in ((True, None), (False, hidden)):
            found = searcher.find(it.question, access=access) if access else searcher.find(it.question)
            cand = answerer.candidate(it.question, list(found.passages), found.query)
            if cand is None:
                continue
            text = nfkc("".join(c.text for c in cand.chosen))
            hit = any(g in text for g in golds)
            if not present and hit:
                continue  # another paragraph states the same fact: not a near miss
            rows.append(_row(it.id, title_of[gold_pid], present, int(present and hit), cand))
        if (i + 1) % 500 == 0:
            print(f"  {i + 1}/{len(items)} questions, {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    return rows


def collect_gov(home: Path, paths: list[Path]) -> list[dict]:
    """Rows of bench/gov_qa questions over its built home (bench/gov_qa.py --home): an
    answerable question is labelled 1 when the quote holds one of its answer strings, a
    near miss is labelled 0. Follow-ups are left out (they need the previous turn). Each row's
    title is its question file (``gov:fresh4.jsonl``), so one part never trains and tests together."""
    from bench.gov_qa import answer_found, load_questions

    questions = [d for d in load_questions(paths) if not d.get("follows")]
    sh = Shirube.open(home=home, create=False)
    searcher = sh._searcher
    embed_once(sh, [d["question"] for d in questions])
    answerer = sh.answerer("extractive", min_evidence=0.0, answer_min_key=0.0)
    rows: list[dict] = []
    for d in questions:
        found = searcher.find(d["question"])
        cand = answerer.candidate(d["question"], list(found.passages), found.query)
        if cand is None:
            continue
        present = bool(d.get("answerable", bool(d.get("relevant"))))
        hit = present and answer_found(list(d.get("answers", [])), "".join(c.text for c in cand.chosen))
        rows.append(_row(d["id"], f"gov:{d['_file']}", present, int(hit), cand))
    return rows


def embed_once(sh: Shirube, questions: list[str], batch: int = 64) -> None:
    """Embed every question in batches up front; each is then searched twice for the cost of
    one lookup (the engine embeds ``[normalised question]`` one at a time)."""
    from jtext.terms import analyse_query

    emb = sh.embedder
    texts = list(dict.fromkeys(analyse_query(q).normalized for q in questions))
    vecs: dict[str, np.ndarray] = {}
    for i in range(0, len(texts), batch):
        for t, v in zip(texts[i:i + batch], emb.embed_queries(texts[i:i + batch])):
            vecs[t] = v
    plain = emb.embed_queries

    def embed_queries(qs: list[str]) -> np.ndarray:
        if all(q in vecs for q in qs):
            return np.stack([vecs[q] for q in qs])
        return plain(qs)

    emb.embed_queries = embed_queries  # type: ignore[method-assign]


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0, iters: int = 50,
        weight: np.ndarray | None = None) -> np.ndarray:
    """Logistic regression by Newton's method, each row weighted (default 1); bias first, not
    penalised. Features standardised inside."""
    sw = np.ones(len(x)) if weight is None else weight
    mu, sd = x.mean(0), x.std(0)
    sd[sd == 0] = 1.0
    z = np.hstack([np.ones((len(x), 1)), (x - mu) / sd])
    w = np.zeros(z.shape[1])
    pen = np.full(z.shape[1], l2)
    pen[0] = 0.0
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ w, -60, 60)))
        g = z.T @ (sw * (p - y)) + pen * w
        h = (z * (sw * p * (1 - p))[:, None]).T @ z + np.diag(pen)
        step = np.linalg.solve(h, g)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    # back to raw features: z = b + sum w_j (x_j - mu_j) / sd_j
    raw = w[1:] / sd
    return np.concatenate([[w[0] - float(raw @ mu)], raw])


def predict(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(w[0] + x @ w[1:], -60, 60)))


def folds_by_title(titles: list[str], k: int, seed: int) -> np.ndarray:
    names = sorted(set(titles))
    random.Random(seed).shuffle(names)
    fold_of = {t: i % k for i, t in enumerate(names)}
    return np.array([fold_of[t] for t in titles])


def report(rows: list[dict], p: np.ndarray, thresholds: list[float]) -> None:
    y = np.array([r["label"] for r in rows])
    present = np.array([r["present"] for r in rows])
    rule = np.array([r["grounding"] >= 0.35 and r["key_cov"] >= 0.6 for r in rows])
    n_pres = present.sum()

    def line(name: str, answer: np.ndarray) -> None:
        hit = (answer & (y == 1)).sum() / n_pres  # answer_hit over the questions asked with their paragraph
        ref = (~answer & ~present).sum() / max(1, (~present).sum())  # refusal with the paragraph hidden
        prec = (answer & (y == 1)).sum() / max(1, answer.sum())
        false = (answer & (y == 0)).sum() / len(y)
        print(f"{name:>18} {hit:8.3f} {ref:8.3f} {prec:8.3f} {false:7.3f}")

    print(f"\nheld out ({len(rows)} rows, {n_pres} with the paragraph, {len(rows) - n_pres} hidden; "
          f"AUC {auc(p, y):.3f}; AUC of grounding alone {auc(np.array([r['grounding'] for r in rows]), y):.3f})")
    print(f"{'decision':>18} {'ans-hit':>8} {'ref-hid':>8} {'prec':>8} {'false':>7}")
    line("answer all", np.ones(len(y), bool))
    line("hand thresholds", rule)
    for t in thresholds:
        line(f"P >= {t:.2f}", p >= t)
        line(f"P >= {t:.2f} & rule", (p >= t) & rule)
    print("\ncalibration (held out): predicted vs observed P(right)")
    bins = np.linspace(0, 1, 11)
    for lo, hi in pairwise(bins):
        m = (p >= lo) & (p < hi if hi < 1 else p <= hi)
        if m.sum():
            print(f"  [{lo:.1f}, {hi:.1f})  n={m.sum():5d}  predicted {p[m].mean():.3f}  observed {y[m].mean():.3f}")


def report_gov(rows: list[dict], p: dict[str, float], thresholds: list[float], min_key: float) -> None:
    """The held-out trade-off over every gov_qa row (those failing the question's own rules,
    and those under ``min_key``, refused), per question file and in all."""
    by_file: dict[str, list[dict]] = {}
    for r in rows:
        by_file.setdefault(r["title"], []).append(r)
    print(f"\ngov_qa held out ({len(rows)} rows; answered = rules pass, grounding >= 0.25, key_cov >= {min_key}, P >= t): "
          "answer_hit / refusal of near misses / false")
    print(f"{'t':>6} " + " ".join(f"{t[4:-6]:>17}" for t in sorted(by_file)) + f" {'ALL':>17}")
    for t in thresholds:
        cells = []
        for part in sorted(by_file) + ["ALL"]:
            rs = rows if part == "ALL" else by_file[part]
            ans = [r["id"] in p and r["key_cov"] >= min_key and r["grounding"] >= 0.25 and p[r["id"]] >= t
                   for r in rs]
            n_pres = sum(r["present"] for r in rs)
            n_nm = len(rs) - n_pres
            hit = sum(a and r["label"] == 1 for a, r in zip(ans, rs)) / max(1, n_pres)
            ref = sum(not a and not r["present"] for a, r in zip(ans, rs)) / max(1, n_nm)
            false = sum(a and r["label"] == 0 for a, r in zip(ans, rs)) / max(1, len(rs))
            cells.append(f"{hit:.3f}/{ref:.3f}/{false:.3f}")
        print(f"{t:6.3f} " + " ".join(f"{c:>17}" for c in cells))


def write_weights(w: np.ndarray, n: int, note: str, gov: int = 0) -> None:
    names = ", ".join(("bias",) + FEATURES)
    body = ", ".join(f"{v:.4f}" for v in w)
    WEIGHTS_FILE.write_text(f'''"""Weights of the extractive answerer's answerability model: a logistic regression
over :data:`model.answerability.FEATURES` (bias first), fitted by
``bench/fit_answerability.py`` on JSQuAD valid ({n - gov} rows: each question with its
paragraph present and hidden){f" and {gov} gov_qa rows" if gov else ""}, validated on held-out
folds grouped by article (and gov_qa question file).
{note}
Regenerate with that script."""

# {names}
WEIGHTS: tuple[float, ...] = (
    {body},
)
''', encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", required=True, help="a home with the JSQuAD paragraphs indexed (bench/jsquad.py --home)")
    ap.add_argument("--data", default=str(ROOT.parent / "shared/data/jsquad/valid-v1.3.json"))
    ap.add_argument("--limit", type=int, default=3000, help="questions (random, seeded); 0 for all")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--l2", type=float, default=1.0)
    ap.add_argument("--cache", help="rows JSON: read when it exists, else written after collecting")
    ap.add_argument("--write", action="store_true", help="write model/answerability_weights.py")
    ap.add_argument("--thresholds", default="0.3,0.4,0.5,0.6,0.7")
    ap.add_argument("--gov-home", help="also fit on bench/gov_qa questions over this home (bench/gov_qa.py --home)")
    ap.add_argument("--gov-questions", default="",
                    help="comma-separated gov_qa JSONL files (default: all of bench/gov_qa/*.jsonl)")
    ap.add_argument("--gov-cache", help="gov rows JSON: read when it exists, else written after collecting")
    ap.add_argument("--gov-weight", type=float, default=1.0,
                    help="the gov rows' total weight as a share of the JSQuAD rows' (each gov row weighs alike)")
    ap.add_argument("--min-key", type=float, default=0.6,
                    help="answer_min_key applied with P in the gov table (the default setting)")
    args = ap.parse_args()

    cache = Path(args.cache) if args.cache else None
    if cache is not None and cache.exists():
        rows = json.loads(cache.read_text(encoding="utf-8"))
    else:
        rows = collect(Path(args.home), Path(args.data), args.limit, args.seed)
        if cache is not None:
            cache.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    gov_all: list[dict] = []
    if args.gov_home:
        gcache = Path(args.gov_cache) if args.gov_cache else None
        if gcache is not None and gcache.exists():
            gov_all = json.loads(gcache.read_text(encoding="utf-8"))
        else:
            gpaths = ([Path(q) for q in args.gov_questions.split(",") if q] if args.gov_questions
                      else sorted((ROOT / "bench/gov_qa").glob("*.jsonl")))
            gov_all = collect_gov(Path(args.gov_home), gpaths)
            if gcache is not None:
                gcache.write_text(json.dumps(gov_all, ensure_ascii=False), encoding="utf-8")
    n_jsq = len(rows)
    rows = rows + gov_all
    n_all = len(rows)
    rows = [r for r in rows if r["named_ok"] and r["form_ok"]]  # the question's own rules refuse the rest
    print(f"rows: {n_all} candidates, {len(rows)} pass the rules about the question "
          f"(named source, answer form); positives {sum(r['label'] for r in rows)}")
    x = np.array([[r["f"][name] for name in FEATURES] for r in rows], dtype=np.float64)  # by name: a cache outlives FEATURES
    y = np.array([r["label"] for r in rows], dtype=np.float64)
    fold = folds_by_title([r["title"] for r in rows], args.folds, args.seed)
    is_gov = np.array([r["title"].startswith("gov:") for r in rows])
    sw = np.ones(len(rows))
    if is_gov.any():
        sw[is_gov] = args.gov_weight * (~is_gov).sum() / is_gov.sum()
    p = np.zeros(len(rows))
    for k in range(args.folds):
        w = fit(x[fold != k], y[fold != k], args.l2, weight=sw[fold != k])
        p[fold == k] = predict(w, x[fold == k])
    thresholds = [float(t) for t in args.thresholds.split(",")]
    report([r for r, g in zip(rows, is_gov) if not g], p[~is_gov], thresholds)
    if gov_all:
        report_gov(gov_all, {r["id"]: float(q) for r, q, g in zip(rows, p, is_gov) if g}, thresholds, args.min_key)
    w = fit(x, y, args.l2, weight=sw)
    print("\nweights (all rows):")
    for name, v in zip(("bias",) + FEATURES, w):
        print(f"  {name:<14} {v:+.4f}")
    if args.write:
        note = f"Held-out AUC {auc(p, y):.3f} ({args.folds} folds by title, seed {args.seed})."
        if is_gov.any():
            note += f" gov_qa rows weigh {args.gov_weight} of the JSQuAD rows in all."
        write_weights(w, len(rows), note, gov=int(is_gov.sum()))
        print(f"wrote {WEIGHTS_FILE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
