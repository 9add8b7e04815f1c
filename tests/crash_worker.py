"""Child process of tests/test_crash.py: one write action on a home, then exit.

    python -m tests.crash_worker HOME ACTION [FILES...]

ACTION: ingest (the FILES) | reindex (full) | delete (the newest document).
Prints READY once everything is imported and warm (the parent starts its
kill timer then), DONE at the end.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> None:
    home, action, files = argv[0], argv[1], argv[2:]
    from sqlalchemy import select

    from jtext.terms import index_text, lemma_terms
    from indexer.catalog import Document
    from shirube.engine import Shirube

    sh = Shirube.open(home=home, embedder="fake", parse_in_subprocess=False)
    lemma_terms("準備")
    index_text("準備", None, "準備運転")
    sh.embedder.embed_passages(["準備"])
    sh.store.load()
    print("READY", flush=True)
    if action == "ingest":
        sh.ingest(files, label=1, by="crash-test")
    elif action == "reindex":
        sh.reindex(full=True, by="crash-test")
    elif action == "delete":
        with sh.catalog.session() as s:
            doc = s.scalars(select(Document.id).where(Document.status == "active").order_by(Document.id.desc())).first()
        sh.delete_document(doc, by="crash-test")
    else:
        raise SystemExit(f"unknown action {action}")
    print("DONE", flush=True)
    sh.close()


if __name__ == "__main__":
    main(sys.argv[1:])
