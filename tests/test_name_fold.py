"""User names are unique case- and width-insensitively (NFKC + casefold, shirube/users.py fold_name),
and migration 0005 reports the clashes an older database already holds. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from base.errors import ConfigError
from indexer.catalog import MIGRATIONS_DIR, Catalog, make_engine
from shirube import users
from shirube.cli import main as cli_main

PW = "hitsuji-to-yagi"


@pytest.fixture
def cat(db_url):
    c = Catalog(db_url)
    yield c
    c.close()


@pytest.mark.parametrize("raw, key", [
    ("yamada", "yamada"), ("Yamada", "yamada"), ("ＹＡＭＡＤＡ", "yamada"), ("Ｙａｍａｄａ", "yamada"),
    ("ﾔﾏﾀﾞ", "ヤマダ"), ("ヤマダ", "ヤマダ"), ("Straße", "strasse"), ("山田", "山田"), ("ｋａｎｒｉ２", "kanri2"),
])
def test_fold_name(raw, key):
    assert users.fold_name(raw) == key


def test_names_that_differ_only_in_case_or_width_are_one_user(cat):
    users.add_user(cat, "yamada", PW, "viewer", 1)
    for clash in ("Yamada", "YAMADA", "Ｙａｍａｄａ"):
        with pytest.raises(ConfigError, match="既に存在します（「yamada」と大文字・小文字・全角半角の違いのみ）"):
            users.add_user(cat, clash, PW, "admin", 3)
    assert [u.name for u in users.list_users(cat)] == ["yamada"]
    # lookups resolve through the folded key to the one stored user
    assert users.get_user(cat, "ＹＡＭＡＤＡ").name == "yamada"
    assert users.authenticate(cat, "Yamada", PW).name == "yamada"
    assert users.access_for(cat, "YAMADA").clearance == 1
    users.update_user(cat, "Ｙａｍａｄａ", clearance=2)
    assert users.get_user(cat, "yamada").clearance == 2
    with pytest.raises(ConfigError, match="ユーザー名が不正です"):
        users.add_user(cat, "a#b", PW)  # "#" is migration 0005's suffix


def test_cli_as_resolves_case_and_width_and_records_the_stored_name(db_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SHIRUBE_DB_URL", db_url)
    monkeypatch.setenv("SHIRUBE_EMBEDDER", "fake")
    monkeypatch.delenv("SHIRUBE_OPERATOR", raising=False)
    home = str(tmp_path / "home")
    assert cli_main(["--home", home, "user", "add", "Kanri", "--role", "admin", "--password", PW]) == 0
    assert cli_main(["--home", home, "user", "add", "kanri", "--role", "viewer", "--password", PW,
                     "--as", "kanri"]) == 1
    assert "既に存在します" in capsys.readouterr().err
    capsys.readouterr()
    assert cli_main(["--home", home, "user", "add", "yamada", "--role", "viewer", "--password", PW,
                     "--as", "ＫＡＮＲＩ"]) == 0
    assert cli_main(["--home", home, "audit", "list", "--json", "--as", "kanri", "--limit", "1"]) == 0
    out = capsys.readouterr().out
    ev = json.loads(out[out.index("["):])[0]
    assert (ev["user"], ev["action"], ev["detail"]["name"]) == ("Kanri", "user_add", "yamada")


# -- migration 0005 ------------------------------------------------------------------------------
def _cfg(url: str) -> Config:
    cfg = Config(str(MIGRATIONS_DIR.parent / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.cmd_opts = type("o", (), {"x": [f"url={url}"]})()
    return cfg


def test_migration_0005_keys_names_and_reports_clashes(db_url, capsys):
    command.upgrade(_cfg(db_url), "0004")
    eng = make_engine(db_url)
    now = dt.datetime.now(dt.timezone.utc)
    try:
        with eng.begin() as conn:
            for name, role in (("yamada", "viewer"), ("sato", "viewer"), ("Yamada", "admin"), ("ＹＡＭＡＤＡ", "clerk")):
                conn.execute(sa.text("INSERT INTO users (name, password_hash, role, clearance, departments, disabled, "
                                     "created_at) VALUES (:n, 'x', :r, 1, '[]', 0, :t)"), {"n": name, "r": role, "t": now})
        capsys.readouterr()
        command.upgrade(_cfg(db_url), "0005")
        err = capsys.readouterr().err
        assert "警告: ユーザー名の重複" in err and "yamada、Yamada、ＹＡＭＡＤＡ" in err
        assert "「Yamada」、「ＹＡＭＡＤＡ」 を無効化しました" in err and "sato" not in err
        with eng.connect() as conn:
            rows = {r.name: (r.name_key, r.disabled) for r in conn.execute(
                sa.text("SELECT id, name, name_key, disabled FROM users ORDER BY id"))}
            ids = {r.name: r.id for r in conn.execute(sa.text("SELECT id, name FROM users"))}
        assert rows == {
            "yamada": ("yamada", 0), "sato": ("sato", 0),
            "Yamada": (f"yamada#{ids['Yamada']}", 1), "ＹＡＭＡＤＡ": (f"yamada#{ids['ＹＡＭＡＤＡ']}", 1),
        }
        # the key is unique from now on, in the database itself
        with pytest.raises(sa.exc.IntegrityError):
            with eng.begin() as conn:
                conn.execute(sa.text("INSERT INTO users (name, name_key, password_hash, role, clearance, departments, "
                                     "disabled, created_at) VALUES ('YaMaDa', 'yamada', 'x', 'admin', 3, '[]', 0, :t)"),
                             {"t": now})
        # and every spelling now reaches the oldest account only
        cat = Catalog(db_url)
        try:
            assert users.get_user(cat, "Yamada").name == "yamada" and users.get_user(cat, "Yamada").role == "viewer"
        finally:
            cat.close()
        command.downgrade(_cfg(db_url), "0004")  # and back
        with eng.connect() as conn:
            assert "name_key" not in {c["name"] for c in sa.inspect(conn).get_columns("users")}
    finally:
        eng.dispose()
