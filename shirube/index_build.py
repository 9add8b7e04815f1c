"""Index generations: bring the FAISS + BM25 index in line with the catalog.

An incremental sync embeds the chunks of pending documents and drops deleted
ones; a full re-index re-chunks every document first. Each sync writes a new
generation, switches ``CURRENT`` to it atomically, and only then purges the
catalog rows the old generation still cited.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any, Callable, Sequence

import numpy as np
from sqlalchemy import delete, select, update
from sqlalchemy.engine import Row

from base.errors import SearchIndexError
from indexer.catalog import BatchFile, ChunkRow, Document, Generation, SectionRow
from indexer.embed_cache import EmbeddingCache
from indexer.manifest import tool_versions
from indexer.process import process_document
from indexer.types import LoadedDocument, Section
from model.embedders import Embedder
from retrieval.bm25 import BM25Index
from retrieval.dense import DenseIndex
from retrieval.store import Snapshot

from . import batches
from .home import Home
from .index_sync import IndexSync, cached_vectors, chunk_query, chunk_text, embed_slices, gen_number, pack_ids
from .index_sync import lexical as build_lexical
from .rows import add_sections

Progress = Callable[[str, int, int], None]  # (stage, done, total)


def no_progress(stage: str, done: int, total: int) -> None:
    pass


class IndexBuilder:
    def __init__(self, home: Home, on_switch: Callable[[], None], sync: IndexSync) -> None:
        self._home = home
        self._sync = sync  # the catalog's live generation, rebuilt here when this home is behind
        # Called after a new generation is live: drop caches keyed by the old one.
        self._on_switch = on_switch

    def reindex(self, full: bool = False, progress: Progress = no_progress, by: str | None = None) -> str | None:
        """Bring the index in line with the catalog.

        Incremental: embed chunks of pending documents, drop deleted ones.
        ``full``: re-normalise and re-chunk every document from its stored
        original text with the current settings, re-embed everything, and
        switch to the new generation atomically.
        """
        with self._home.write_lock():
            self.recover()
            t0 = time.perf_counter()
            if full:
                self.rechunk_all(progress)
            name = self.sync_index(full=full, progress=progress)
            self.close_batches(name, by)  # pending documents of interrupted batches: manifest, audit, then live
            self._home.audit(by, "reindex", {"full": bool(full), "generation": name,
                                             "latency_s": round(time.perf_counter() - t0, 3)})
            return name

    def rechunk_all(self, progress: Progress) -> None:
        catalog, st = self._home.catalog, self._home.settings
        with catalog.session() as s:
            doc_ids = s.scalars(select(Document.id).where(Document.status != "deleted").order_by(Document.id)).all()
        for i, did in enumerate(doc_ids):
            progress("rechunk", i, len(doc_ids))
            self._home.store.yield_to_questions()  # questions first: wait while any is in flight
            with catalog.session() as s:
                row = s.get(Document, did)
                current = list(row.sections)
                if any(sec.superseded for sec in current):
                    continue  # already re-chunked by an interrupted full re-index: resume after it
                loaded = LoadedDocument(
                    source=row.source, kind=row.kind, title=row.title, pages=row.pages,
                    sections=tuple(
                        Section(sec.text_original, sec.page, sec.article, sec.heading)
                        for sec in current
                    ),
                )
                processed = process_document(loaded, st.chunk_tokens, st.chunk_overlap)
                # The live generation still cites the old rows: keep them until the
                # new generation is live (purge), so queries never lose a document.
                for sec in current:
                    sec.superseded = 1
                s.flush()
                add_sections(s, row, processed)
        progress("rechunk", len(doc_ids), len(doc_ids))

    # -- one sync: catalog → new generation ----------------------------------
    def sync_index(
        self, full: bool = False, progress: Progress = no_progress, failed: dict[int, str] | None = None,
    ) -> str | None:
        """``failed`` gets the pending documents whose text the embedder refused
        (id -> reason); their rows are removed, the rest of the batch goes live."""
        self._sync.converge(progress)  # another server's generation first: build on the catalog's live one
        snap = self._home.store.load()
        emb = self._home.embedder
        if snap is not None and not full and snap.manifest.get("embedder") != emb.model_id:
            raise SearchIndexError(
                f"the live index was built with {snap.manifest.get('embedder')!r} but the configured "
                f"embedder is {emb.model_id!r}: run `shirube reindex --full`"
            )
        rows = self._indexable_rows()
        want_ids = np.asarray([r.id for r in rows], np.int64)
        if full or snap is None:
            dense = DenseIndex.create(emb.dim, self._home.settings.index_type, n_hint=len(rows))
            live = np.zeros(0, np.int64)
        else:
            # A private copy: the cached snapshot keeps serving queries meanwhile.
            dense = DenseIndex.load(snap.path / "dense.faiss", snap.dense.dim, snap.dense.kind)
            live = snap.bm25.ids
        to_remove = np.setdiff1d(live, want_ids)
        add_mask = ~np.isin(want_ids, live)
        dense.remove(to_remove)
        added = [r for r, m in zip(rows, add_mask) if m]
        texts = [chunk_text(r) for r in added]
        if texts:
            bad = self._embed_new(dense, emb, added, texts, progress)
            if bad:  # those documents are gone from the catalog: leave them out of this generation
                if failed is not None:
                    failed.update(bad)
                texts = [t for t, r in zip(texts, added) if r.document_id not in bad]
                keep = np.asarray([r.document_id not in bad for r in rows], bool)
                rows, want_ids = [r for r, k in zip(rows, keep) if k], want_ids[keep]
        lexical = {"k1": self._home.settings.bm25_k1, "b": self._home.settings.bm25_b}
        if not texts and len(to_remove) == 0 and snap is not None and not full and snap.manifest.get("bm25") == lexical:
            # Nothing to change: the live generation stays, pending documents become active.
            self.mark_active(want_ids, snap.name)
            return snap.name
        bm25, ngram = build_lexical(rows, want_ids, self._home.settings, progress)
        manifest = self._manifest(emb, snap, full, lexical)
        name = self._publish(dense, bm25, ngram, manifest, emb, n_chunks=len(rows), full=full, want_ids=want_ids)
        if full:  # the cache keeps this model's vectors of the texts now indexed, no more
            EmbeddingCache(self._home.catalog).keep_only(emb.model_id, texts)
        return name

    def _indexable_rows(self) -> Sequence[Row[Any]]:
        """(id, terms, text, title, heading, article) of every chunk the new generation holds."""
        with self._home.catalog.session() as s:
            return s.execute(
                chunk_query().where(Document.status.in_(("pending", "active")), SectionRow.superseded == 0)
            ).all()

    def _embed_new(
        self, dense: DenseIndex, emb: Embedder, rows: Sequence[Row[Any]], texts: list[str], progress: Progress,
    ) -> dict[int, str]:
        """Embed the new chunks into ``dense``. When the embedder fails, embed document by
        document: those it still refuses are dropped (:meth:`drop_failed`) and returned."""
        ids = np.asarray([r.id for r in rows], np.int64)
        # Texts embedded before by this model (an unchanged chunk after a full re-index or
        # a re-chunking, a repeated passage) take their vector from the catalog's cache.
        cache = EmbeddingCache(self._home.catalog)
        out, miss = cached_vectors(cache, emb, texts)
        try:
            if miss:
                out[miss] = embed_slices(emb, [texts[i] for i in miss], progress, pause=self._home.store.yield_to_questions)
            else:
                progress("embed", len(texts), len(texts))
        except Exception as exc:  # noqa: BLE001 - find the documents concerned
            first = exc
        else:
            cache.put(emb.model_id, [texts[i] for i in miss], out[miss])
            dense.add(ids, out)
            return {}
        by_doc: dict[int, list[int]] = {}
        for i in miss:
            by_doc.setdefault(rows[i].document_id, []).append(i)
        bad: dict[int, str] = {}
        for n, (doc_id, idx) in enumerate(by_doc.items()):
            progress("embed", n, len(by_doc))
            try:
                out[idx] = emb.embed_passages([texts[i] for i in idx])
            except Exception as exc:  # noqa: BLE001 - this document alone
                bad[doc_id] = f"埋め込みに失敗しました: {type(exc).__name__}: {str(exc)[:200]}"
                continue
            cache.put(emb.model_id, [texts[i] for i in idx], out[idx])
        keep = np.asarray([r.document_id not in bad for r in rows], bool)
        dense.add(ids[keep], out[keep])
        progress("embed", len(by_doc), len(by_doc))
        if bad:
            self.drop_failed(bad, first)
        return bad

    def drop_failed(self, bad: dict[int, str], cause: Exception) -> None:
        """Remove pending documents that could not be embedded (never in a generation);
        their batch-file rows become errors. An active one cannot go: SearchIndexError."""
        with self._home.catalog.session() as s:
            active = s.scalars(select(Document.id).where(Document.id.in_(list(bad)), Document.status != "pending")).all()
            if active:
                raise SearchIndexError(f"登録済みの文書 {sorted(active)} の{bad[active[0]]}") from cause
            for doc_id, reason in bad.items():
                s.execute(update(BatchFile).where(BatchFile.document_id == doc_id)
                          .values(result="error", reason=reason, document_id=None))
            s.execute(delete(ChunkRow).where(ChunkRow.document_id.in_(list(bad))))
            s.execute(delete(SectionRow).where(SectionRow.document_id.in_(list(bad))))
            s.execute(delete(Document).where(Document.id.in_(list(bad))))

    def _manifest(self, emb: Embedder, snap: Snapshot | None, full: bool, lexical: dict[str, float]) -> dict[str, Any]:
        st = self._home.settings
        return {
            "created": dt.datetime.now(dt.timezone.utc).isoformat(),
            "embedder": emb.model_id,
            "full": bool(full or snap is None),
            "previous": snap.name if snap else None,
            "bm25": lexical,
            "tools": tool_versions(emb.model_id, emb.dim, st.chunk_tokens, st.chunk_overlap),
        }

    def _publish(
        self, dense: DenseIndex, bm25: BM25Index, ngram: BM25Index, manifest: dict[str, Any], emb: Embedder,
        *, n_chunks: int, full: bool, want_ids: np.ndarray,
    ) -> str:
        """Write the generation, switch to it, then purge what only the old one cited."""
        catalog = self._home.catalog
        with catalog.session() as s:
            # A 'building' row first: a crash before the switch leaves it for recover() to fail.
            gen = Generation(name="(building)", status="building", n_chunks=n_chunks, embedder=emb.model_id,
                             dim=emb.dim, full=int(full))
            s.add(gen)
            s.flush()
            gen.name = f"(building-{gen.id})"
        name = self._home.store.write(dense, bm25, ngram, manifest, name=self._sync.next_name())
        with catalog.session() as s:
            s.execute(update(Generation).where(Generation.status == "live").values(status="retired"))
            g = s.scalars(select(Generation).where(Generation.status == "building").order_by(Generation.id.desc())).first()
            if g is not None:  # what another server needs to rebuild it (shirube/index_sync.py)
                g.name, g.status, g.chunk_ids, g.manifest = name, "live", pack_ids(want_ids), manifest
        self.mark_active(want_ids, name)
        self._home.store.cleanup(self._home.settings.keep_generations)
        self._on_switch()
        return name

    def mark_active(self, ids: np.ndarray, generation: str) -> None:
        """The new generation is live: purge what only the old one cited. Its pending documents
        go active in :meth:`close_batches`, once their batch has its manifest and audit row."""
        self.purge()

    def close_batches(self, generation: str | None, by: str | None = None) -> list[int]:
        """After a sync (under the write lock): interrupted batches get their manifest and audit
        row (shirube/batches.py), then the pending documents of closed batches go live."""
        recovered, activated = batches.close(self._home, generation, self.embedder_identity(), by)
        if activated:
            self._on_switch()
        return recovered

    def repair(self, by: str | None = None) -> list[int]:
        """Close what a killed writer left: index pending documents and write the manifests and
        audit rows of open batches (an ingest job's resume; see :meth:`close_batches`)."""
        with self._home.write_lock():
            self.recover()
            if not self.has_pending() and not batches.open_batches(self._home):
                return []
            return self.close_batches(self.sync_index(), by)

    def purge(self) -> None:
        """Drop rows no live generation needs: superseded sections, deleted documents' text."""
        with self._home.catalog.session() as s:
            dead = select(SectionRow.id).where(
                (SectionRow.superseded == 1)
                | SectionRow.document_id.in_(select(Document.id).where(Document.status == "deleted"))
            )
            ids = s.scalars(dead).all()
            for i in range(0, len(ids), 500):
                part = ids[i:i + 500]
                s.execute(delete(ChunkRow).where(ChunkRow.section_id.in_(part)))
                s.execute(delete(SectionRow).where(SectionRow.id.in_(part)))

    # -- crash repair and bookkeeping ------------------------------------------
    def recover(self) -> None:
        """Repair what a killed writer left (called under the write lock).

        A generation row left 'building' is marked failed; the catalog's live
        generation is set to the one ``CURRENT`` names (a crash can fall
        between the atomic switch and the catalog update). Documents left
        'pending' are indexed by the next sync_index; half-written temp
        directories go in ``store.cleanup``.
        """
        store = self._home.store
        live = store.current_name()
        with self._home.catalog.session() as s:
            s.execute(update(Generation).where(Generation.status == "building").values(status="failed"))
            if live is None:
                return
            newest = s.scalars(select(Generation.name).where(Generation.status == "live")).all()
            if any(gen_number(n) > gen_number(live) for n in newest):
                return  # this home is behind another server's generation: never set the catalog back
            row = s.scalars(select(Generation).where(Generation.name == live)).first()
            if row is not None and row.status == "live":
                return
            s.execute(update(Generation).where(Generation.status == "live").values(status="retired"))
            if row is None:
                snap = store.load()
                man = snap.manifest if snap else {}
                s.add(Generation(name=live, status="live", n_chunks=snap.n_chunks if snap else 0,
                                 embedder=man.get("embedder", ""), dim=int(man.get("dim", 0)),
                                 full=int(bool(man.get("full")))))
            else:
                row.status = "live"

    def has_pending(self) -> bool:
        with self._home.catalog.session() as s:
            return s.scalars(select(Document.id).where(Document.status == "pending").limit(1)).first() is not None

    def embedder_identity(self) -> tuple[str, int]:
        """(model id, dim) for manifests, without loading a model just to name it."""
        snap = self._home.store.load()
        if not self._home.embedder_built and snap is not None:
            return snap.manifest.get("embedder", ""), int(snap.manifest.get("dim", 0))
        return self._home.embedder.model_id, self._home.embedder.dim
