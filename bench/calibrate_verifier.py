"""Calibrate the citation verifier's support threshold on the bundled samples.

    python -m bench.calibrate_verifier [--home DIR] [--json]

For every answerable question of samples/qa.jsonl, the retrieved passage
sentences that contain a gold answer give *positive* claims, in two forms:
the sentence verbatim (what the extractive answerer writes) and a shortened
"LLM-style" paraphrase (topic clause + the clause holding the answer +
です。). Each positive is scored (model.verify.support_score) against

* its own passage → should be supported;
* a retrieved passage of the same question that does not contain the answer
  (hard negative: same document, other paragraph);
* the top passage of a question about another document (easy negative).

The threshold maximising balanced accuracy (positives vs all negatives) is
reported, with the distribution at the chosen value; and, independently of
the threshold, the share of number-swapped claims (2時間 → 3時間,
令和5年 → 令和6年 …) that the fact check rejects.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

from jtext.sentences import split_sentences
from model.verify import PassageIndex, check_sentence, support_score
from shirube.engine import Shirube
from shirube.evaluate import load_qa


def nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


def paraphrase(sentence: str, gold: str) -> str:
    parts = [p for p in re.split(r"[、,]", sentence.rstrip("。")) if p]
    if len(parts) < 2:
        return sentence.rstrip("。") + "です。"
    keep = [parts[0]] + [p for p in parts[1:] if gold in nfkc(p)]
    return "、".join(keep) + "です。"


_WH = re.compile(r"何[^\s、。はがをにでまと]*|いくら|どのくらいの長さ|どのくらい|どれくらい|いつ|どこ|どの[^\s、。はがを]*")


def echo_claim(question: str, gold: str) -> str | None:
    """The question turned into its answer, as chat models like to write it."""
    if not _WH.search(question):
        return None
    claim = _WH.sub(gold, question, count=1)
    claim = re.sub(r"(ます|です)か[?？]?$", r"\1。", claim.strip())
    return claim if claim.endswith("。") else claim.rstrip("か?？") + "です。"


def swap_number(sentence: str, gold: str) -> str | None:
    """The claim with the number of its gold answer changed (2時間 → 3時間, 令和5年 → 2024年)."""
    from model.verify import canon

    c, g = canon(sentence), canon(gold)
    m = re.search(r"[0-9]+", g)
    if not m or g not in c:
        return None
    wrong = g[: m.start()] + str(int(m.group()) + 1) + g[m.end():]
    return c.replace(g, wrong, 1)


def run(home: Path) -> dict[str, Any]:
    sh = Shirube.open(home=home, embedder="fake")
    if sh.store.load() is None:
        sh.ingest(["samples/"])
    idf = sh.snapshot().bm25.idf
    items = [it for it in load_qa("samples/qa.jsonl") if it.answerable and it.answers]
    tops: list[tuple[int, str]] = []
    claims: list[tuple[str, str, list[str], list[str]]] = []  # (claim, own passage, hard negs, gold)
    echoes: list[tuple[str, str]] = []  # (question rewritten as its answer, own passage)
    for it in items:
        hits = sh.search(it.question, k=4)
        if not hits:
            continue
        tops.append((hits[0].document_id, hits[0].text))
        gold = [nfkc(a) for a in it.answers]
        own = next((h for h in hits if any(g in nfkc(h.text) for g in gold)), None)
        if own is None:
            continue
        hard = [h.text for h in hits if h.chunk_id != own.chunk_id and not any(g in nfkc(h.text) for g in gold)]
        for s in split_sentences(own.text):
            g = next((g for g in gold if g in nfkc(s.text)), None)
            if g:
                claims.append((s.text, own.text, hard, [g]))
                claims.append((paraphrase(s.text, g), own.text, hard, [g]))
                echo = echo_claim(it.question, g)
                if echo:
                    echoes.append((echo, own.text))
                break
    pos, neg_hard, neg_easy = [], [], []
    cache: dict[str, PassageIndex] = {}

    def pidx(t: str) -> PassageIndex:
        if t not in cache:
            cache[t] = PassageIndex.of(t)
        return cache[t]

    for i, (claim, own, hard, _) in enumerate(claims):
        pos.append(support_score(claim, pidx(own), idf))
        neg_hard.extend(support_score(claim, pidx(h), idf) for h in hard)
        other = next((t for d, t in tops[i // 2 + 1:] + tops[: i // 2] if t != own), None)
        if other:
            neg_easy.append(support_score(claim, pidx(other), idf))
    pos_echo = [support_score(c, pidx(own), idf) for c, own in echoes]
    pos = pos + pos_echo
    negs = neg_hard + neg_easy
    best = (0.0, 0.5)
    grid = [round(0.2 + 0.025 * i, 3) for i in range(25)]
    table = []
    for th in grid:
        tpr = sum(p >= th for p in pos) / len(pos)
        tnr = sum(n < th for n in negs) / len(negs)
        hard_tnr = sum(n < th for n in neg_hard) / max(len(neg_hard), 1)
        echo_tpr = sum(p >= th for p in pos_echo) / max(len(pos_echo), 1)
        table.append({"threshold": th, "tpr": round(tpr, 3), "tpr_echo": round(echo_tpr, 3), "tnr": round(tnr, 3),
                      "tnr_hard": round(hard_tnr, 3)})
        if (tpr + tnr) / 2 > best[0] + 1e-9:
            best = ((tpr + tnr) / 2, th)
    swapped = rejected = 0
    for claim, own, _, gold in claims:
        bad = swap_number(claim, gold[0])
        if bad is None:
            continue
        swapped += 1
        rejected += not check_sentence(bad, [1], [pidx(own)], threshold=0.0, idf=idf).supported
    # the full verdict (overlap AND numbers) at the configured default, on the wrong-passage claims
    wrong = accepted = 0
    for claim, own, hard, _ in claims:
        for h in hard:
            wrong += 1
            accepted += check_sentence(claim, [1], [pidx(h)], threshold=0.5, idf=idf).supported
    sh.close()

    def dist(xs: list[float]) -> dict[str, float]:
        return {"n": len(xs), "min": round(min(xs), 3), "median": round(statistics.median(xs), 3),
                "max": round(max(xs), 3)} if xs else {"n": 0}

    return {
        "positives": dist(pos), "positives_echo": dist(pos_echo),
        "echo_examples": [c for c, _ in echoes[:5]], "negatives_hard": dist(neg_hard), "negatives_easy": dist(neg_easy),
        "best_threshold": best[1], "balanced_accuracy": round(best[0], 3),
        "at_0.5": next(r for r in table if r["threshold"] == 0.5),
        "at_0.6": next(r for r in table if r["threshold"] == 0.6),
        "number_swaps_rejected": f"{rejected}/{swapped}",
        "wrong_passage_accepted_at_0.5_with_fact_check": f"{accepted}/{wrong}", "table": table,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--home", help="index home (default: a fresh temporary one over samples/)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    home = Path(a.home) if a.home else Path(tempfile.mkdtemp(prefix="calib-"))
    res = run(home)
    if a.json:
        print(json.dumps(res, ensure_ascii=False, indent=2))
        return
    for k in ("positives", "positives_echo", "negatives_hard", "negatives_easy"):
        print(f"{k:15} {res[k]}")
    print(f"best threshold {res['best_threshold']} (balanced accuracy {res['balanced_accuracy']});"
          f" at 0.5: {res['at_0.5']}; at 0.6: {res['at_0.6']}; number swaps rejected {res['number_swaps_rejected']};"
          f" wrong-passage claims accepted at 0.5 with the number check {res['wrong_passage_accepted_at_0.5_with_fact_check']}")


if __name__ == "__main__":
    main()
