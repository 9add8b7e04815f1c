"""Search and answer inside a user's access filter.

The live generation's snapshot is ranked (BM25 + n-gram + dense) over the
chunk ids the user may see; ranked ids become :class:`Hit` records from the
catalog, with the visibility rule applied once more; ``ask`` hands the hits'
passages to an answerer. Every search and ask is written to the audit log.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any, Callable, Sequence

import numpy as np
from sqlalchemy import or_, select

from base.errors import RetrievalError
from base.settings import MAX_TOP_K
from indexer.catalog import ChunkRow, Document, SectionRow
from jtext.followup import resolve_followup
from jtext.terms import QueryTerms, analyse_query
from model.answerer import Passage
from model.records import Answer, Hit, document_aliases
from retrieval.access import EVERYTHING, AccessFilter
from retrieval.hybrid import FusionWeights, Ranked, Ranking, rank
from retrieval.masks import freeze
from retrieval.store import Snapshot

from . import audit
from .enactment import enactment_passages, enactment_search
from .home import AclToken, Home
from .index_sync import IndexSync
from .penalty import penalty_passages, penalty_search
from .reading import reading_passages, reading_search
from .rows import visible

# A law's own 附則 comes before its amending laws' (document order): the first of them suffice.
MAX_ENACTMENT_CHUNKS = 40
MAX_READING_CHUNKS = 20  # 附則 chunks citing an article found and saying 当分の間 (a law has a handful)

AllowedKey = tuple[str, AclToken, Any]  # (generation, acl token, access key)
_ALLOWED_CACHE_MAX = 256
_ATTEMPTS = 5  # a query that raced this many generation switches returns what resolved


@dataclass(frozen=True)
class SearchResult:
    """One search: the analysed question (normalised text, lemmas, bigrams —
    computed once, reused by the answerer and the verifier) and its hits."""

    query: QueryTerms
    hits: list[Hit]
    # The generation searched: every hit was resolved against its ids, and the
    # passages were read in the same catalog query as the hits (one generation).
    generation: str | None = None
    passages: tuple[Passage, ...] = ()


class Searcher:
    def __init__(self, home: Home, sync: IndexSync) -> None:
        self._home = home
        self._sync = sync
        self._allowed_cache: dict[AllowedKey, np.ndarray] = {}
        self._answerers: dict[tuple, Any] = {}

    def forget_allowed(self) -> None:
        """Drop cached allowed-id sets (labels changed, or a new generation went live)."""
        self._allowed_cache.clear()

    def snapshot(self) -> Snapshot:
        self._sync.maybe_converge()  # a generation another server published (shirube/index_sync.py)
        snap = self._home.store.load()
        if snap is None:
            raise RetrievalError("索引がまだありません。先に `shirube ingest` で文書を登録してください。")
        return snap

    def live_name(self) -> str | None:
        snap = self._home.store.load()
        return snap.name if snap else None

    def allowed(self, snap: Snapshot, access: AccessFilter) -> np.ndarray | None:
        """Sorted chunk ids ``access`` may see in ``snap``; None when unrestricted."""
        if access.unrestricted:
            return None
        key = (snap.name, self._home.acl_token(), access.key)
        cached = self._allowed_cache.get(key)
        if cached is not None:
            return cached
        with self._home.question_session() as s:
            docs = s.execute(
                select(Document.id, Document.label, Document.departments).where(Document.status == "active")
            ).all()
            ok_docs = [d[0] for d in docs if access.allows(d[1], d[2] or [], d[0])]
            ids = s.scalars(select(ChunkRow.id).where(ChunkRow.document_id.in_(ok_docs))).all() if ok_docs else []
        # Read-only: the rankers keep the row masks and FAISS selectors they derive from this
        # array for as long as it lives (retrieval/masks.py), so a user's next query reuses them.
        arr = freeze(np.asarray(sorted(ids), np.int64))
        if len(self._allowed_cache) > _ALLOWED_CACHE_MAX:
            self._allowed_cache.clear()
        self._allowed_cache[key] = arr
        return arr

    # -- search ----------------------------------------------------------------
    def search(
        self, query: str, k: int | None = None, *, access: AccessFilter = EVERYTHING, mode: str = "hybrid",
        timings: dict[str, float] | None = None, user: str | None = None,
    ) -> list[Hit]:
        """Hybrid search inside ``access``; ``user`` names who asks (for the audit log).
        In flight (writers wait) until its audit row is written."""
        t0 = time.perf_counter()
        self.check_question(query)
        with self._home.store.question():
            found = self._find(query, k, access=access, mode=mode, timings=timings)
            hits = found.hits
            self._home.audit(user, "search", {
                "query": query, "mode": mode, "k": k, "generation": found.generation,
                "hits": [{"document_id": h.document_id, "chunk_id": h.chunk_id, "page": h.page, "article": h.article}
                         for h in hits],
                "latency_s": round(time.perf_counter() - t0, 4),
            }, question=True)
        return hits

    def check_question(self, text: str) -> None:
        """A question longer than ``max_question_chars`` is refused before any work."""
        limit = self._home.settings.max_question_chars
        if text and any("\ud800" <= c <= "\udfff" for c in text):  # bytes that were not UTF-8 (argv, a pipe)
            raise RetrievalError("質問に UTF-8 として読めない文字が含まれています。文字コードを確認して再度お試しください。")
        if text and len(text) > limit:
            raise RetrievalError(f"質問が長すぎます（{len(text)}文字、上限{limit}文字）。要点を短くして再度お試しください。")

    def find(
        self, query: str, k: int | None = None, *, access: AccessFilter = EVERYTHING, mode: str = "hybrid",
        timings: dict[str, float] | None = None,
    ) -> SearchResult:
        """The top ``k`` hits, unaudited (``search`` and ``ask`` audit them); a question in flight
        meanwhile (writers pause between batches)."""
        with self._home.store.question():
            return self._find(query, k, access=access, mode=mode, timings=timings)

    def _find(
        self, query: str, k: int | None, *, access: AccessFilter, mode: str, timings: dict[str, float] | None,
    ) -> SearchResult:
        if not query or not query.strip():
            raise RetrievalError("検索語が空です")
        terms = analyse_query(query)
        snap = self.snapshot()
        if mode in ("hybrid", "dense"):
            self.check_embedder(snap)
        if k is None:
            k = self._home.settings.top_k
        elif isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_TOP_K:
            raise RetrievalError(f"件数 k は 1〜{MAX_TOP_K} の整数で指定してください（指定値: {k!r}）")
        for _attempt in range(_ATTEMPTS):
            ranked = self._rank(snap, terms, k * 2, mode=mode, access=access, timings=timings)
            found = self.resolve(ranked, access)
            # A writer switched generations and purged rows mid-query: ask the new one.
            # (Ids are never reused, so a row that resolved is the one this generation indexed.)
            if len(found) == len(ranked):
                break
            self._sync.converge()  # the writer may be another server: catch up to its generation
            if self._home.store.current_name() in (None, snap.name):
                break
            snap = self.snapshot()
        return SearchResult(terms, [p.hit for p in found[:k]], snap.name, tuple(found[:k]))

    def _rank(
        self, snap: Snapshot, query: QueryTerms, n: int, *, mode: str, access: AccessFilter,
        timings: dict[str, float] | None,
    ) -> Ranking:
        """The one place an (already analysed) query meets the index."""
        st = self._home.settings
        weights = FusionWeights(st.weight_bm25, st.weight_ngram, st.weight_dense, st.fusion, st.rrf_k)
        return rank(
            snap, self._home.embedder if mode in ("hybrid", "dense") else None, query, n, mode=mode,
            weights=weights, candidates=st.candidates, allowed_ids=self.allowed(snap, access), timings=timings,
        )

    def check_embedder(self, snap: Snapshot) -> None:
        """Query vectors must come from the model that built the index."""
        built = snap.manifest.get("embedder")
        if built and built != self._home.embedder.model_id:
            raise RetrievalError(
                f"索引は埋め込みモデル {built} で作成されていますが、設定は {self._home.embedder.model_id} です。"
                "設定を戻すか `shirube reindex --full` で索引を作り直してください。"
            )

    def resolve(self, ranked: Ranking, access: AccessFilter) -> list[Passage]:
        """Ranked chunk ids → hits with their passages, in rank order, dropping what the
        user may not see; one catalog read, so a later purge cannot split them."""
        if not ranked:
            return []
        ids = [r.chunk_id for r in ranked]
        with self._home.question_session() as s:
            rows = s.execute(
                select(ChunkRow, SectionRow, Document)
                .join(SectionRow, SectionRow.id == ChunkRow.section_id)
                .join(Document, Document.id == ChunkRow.document_id)
                .where(ChunkRow.id.in_(ids))
            ).all()
        by_id = {c.id: (c, sec, d) for c, sec, d in rows}
        out = []
        for r in ranked:
            found = by_id.get(r.chunk_id)
            if found is None:
                continue  # deleted while this generation was live
            c, sec, d = found
            # Second line of defence: never return what the user may not see; a pending
            # document (its batch not yet closed with manifest and audit row) is not live.
            if not visible(d, access) or d.status != "active":
                continue
            hit = Hit(
                c.id, d.id, sec.id, d.title, d.source, d.kind, d.label, sec.page, sec.article, sec.heading,
                c.text, c.start, c.end, r.score, r.scores, document_aliases(d.meta),
            )
            out.append(Passage(hit, sec.text_original, sec.offset_map, frozenset(c.terms.split())))
        return out

    # -- answering ---------------------------------------------------------------
    def passages(self, hits: list[Hit]) -> list[Passage]:
        """Hits with their section's original text and offset map (to quote
        exactly) and the chunk's lemma terms stored at ingest (so answering
        never re-runs fugashi over a whole passage)."""
        if not hits:
            return []
        with self._home.question_session() as s:
            secs = {
                sec.id: sec
                for sec in s.scalars(select(SectionRow).where(SectionRow.id.in_({h.section_id for h in hits})))
            }
            terms = dict(s.execute(
                select(ChunkRow.id, ChunkRow.terms).where(ChunkRow.id.in_({h.chunk_id for h in hits}))
            ).all())
        return [
            Passage(h, secs[h.section_id].text_original, secs[h.section_id].offset_map,
                    frozenset(terms[h.chunk_id].split()) if h.chunk_id in terms else None)
            # a purge between the search and now may hand a section id to another document
            for h in hits if h.section_id in secs and secs[h.section_id].document_id == h.document_id
        ]

    def answerer(self, name: str | None = None, **overrides: Any) -> Any:
        """The configured (or named) answerer, built once per name and reused."""
        from model.registry import make_answerer  # heavy (model back ends): only when answering

        name = name or self._home.settings.answerer
        snap = self.snapshot()
        key = (name, snap.name, tuple(sorted(overrides.items())))
        with self._home.models_lock:
            cached = self._answerers.get(key)
        if cached is not None:
            return cached
        built = make_answerer(name, self._home.settings, snap.bm25.idf, **overrides)
        with self._home.models_lock:
            # keep one per (name, overrides); the idf table follows the generation
            self._answerers = {k: v for k, v in self._answerers.items() if k[0] != name or k[2] != key[2]}
            self._answerers[key] = built
        return built

    def ask(
        self, question: str, *, history: Sequence[str] | None = None, access: AccessFilter = EVERYTHING,
        answerer: str | None = None, k: int | None = None, on_token: Callable[[str], None] | None = None,
        user: str | None = None, **answerer_overrides: Any,
    ) -> Answer:
        """Retrieve (inside the user's access filter) and answer with citations.

        ``history`` (previous questions, oldest first) turns an elliptical follow-up into
        the question searched and answered (``Answer.searched``); ``on_token`` streams
        the answer text as it is produced. In flight (writers wait) until its audit row is written.
        """
        t0 = time.perf_counter()
        self.check_question(question)
        searched = resolve_followup(question, history) if history else question
        with self._home.store.question():
            found = self._find(searched, k, access=access, mode="hybrid", timings=None)
            passages = self._with_penalty(searched, list(found.passages), found.query, access)
            passages = self._with_enactment(searched, passages, found.query, access)
            passages = self._with_reading(passages, found.query, access)
            hits, generation = [p.hit for p in passages], found.generation
            ans = self.answerer(answerer, **answerer_overrides).answer(
                searched, passages, on_token=on_token, query=found.query
            )
            ans = replace(ans, question=question, searched=searched if searched != question else None,
                          latency_s=time.perf_counter() - t0)
            self._home.audit(user, "ask", {
                "question": question, "searched": ans.searched, "answer": ans.text, "answered": ans.answered,
                "citations": audit.citations_detail(ans.citations, generation),
                "passages": [{"document_id": h.document_id, "chunk_id": h.chunk_id} for h in hits],
                "answerer": ans.answerer, "model_id": ans.model_id, "generation": generation,
                "latency_s": round(ans.latency_s, 4),
            }, question=True)
        return ans

    def _with_penalty(
        self, question: str, passages: list[Passage], query: QueryTerms, access: AccessFilter,
    ) -> list[Passage]:
        """A penalty question gets, after the duty it found, the provision of the same law
        that punishes breaking it (shirube/penalty.py): the live chunks of that document
        that cite the article, resolved inside ``access`` like any hit."""
        search = penalty_search(question, passages)
        if search is None:
            return passages
        found = self._lookup(select(ChunkRow.id).join(SectionRow, SectionRow.id == ChunkRow.section_id).where(
            ChunkRow.document_id == search.document_id,  # citing the article, or another paragraph of it
            or_(ChunkRow.text.contains(search.article), SectionRow.article.startswith(search.article)),
        ), query, access)
        return passages[:1] + penalty_passages(search, found, passages) + passages[1:]

    def _with_enactment(
        self, question: str, passages: list[Passage], query: QueryTerms, access: AccessFilter,
    ) -> list[Passage]:
        """A question about when a law took effect gets, first and at the first passage's
        score, the provision of that law's own 附則 that says so (shirube/enactment.py),
        not an amending law's: resolved inside ``access`` like any hit."""
        search = enactment_search(question, passages)
        if search is None:
            return passages
        found = self._lookup(select(ChunkRow.id).join(SectionRow, SectionRow.id == ChunkRow.section_id).where(
            ChunkRow.document_id == search.document_id, SectionRow.article.startswith("附則"),
        ), query, access, limit=MAX_ENACTMENT_CHUNKS)
        first = enactment_passages(found, passages)
        if not first:
            return passages
        top = replace(first[0], hit=replace(first[0].hit, score=passages[0].hit.score))
        return [top] + [p for p in passages if p.hit.chunk_id != top.hit.chunk_id]

    def _with_reading(self, passages: list[Passage], query: QueryTerms, access: AccessFilter) -> list[Passage]:
        """The articles found get, after the passages, the 附則 provisions that read their
        figures otherwise for the time being (shirube/reading.py), resolved inside ``access``."""
        search = reading_search(passages)
        if search is None:
            return passages
        cites = [ChunkRow.text.contains(a) for arts in search.articles.values() for a in arts]
        found = self._lookup(select(ChunkRow.id).join(SectionRow, SectionRow.id == ChunkRow.section_id).where(
            ChunkRow.document_id.in_(search.articles), SectionRow.article.startswith("附則"),
            ChunkRow.text.contains("当分の間"), or_(*cites),
        ), query, access, limit=MAX_READING_CHUNKS)
        return passages + reading_passages(search, found, passages)

    def _lookup(self, ids_query: Any, query: QueryTerms, access: AccessFilter, limit: int | None = None) -> list[Passage]:
        """The passages of a catalog lookup's chunk ids (``ids_query`` selects ChunkRow.id), in id
        (document) order: only the live generation's (not a superseded row of a re-index in
        progress), the first ``limit`` of them, resolved inside ``access`` like any hit."""
        with self._home.question_session() as s:
            ids = s.scalars(ids_query.order_by(ChunkRow.id)).all()
        arr = np.asarray(ids, np.int64)
        live = arr[np.isin(arr, self.snapshot().bm25.ids)][:limit]
        return self.resolve(Ranking(query, tuple(Ranked(int(i), 0.0, {}) for i in live)), access)
