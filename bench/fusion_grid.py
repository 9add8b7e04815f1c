"""Grid over fusion settings on a JSQuAD-format file (not a test).

    python bench/fusion_grid.py --home /tmp/jsq --data ../shared/data/jsquad/valid-v1.3.json

Uses an index built by bench/jsquad.py (same --home). Computes every
ranker's score for every paragraph once per question, then evaluates each
fusion variant in numpy, printing R@1 / MRR@10 per setting. This is how the
defaults in shirube/config.py were chosen; rerun it on your own data.

It then cross-validates the choice: questions are split into two folds by
Wikipedia article (so no paragraph is in both), the best setting is picked on
one fold and scored on the other, beside the shipped default — a check that
the defaults are not a fit to one file.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench.jsquad import load_jsquad  # noqa: E402
from jtext.terms import gram_terms, lemma_terms  # noqa: E402
from jtext.normalize import normalize_query  # noqa: E402
from shirube.engine import Shirube  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", required=True)
    ap.add_argument("--data", default=str(ROOT.parent / "shared/data/jsquad/valid-v1.3.json"))
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--candidates", type=int, default=100)
    args = ap.parse_args()
    paragraphs, questions = load_jsquad(Path(args.data))
    if args.limit:
        questions = questions[: args.limit]
    sh = Shirube.open(home=args.home)
    snap = sh.snapshot()
    with sh.catalog.session() as s:
        from sqlalchemy import select

        from indexer.catalog import ChunkRow, Document

        pid_of = dict(s.execute(select(ChunkRow.id, Document.source).join(Document)).all())
    ids = snap.bm25.ids
    assert (snap.ngram.ids == ids).all()
    dense_ids, dense_vecs = snap.dense.all_vectors()
    order = np.argsort(dense_ids)
    pos = np.searchsorted(dense_ids[order], ids)
    vecs = dense_vecs[order][pos]
    gold = []
    S = {"bm25": [], "ngram": [], "dense": []}
    for q in questions:
        qn = normalize_query(q.question)
        S["bm25"].append(snap.bm25.scores(lemma_terms(qn)))
        S["ngram"].append(snap.ngram.scores(gram_terms(qn)))
        S["dense"].append(vecs @ sh.embedder.embed_queries([qn])[0])
        gold.append(q.relevant[0])
    src = np.asarray([pid_of[int(c)] for c in ids])
    gold = np.asarray(gold)
    S = {k: np.stack(v) for k, v in S.items()}
    C = args.candidates

    def evaluate(fused, rows=None):
        if rows is not None:
            fused = fused[rows]
        top = np.argsort(-fused, axis=1)[:, :10]
        hit = src[top] == (gold if rows is None else gold[rows])[:, None]
        first = np.where(hit.any(1), hit.argmax(1), 99)
        return (first == 0).mean(), np.where(first < 10, 1.0 / (first + 1), 0).mean()

    # candidate mask: union of each ranker's top-C
    mask = np.zeros_like(S["bm25"], dtype=bool)
    for k in S:
        top = np.argpartition(-S[k], C, axis=1)[:, :C]
        np.put_along_axis(mask, top, True, axis=1)

    def norm(x, how):
        x = np.where(mask, x, np.nan)
        if how == "max":
            m = np.nanmax(x, 1, keepdims=True)
            out = x / np.where(m > 0, m, 1)
        elif how == "minmax":
            lo, hi = np.nanmin(x, 1, keepdims=True), np.nanmax(x, 1, keepdims=True)
            out = (x - lo) / np.where(hi > lo, hi - lo, 1)
        elif how == "z":
            mu, sd = np.nanmean(x, 1, keepdims=True), np.nanstd(x, 1, keepdims=True)
            out = (x - mu) / np.where(sd > 0, sd, 1)
        return np.nan_to_num(out, nan=-1e9)

    for k in S:
        print(f"{k:<8} alone: R@1 %.4f MRR %.4f" % evaluate(S[k]))
    # two folds by article (no paragraph in both): choose on one, score on the other
    title_of = {pid: title for pid, title, _, _ in paragraphs}
    titles = sorted({title_of[g] for g in gold})
    fold_of_title = {t: i % 2 for i, t in enumerate(titles)}
    fold = np.asarray([fold_of_title[title_of[g]] for g in gold])
    folds = [np.where(fold == f)[0] for f in (0, 1)]
    rows = []
    per_fold: dict[tuple, tuple[float, float]] = {}
    for how in ("max", "minmax", "z"):
        N = {k: norm(S[k], how if not (how == "max" and k == "dense") else "minmax") for k in S}
        for wb, wn, wd in itertools.product((0, 0.5, 1.0), (0, 0.25, 0.5, 0.75, 1.0), (0, 0.5, 0.75, 1.0, 1.5, 2.0)):
            if wb == wn == wd == 0:
                continue
            fused = wb * N["bm25"] + wn * N["ngram"] + wd * N["dense"]
            r1, mrr = evaluate(fused)
            rows.append((mrr, r1, how, wb, wn, wd))
            per_fold[(how, wb, wn, wd)] = tuple(evaluate(fused, idx)[1] for idx in folds)
    rows.sort(reverse=True)
    print(f"{'norm':<7} {'w_bm25':>6} {'w_ngram':>7} {'w_dense':>7} {'R@1':>7} {'MRR@10':>7}")
    for mrr, r1, how, wb, wn, wd in rows[:25]:
        print(f"{how:<7} {wb:6.2f} {wn:7.2f} {wd:7.2f} {r1:7.4f} {mrr:7.4f}")

    default = ("z", sh.settings.weight_bm25, sh.settings.weight_ngram, sh.settings.weight_dense)
    print(f"\ncross-validation by article (2 folds; default = {default})")
    print(f"{'fold':<5} {'questions':>9} {'chosen on the other fold':<26} {'its MRR':>8} {'default MRR':>11} {'best here':>9}")
    for f in (0, 1):
        chosen = max(per_fold, key=lambda key: per_fold[key][1 - f])
        best_here = max(v[f] for v in per_fold.values())
        dflt = per_fold[default][f] if default in per_fold else float("nan")
        name = f"{chosen[0]} {chosen[1]:.2f}/{chosen[2]:.2f}/{chosen[3]:.2f}"
        print(f"{f:<5} {len(folds[f]):>9} {name:<26} {per_fold[chosen][f]:8.4f} {dflt:11.4f} {best_here:9.4f}")


if __name__ == "__main__":
    main()
