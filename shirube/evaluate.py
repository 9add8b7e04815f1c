"""Retrieval and answer metrics over a QA file (JSONL).

Each line: ``{"question": ..., "relevant": ["file.pdf" | 12, ...],
"answers": ["..."], "page": 3, "article": "第五条", "answerable": true}``;
only ``question`` is required. Documents are matched by id or by source
file name.
"""

from __future__ import annotations

import json
import math
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from base.errors import ConfigError


# what each refusing check of the extractive answerer (model.extractive.CHECKS) means, for the CLI and the app
REFUSAL_LABELS = {
    "min_evidence": "根拠が弱い", "no_quote": "引用できる文がない", "named_ok": "質問の法令名・自治体名がない",
    "other_owner": "別の対象についての記述", "year_ok": "年度が合わない", "negation_ok": "否定の有無が逆",
    "role_ok": "質問の役職がない", "detail_ok": "大きさ・期間・場所・計画が合わない", "delegated": "政令・規則に委任",
    "min_key": "質問の重要語がない", "require_form": "答えの形（金額・日付・数など）がない",
    "min_confidence": "回答可能性が低い", "min_judge": "判定モデルが否定",
}


def refusal_lines(refusals: dict[str, dict[str, int]]) -> list[str]:
    """One line per refusing check: its label, and how many answerable / unanswerable questions it refused."""
    return [f"{REFUSAL_LABELS.get(check, check)}（{check}）: 回答できる質問 {n['answerable']}件"
            f"・回答できない質問 {n['unanswerable']}件" for check, n in refusals.items()]


@dataclass(frozen=True)
class QAItem:
    question: str
    relevant: tuple[str, ...]
    answers: tuple[str, ...]
    page: int | None = None
    article: str | None = None
    answerable: bool = True
    id: str = ""


def load_qa(path: str | Path) -> list[QAItem]:
    items = []
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"QA ファイルがありません: {p}")
    try:
        text = p.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"QA ファイル {p} が UTF-8 ではありません") from None
    except OSError as exc:
        raise ConfigError(f"QA ファイル {p} を読めません（{exc.strerror or exc}）") from None
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            if not isinstance(d, dict) or not isinstance(d.get("question"), str) or not d["question"].strip():
                raise ValueError("question（文字列）がありません")
            rel = tuple(str(r) for r in _list(d.get("relevant", [])))
            answers = tuple(str(a) for a in _list(d.get("answers", [])))
            page = d.get("page")
            if page is not None and (isinstance(page, bool) or not isinstance(page, int)):
                raise ValueError(f"page は整数で指定してください（{page!r}）")
            article = d.get("article")
            if article is not None and not isinstance(article, str):
                raise ValueError(f"article は文字列で指定してください（{article!r}）")
        except ValueError as exc:
            why = "JSON ではありません" if isinstance(exc, json.JSONDecodeError) else str(exc)
            raise ConfigError(f"QA ファイル {p} の {n} 行目が読めません: {why}") from None
        items.append(QAItem(
            d["question"], rel, answers, page, article,
            bool(d.get("answerable", bool(rel) or bool(answers))), str(d.get("id", n)),
        ))
    return items


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"relevant と answers はリストで指定してください（{value!r}）")
    return value


def nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


def _matches(source: str, doc_id: int, relevant: tuple[str, ...]) -> bool:
    name = Path(source).name
    return any(r == str(doc_id) or Path(r).name == name for r in relevant)


def _location_ok(item: QAItem, page: int | None, article: str | None) -> bool:
    if item.page is not None and page != item.page:
        return False
    if item.article and not (article and (article.startswith(item.article) or item.article.startswith(article))):
        return False
    return True


def percentile(xs: list[float], q: float) -> float:
    if not xs:
        return 0.0
    s = sorted(xs)
    i = min(len(s) - 1, max(0, math.ceil(q / 100 * len(s)) - 1))
    return s[i]


def evaluate(
    items: Iterable[QAItem],
    search: Callable[[str], list[Any]],
    ask: Callable[[str], Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """``search(q)`` returns Hits (ranked); ``ask(q)`` returns an Answer."""
    items = list(items)
    r1 = r5 = r10 = mrr = ndcg = 0.0
    n_ret = 0
    ans_hit = cite_hit = loc_hit = 0
    n_ans = 0
    refused_unanswerable = n_unanswerable = false_refusals = 0
    lat_search: list[float] = []
    lat_ask: list[float] = []
    per_item = []
    refusals: dict[str, dict[str, int]] = {}  # refusing check -> refused answerable / unanswerable questions
    g = _Grounding()
    for i, it in enumerate(items):
        t0 = time.perf_counter()
        hits = search(it.question)[:10]
        lat_search.append(time.perf_counter() - t0)
        row: dict[str, Any] = {"id": it.id, "question": it.question}
        if it.relevant:
            n_ret += 1
            docs: list[int] = []
            rels: list[bool] = []
            for h in hits:
                if h.document_id in docs:
                    continue
                docs.append(h.document_id)
                rels.append(_matches(h.source, h.document_id, it.relevant))
            first = next((k for k, r in enumerate(rels) if r), None)
            if first is not None:
                r1 += first < 1
                r5 += first < 5
                r10 += first < 10
                mrr += 1.0 / (first + 1)
            dcg = sum(1.0 / math.log2(k + 2) for k, r in enumerate(rels) if r)
            ideal = sum(1.0 / math.log2(k + 2) for k in range(min(len(it.relevant), 10)))
            ndcg += dcg / ideal if ideal else 0.0
            row["rank"] = None if first is None else first + 1
        if ask is not None:
            t0 = time.perf_counter()
            ans = ask(it.question)
            lat_ask.append(time.perf_counter() - t0)
            row["answered"] = ans.answered
            row.update(g.add(ans))
            decided_by = (getattr(ans, "meta", None) or {}).get("decided_by")
            if decided_by is not None:  # the extractive answerer's check (model.extractive.CHECKS)
                row["decided_by"] = decided_by
                if not ans.answered:
                    tally = refusals.setdefault(decided_by, {"answerable": 0, "unanswerable": 0})
                    tally["answerable" if it.answerable else "unanswerable"] += 1
            if it.answerable:
                n_ans += 1
                if not ans.answered:
                    false_refusals += 1
                gold = [nfkc(a) for a in it.answers]
                text = nfkc(ans.text)
                hit = any(g and g in text for g in gold)
                chit = any(any(g and g in nfkc(c.quote) for g in gold) for c in ans.citations)
                lhit = any(
                    _matches(c.source, c.document_id, it.relevant) and _location_ok(it, c.page, c.article)
                    for c in ans.citations
                ) if it.relevant else False
                ans_hit += hit
                cite_hit += chit
                loc_hit += lhit
                row.update(answer_hit=hit, citation_hit=chit, location_hit=lhit)
            else:
                n_unanswerable += 1
                refused_unanswerable += not ans.answered
        per_item.append(row)
        if progress:
            progress(i + 1, len(items))
    d = max(n_ret, 1)
    out: dict[str, Any] = {
        "questions": len(items),
        "retrieval": {
            "recall@1": r1 / d, "recall@5": r5 / d, "recall@10": r10 / d,
            "mrr@10": mrr / d, "ndcg@10": ndcg / d,
        },
        "latency": {
            "search_p50_s": percentile(lat_search, 50), "search_p95_s": percentile(lat_search, 95),
        },
        "items": per_item,
    }
    if ask is not None:
        a = max(n_ans, 1)
        out["answer"] = {
            "answer_hit": ans_hit / a, "citation_hit": cite_hit / a, "location_hit": loc_hit / a,
            "false_refusal_rate": false_refusals / a,
            "refusal_rate_unanswerable": (refused_unanswerable / n_unanswerable) if n_unanswerable else None,
            # which check refused: a refused answerable question is a threshold to look at
            "refusals_by_check": dict(sorted(refusals.items(), key=lambda kv: -sum(kv[1].values()))),
            **g.summary(),
        }
        out["latency"].update(ask_p50_s=percentile(lat_ask, 50), ask_p95_s=percentile(lat_ask, 95))
    return out


class _Grounding:
    """Per-answerer grounding metrics: citation precision, unsupported sentences, tokens/s.

    A sentence's [n] is resolved to the passage it names (the passage of
    citation n for the extractive answerer; passage n of the prompt for LLM
    answerers, whose citations carry the passage number) and checked with the
    citation verifier (model/verify.py) at its default threshold.
    """

    def __init__(self) -> None:
        self.sentences = self.unsupported = self.pairs = self.good = 0
        self.fallbacks = self.n = self.tokens = 0
        self.gen_s = 0.0
        self.answerer = self.model_id = ""

    def add(self, ans: Any) -> dict[str, Any]:
        from model.verify import check_sentence, index_passages, split_answer

        self.n += 1
        meta = getattr(ans, "meta", {}) or {}
        # a fallback answer is the extractive one; the metrics belong to the LLM that was asked.
        # An answer refused by the answerability gate before generating is not the model's either.
        self.answerer, self.model_id = ans.answerer, meta.get("llm") or ans.model_id
        self.fallbacks += bool(meta.get("fallback") or meta.get("gate"))
        self.tokens += int(meta.get("completion_tokens") or 0)
        self.gen_s += float(meta.get("generation_s") or 0.0)
        if not ans.answered:
            return {}
        llm_numbering = "verification" in meta and not meta.get("fallback")
        by_chunk = {h.chunk_id: h for h in ans.passages}
        row_unsupported = 0
        for sentence, cited in split_answer(ans.text):
            texts = []
            for n in cited:
                chunk = next((c.chunk_id for c in ans.citations if c.n == n), None)
                hit = by_chunk.get(chunk) if chunk is not None else None
                if hit is None and llm_numbering and 1 <= n <= len(ans.passages):
                    hit = ans.passages[n - 1]
                texts.append(hit.text if hit is not None else "")
            idx = index_passages(texts) if texts else []
            check = check_sentence(sentence, list(range(1, len(texts) + 1)), idx)
            self.sentences += 1
            self.pairs += len(texts)
            self.good += len(check.supported_by)
            if not check.supported:
                self.unsupported += 1
                row_unsupported += 1
        return {"unsupported_sentences": row_unsupported}

    def summary(self) -> dict[str, Any]:
        return {
            "answerer": self.answerer, "model_id": self.model_id,
            "citation_precision": self.good / self.pairs if self.pairs else None,
            "unsupported_sentence_rate": self.unsupported / self.sentences if self.sentences else None,
            "fallback_rate": self.fallbacks / self.n if self.n else None,
            "completion_tokens": self.tokens,
            "tokens_per_s": self.tokens / self.gen_s if self.gen_s > 0 else None,
        }


def evaluate_answerers(
    items: Iterable[QAItem],
    search: Callable[[str], list[Any]],
    asks: dict[str, Callable[[str], Any]],
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """:func:`evaluate` once per answerer; ``answerers`` maps each name to its answer metrics + latency."""
    items = list(items)
    out: dict[str, Any] = {"questions": len(items), "answerers": {}}
    for name, ask in asks.items():
        res = evaluate(items, search, ask, progress=progress)
        out.setdefault("retrieval", res["retrieval"])
        out["answerers"][name] = {**res["answer"], "answerer": name, "ask_p50_s": res["latency"]["ask_p50_s"],
                                  "ask_p95_s": res["latency"]["ask_p95_s"]}
    return out
