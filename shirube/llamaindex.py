"""Shirube's hybrid retrieval as a LlamaIndex retriever.

LlamaIndex's own BM25 scores raw Japanese 0 and its FAISS store cannot
delete (see shared NOTES), so Shirube keeps its own indexes and exposes them
through LlamaIndex's interface: any LlamaIndex query engine, reranker or
agent can use the same access-filtered, citation-ready passages.

It wraps the engine (:meth:`shirube.engine.Shirube.search`), so it lives on
the engine's floor, not in ``retrieval``.

>>> from shirube.llamaindex import ShirubeRetriever     # doctest: +SKIP
>>> r = ShirubeRetriever(Shirube.open(".shirube"), top_k=5)
>>> nodes = r.retrieve("育児休業の延長")
>>> nodes[0].node.metadata["locator"]
'p.1'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from retrieval.access import EVERYTHING, AccessFilter

if TYPE_CHECKING:
    from shirube.engine import Shirube


class ShirubeRetriever(BaseRetriever):
    """A ``BaseRetriever`` returning ``NodeWithScore`` for Shirube hits.

    Each node's id is the stable chunk id; its metadata carries the document
    id, title, source, page, article, heading, label and the per-ranker
    scores, so a caller can cite exactly as Shirube does.
    """

    def __init__(
        self,
        engine: "Shirube",
        top_k: int = 5,
        access: AccessFilter = EVERYTHING,
        mode: str = "hybrid",
        user: str | None = None,
        **kwargs: Any,
    ) -> None:
        self._engine = engine
        self._top_k = top_k
        self._access = access
        self._mode = mode
        self._user = user
        super().__init__(**kwargs)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        hits = self._engine.search(
            query_bundle.query_str, k=self._top_k, access=self._access, mode=self._mode, user=self._user
        )
        out = []
        for h in hits:
            node = TextNode(
                id_=f"chunk-{h.chunk_id}",
                text=h.text,
                metadata={
                    "chunk_id": h.chunk_id,
                    "document_id": h.document_id,
                    "section_id": h.section_id,
                    "title": h.title,
                    "source": h.source,
                    "page": h.page,
                    "article": h.article,
                    "heading": h.heading,
                    "locator": h.locator,
                    "label": h.label,
                    "scores": dict(h.scores),
                },
                # citation metadata is for the caller, not for an LLM prompt's embedding
                excluded_embed_metadata_keys=["chunk_id", "document_id", "section_id", "scores", "label"],
                excluded_llm_metadata_keys=["chunk_id", "document_id", "section_id", "scores", "label"],
            )
            node.start_char_idx, node.end_char_idx = h.start, h.end
            out.append(NodeWithScore(node=node, score=h.score))
        return out
