"""User names are unique case- and width-insensitively (users.name_key, NFKC + casefold).

``yamada``, ``Yamada`` and ``Ｙａｍａｄａ`` are one name from now on. Existing clashes are
not guessed away: the oldest account (lowest id) keeps the plain key; each later one
keeps ``<key>#<id>`` (so the unique index holds), is disabled, and is reported on
stderr and in the log by name (``警告: ユーザー名の重複…``). Lookups go by the folded
key, so a disabled clash row can no longer be named on the CLI or at login: give that
person a new, distinct account. Nothing is deleted.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

import logging
import sys
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def fold(name: str) -> str:
    """Frozen copy of shirube.users.fold_name (a migration must not change with the code)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name or "").strip().casefold())


def clash_keys(rows: list[tuple[int, str]]) -> tuple[dict[int, str], list[list[str]]]:
    """``(id, name)`` rows → the key of each id, and the groups of names that fold together
    (each group oldest first; every name after the first gets ``<key>#<id>``)."""
    keys: dict[int, str] = {}
    groups: dict[str, list[tuple[int, str]]] = {}
    for uid, name in sorted(rows):
        groups.setdefault(fold(name), []).append((uid, name))
    for key, members in groups.items():
        for i, (uid, _) in enumerate(members):
            keys[uid] = key if i == 0 else f"{key}#{uid}"
    return keys, [[n for _, n in m] for m in groups.values() if len(m) > 1]


def upgrade() -> None:
    bind = op.get_bind()
    insp = sa.inspect(bind)
    has_column = "name_key" in {c["name"] for c in insp.get_columns("users")}  # a database made by create_all
    has_index = "ix_users_name_key" in {i["name"] for i in insp.get_indexes("users")}
    if not has_column:
        with op.batch_alter_table("users") as batch:
            batch.add_column(sa.Column("name_key", sa.String(400), nullable=True))
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("name", sa.String),
                     sa.column("name_key", sa.String), sa.column("disabled", sa.Integer))
    rows = [(int(r.id), r.name) for r in bind.execute(sa.select(users.c.id, users.c.name))]
    keys, clashes = clash_keys(rows)
    for uid, key in keys.items():
        values = {"name_key": key}
        if "#" in key:
            values["disabled"] = 1
        bind.execute(users.update().where(users.c.id == uid).values(**values))
    for names in clashes:
        msg = (f"警告: ユーザー名の重複（大文字・小文字・全角半角の違いのみ）: {'、'.join(names)} — "
               f"「{names[0]}」を残し、{'、'.join('「' + n + '」' for n in names[1:])} を無効化しました"
               "（別の名前で作り直してください）")
        log.warning(msg)
        print(msg, file=sys.stderr)
    if not has_index:
        with op.batch_alter_table("users") as batch:
            batch.alter_column("name_key", existing_type=sa.String(400), nullable=False)
            batch.create_index("ix_users_name_key", ["name_key"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_index("ix_users_name_key")
        batch.drop_column("name_key")
