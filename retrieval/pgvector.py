"""Dense search on PostgreSQL + pgvector (``dense_backend = "pgvector"``).

Each index generation's vectors live in their own table
``shirube_vec_gen_000007 (chunk_id bigint primary key, embedding vector(dim))``
with an HNSW index over cosine distance (``vector_cosine_ops``). A table per
generation keeps the atomic switch of :mod:`retrieval.store`: a server reads
exactly the generation ``CURRENT`` names, never a mix of two, and dropping an
old generation drops its table and index in one statement.

The generation files stay as they are (``dense.faiss`` is the local copy an
incremental re-index starts from); :class:`PgVectorStore` publishes a
generation's vectors to PostgreSQL before ``CURRENT`` points at it, and
searches go to PostgreSQL.

Filters run inside the SQL query, before ranking: the allowed chunk ids (the
engine's access filter — clearance, departments, active documents — as data)
are a bitmap tested per visited row (``get_bit``), searched with pgvector 0.8's
iterative index scans (``hnsw.iterative_scan = relaxed_order``), so a
filtered search is never short. A very selective filter (few allowed rows)
skips the graph and ranks the allowed rows exactly (the ``<#>`` inner-product
operator, which the cosine index cannot serve); so does any HNSW answer that
came back short.

Usage::

    store = PgVectorStore(home / "index", "postgresql+psycopg://…/shirube")
    snap = store.load()            # snap.dense is a PgVectorIndex
    ids, scores = snap.dense.search(qvec, 10, allowed_ids)
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from base.errors import ConfigError, MissingExtra, SearchIndexError

from .contracts import Scored
from .dense import DenseIndex
from .masks import PerAllowed
from .bm25 import BM25Index
from .store import FORMAT, IndexStore, Snapshot

_NAME = re.compile(r"^gen-(\d{6})$")
TABLE_PREFIX = "shirube_vec_"
HNSW_M = 16  # pgvector's default graph degree
HNSW_EF_CONSTRUCTION = 64
EF_SEARCH = 100  # candidates kept per search; raised to k when k is larger
EXACT_MAX_ROWS = 2000  # an allowed set this small is ranked exactly ...
EXACT_MAX_FRACTION = 0.02  # ... and so is one under 2 % of the generation


def table_name(generation: str) -> str:
    """``gen-000007`` → ``shirube_vec_gen_000007`` (names are checked: they go into SQL)."""
    if not _NAME.match(generation):
        raise SearchIndexError(f"not a generation name: {generation!r}")
    return TABLE_PREFIX + generation.replace("-", "_")


def _engine(url_or_engine: Any):
    """A SQLAlchemy engine whose psycopg connections read and write ``vector`` as numpy."""
    try:
        import sqlalchemy as sa
        from pgvector.psycopg import register_vector
    except ImportError as exc:
        raise MissingExtra("pgvector", "postgres") from exc
    engine = sa.create_engine(url_or_engine, pool_pre_ping=True) if isinstance(url_or_engine, str) else url_or_engine
    if engine.dialect.name != "postgresql":
        raise ConfigError(
            f"pgvector には PostgreSQL が必要です（接続先は {engine.dialect.name} です）。"
            "db_url = \"postgresql+psycopg://…\" を設定してください"
        )
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS vector")
    except sa.exc.DBAPIError as exc:
        raise ConfigError(
            "PostgreSQL の pgvector 拡張（vector）を使えません。サーバーに pgvector を入れ、"
            f"管理者が一度 CREATE EXTENSION vector を実行してください（{type(exc.orig).__name__}）"
        ) from None

    @sa.event.listens_for(engine, "connect")
    def _register(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
        register_vector(dbapi_conn)

    engine.dispose()  # connections opened before the listener lack the vector type
    return engine


def _vec(query: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(query, np.float32).reshape(-1))


class PgVectorIndex:
    """One generation's vectors in PostgreSQL, searched as a
    :class:`retrieval.contracts.VectorIndex`. ``dim`` and ``kind`` describe the local
    FAISS copy (``kind`` is what a re-index loads ``dense.faiss`` as)."""

    def __init__(self, engine, generation: str, dim: int, kind: str, count: int) -> None:
        self.engine = engine
        self.generation = generation
        self.table = table_name(generation)
        self.dim = dim
        self.kind = kind
        self._count = count
        # per allowed-id array (the engine caches one per user filter): its SQL condition
        self._filters: PerAllowed[tuple[str, bytes]] = PerAllowed(_graph_filter)

    def __len__(self) -> int:
        return self._count

    def search(self, query: np.ndarray, k: int, allowed_ids: np.ndarray | None = None) -> Scored:
        import sqlalchemy as sa

        q = _vec(query)
        n_allowed = self._count if allowed_ids is None else len(allowed_ids)
        k = min(int(k), n_allowed)
        if k <= 0:
            return Scored(np.zeros(0, np.int64), np.zeros(0, np.float32))
        params: dict[str, Any] = {"q": q, "k": k}
        exact = allowed_ids is not None and (
            n_allowed <= EXACT_MAX_ROWS or n_allowed <= EXACT_MAX_FRACTION * self._count
        )
        with self.engine.begin() as conn:
            if not exact:
                where = ""
                if allowed_ids is not None:
                    where, params["ids"] = self._filters.get(self, allowed_ids)
                conn.exec_driver_sql(f"SET LOCAL hnsw.ef_search = {min(1000, max(EF_SEARCH, k))}")
                conn.exec_driver_sql("SET LOCAL hnsw.iterative_scan = relaxed_order")
                # relaxed order: the CTE takes the first k the graph yields, then sorts them
                rows = conn.execute(
                    sa.text(
                        f"WITH c AS MATERIALIZED (SELECT chunk_id, embedding <=> :q AS d FROM {self.table} "
                        f"{where} ORDER BY embedding <=> :q LIMIT :k) "
                        "SELECT chunk_id, 1 - d FROM c ORDER BY d, chunk_id"
                    ),
                    params,
                ).all()
                if len(rows) >= k:
                    return _scored(rows)
            where = ""
            if allowed_ids is not None:  # a literal array: the primary key finds the rows
                where, params["ids"] = "WHERE chunk_id = ANY(CAST(:ids AS bigint[]))", _array_text(allowed_ids)
            rows = conn.execute(
                sa.text(
                    f"SELECT chunk_id, -(embedding <#> :q) AS s FROM {self.table} {where} "
                    "ORDER BY embedding <#> :q, chunk_id LIMIT :k"
                ),
                params,
            ).all()
        return _scored(rows)

    def vectors_for(self, ids: list[int]) -> np.ndarray:
        import sqlalchemy as sa

        out = np.zeros((len(ids), self.dim), np.float32)
        if not ids:
            return out
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.text(f"SELECT chunk_id, embedding FROM {self.table} WHERE chunk_id = ANY(CAST(:ids AS bigint[]))"),
                {"ids": [int(i) for i in ids]},
            ).all()
        found = {int(cid): np.asarray(getattr(vec, "to_numpy", lambda: vec)(), np.float32) for cid, vec in rows}
        for i, cid in enumerate(ids):
            vec = found.get(int(cid))
            if vec is not None:
                out[i] = vec
        return out


def _array_text(ids: np.ndarray) -> str:
    """A bigint[] literal: one text parameter, far cheaper to send than a list of ints."""
    return "{" + ",".join(map(str, np.asarray(ids, np.int64).tolist())) + "}"


def _graph_filter(_index: PgVectorIndex, allowed: np.ndarray) -> tuple[str, bytes]:
    """The WHERE clause of a graph search: the allowed ids as a bitmap (bit ``id`` set when
    the chunk may be returned), one ``bytea`` parameter tested with ``get_bit`` per visited
    row — O(1) a row whatever the size of the filter. (An id array costs a linear scan of
    the array per visited row: 39 ms against 4 ms unfiltered at 1 M with half the ids
    allowed.) The bitmap is a scalar subquery, so it is read once per query, and
    ``chunk_id < :nbits`` keeps ``get_bit`` inside it. Built once per allowed set (the
    engine caches one per user filter): ``max id / 8`` bytes, 125 kB at 1 M chunks."""
    allowed = np.asarray(allowed, np.int64)
    mask = np.zeros(int(allowed.max()) + 1 if len(allowed) else 1, bool)
    mask[allowed] = True
    bits = np.packbits(mask, bitorder="little").tobytes()  # get_bit: bit n is byte n // 8, bit n % 8 from the right
    return f"WHERE chunk_id < {len(mask)} AND get_bit((SELECT CAST(:ids AS bytea)), chunk_id) = 1", bits


def _scored(rows) -> Scored:
    return Scored(
        np.array([int(r[0]) for r in rows], np.int64),
        np.array([float(r[1]) for r in rows], np.float32),
    )


def publish(engine, generation: str, ids: np.ndarray, vectors: np.ndarray, *, replace: bool = False) -> None:
    """Write one generation's vectors and build its HNSW index (in one transaction:
    a reader sees the whole table or none)."""
    table = table_name(generation)
    vectors = np.ascontiguousarray(vectors, np.float32)
    ids = np.asarray(ids, np.int64)
    if vectors.ndim != 2 or len(vectors) != len(ids):
        raise SearchIndexError(f"{len(ids)} ids for a vector array of shape {vectors.shape}")
    dim = int(vectors.shape[1])
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        with conn.cursor() as cur:
            # one publisher per generation at a time (servers opening a home turned to pgvector)
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (table,))
            cur.execute("SELECT to_regclass(%s) IS NOT NULL", (table,))
            if cur.fetchone()[0]:
                if not replace:
                    conn.commit()
                    return
                cur.execute(f"DROP TABLE {table}")
            cur.execute(f"CREATE TABLE {table} (chunk_id bigint PRIMARY KEY, embedding vector({dim}) NOT NULL)")
            with cur.copy(f"COPY {table} (chunk_id, embedding) FROM STDIN WITH (FORMAT BINARY)") as copy:
                copy.set_types(["int8", "vector"])
                for cid, vec in zip(ids.tolist(), vectors):
                    copy.write_row((cid, vec))
            # the graph is built in memory when it fits: much faster than on disk pages
            cur.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cur.execute(
                f"CREATE INDEX {table}_hnsw ON {table} USING hnsw (embedding vector_cosine_ops) "
                f"WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})"
            )
            cur.execute(f"ANALYZE {table}")
        conn.commit()
    except Exception:
        raw.driver_connection.rollback()
        raise
    finally:
        raw.close()


def published(engine) -> list[str]:
    """Generation names that have a vector table."""
    import sqlalchemy as sa

    with engine.connect() as conn:
        names = conn.execute(
            sa.text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE :p"),
            {"p": TABLE_PREFIX + "gen_%"},
        ).scalars().all()
    return sorted("gen-" + n[len(TABLE_PREFIX) + 4 :] for n in names)


def drop(engine, generation: str) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table_name(generation)}")


class PgVectorStore(IndexStore):
    """An :class:`IndexStore` whose generations are searched in pgvector.

    Publishing happens in ``_switch``, before ``CURRENT`` moves, so a generation is
    never live without its table; a generation switched to without one (an existing
    home turned to pgvector) is published from its ``dense.faiss`` first."""

    def __init__(self, root: Path, db: Any, dense_device: str = "auto") -> None:
        super().__init__(root, dense_device)
        self.engine = _engine(db)

    def close(self) -> None:
        self.engine.dispose()

    def _ensure(self, name: str, replace: bool = False) -> None:
        """Publish generation ``name`` from its ``dense.faiss`` (again, when ``replace``)."""
        if not replace and name in published(self.engine):
            return
        manifest = self._manifest(name)
        dense = DenseIndex.load(self.root / name / "dense.faiss", manifest["dim"], manifest["index_type"], "cpu")
        ids, vecs = dense.all_vectors()
        publish(self.engine, name, ids, vecs, replace=replace)

    def _manifest(self, name: str) -> dict[str, Any]:
        return json.loads((self.root / name / "manifest.json").read_text(encoding="utf-8"))

    def _switch(self, name: str, adopt: bool = False) -> None:
        # the writer (under the write lock): a table left by a crash under this name is replaced;
        # a server adopting another's generation (shirube/index_sync.py) uses the table it published
        self._ensure(name, replace=not adopt)
        super()._switch(name, adopt)

    def _load(self, name: str) -> Snapshot:
        # the FAISS copy is not loaded: a server searching pgvector keeps no vectors in memory
        path = self.root / name
        try:
            manifest = self._manifest(name)
            if manifest.get("format") != FORMAT:
                raise SearchIndexError(f"{path}: unknown index format {manifest.get('format')!r}")
            bm25 = BM25Index.load(path, "bm25")
            ngram = BM25Index.load(path, "ngram")
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise SearchIndexError(f"index generation {name} is unreadable: {exc}") from exc
        self._ensure(name)
        import sqlalchemy as sa

        with self.engine.connect() as conn:
            count = int(conn.execute(sa.text(f"SELECT count(*) FROM {table_name(name)}")).scalar_one())
        index = PgVectorIndex(self.engine, name, int(manifest["dim"]), str(manifest["index_type"]), count)
        return Snapshot(name, path, index, bm25, ngram, manifest)  # type: ignore[arg-type]

    def cleanup(self, keep: int) -> list[str]:
        removed = super().cleanup(keep)
        kept = set(self.generations())
        oldest = min((_number(g) for g in kept), default=0)
        for name in published(self.engine):
            # a table newer than anything kept here is another server's newer generation
            if name not in kept and _number(name) < oldest:
                drop(self.engine, name)
        return removed


def _number(name: str) -> int:
    digits = name.rsplit("-", 1)[-1]
    return int(digits) if digits.isdigit() else 0
