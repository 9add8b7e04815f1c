"""Alembic environment for the Shirube catalog.

The catalog (indexer.catalog.migrate) passes its open connection in
``config.attributes["connection"]``; from the command line the URL comes from
``-x url=...``, ``$SHIRUBE_DB_URL`` or ``sqlalchemy.url`` in alembic.ini.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from alembic import context

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the checkout, when run from it

from indexer.catalog import Base, make_engine  # noqa: E402

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or os.environ.get("SHIRUBE_DB_URL") \
        or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("no database URL: pass -x url=... or set SHIRUBE_DB_URL")
    return url


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
