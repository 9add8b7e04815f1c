"""Local users: argon2id hashes in the catalog, roles, access filters, and the ``shirube user`` CLI."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("argon2")

from indexer.catalog import Catalog, User  # noqa: E402
from shirube import users  # noqa: E402
from shirube.cli import main  # noqa: E402
from base.errors import AccessDenied, ConfigError  # noqa: E402


@pytest.fixture()
def cat(tmp_path):
    c = Catalog(f"sqlite:///{tmp_path / 'catalog.sqlite'}")
    yield c
    c.close()


def test_password_is_stored_as_argon2id_hash_only(cat):
    users.add_user(cat, "tanaka", "hitsuji-to-yagi", "clerk", 2, ["総務課", " 市民課 ", ""])
    with cat.session() as s:
        row = s.query(User).one()
    assert row.password_hash.startswith("$argon2id$")
    assert "hitsuji-to-yagi" not in row.password_hash
    assert row.departments == ["市民課", "総務課"]


def test_authenticate(cat):
    users.add_user(cat, "tanaka", "hitsuji-to-yagi", "viewer", 1, [])
    assert users.authenticate(cat, "tanaka", "hitsuji-to-yagi").name == "tanaka"
    assert users.authenticate(cat, "tanaka", "hitsuji-to-yagI") is None
    assert users.authenticate(cat, "suzuki", "hitsuji-to-yagi") is None
    users.disable(cat, "tanaka")
    assert users.authenticate(cat, "tanaka", "hitsuji-to-yagi") is None
    users.disable(cat, "tanaka", False)
    users.set_password(cat, "tanaka", "atarashii-aikotoba")
    assert users.authenticate(cat, "tanaka", "hitsuji-to-yagi") is None
    assert users.authenticate(cat, "tanaka", "atarashii-aikotoba") is not None


@pytest.mark.parametrize(
    ("name", "password", "role", "clearance", "message"),
    [
        ("tanaka", "short", "viewer", 1, "8文字以上"),
        ("tanaka", "long-enough", "boss", 1, "viewer / clerk / admin"),
        ("tanaka", "long-enough", "viewer", 4, "1〜3"),
        ("ta naka", "long-enough", "viewer", 1, "ユーザー名が不正"),
    ],
)
def test_bad_input_is_rejected_in_japanese(cat, name, password, role, clearance, message):
    with pytest.raises(ConfigError, match=message):
        users.add_user(cat, name, password, role, clearance, [])


def test_duplicate_name_is_rejected(cat):
    users.add_user(cat, "tanaka", "hitsuji-to-yagi")
    with pytest.raises(ConfigError, match="既に存在します"):
        users.add_user(cat, "tanaka", "betsu-no-pass")


def test_access_for_maps_clearance_departments_and_admin(cat):
    users.add_user(cat, "viewer1", "password-1", "viewer", 1, ["市民課"])
    users.add_user(cat, "admin2", "password-2", "admin", 2, ["総務課"])
    v = users.access_for(cat, "viewer1")
    assert (v.clearance, v.departments, v.admin) == (1, frozenset({"市民課"}), False)
    a = users.access_for(cat, "admin2")
    assert (a.clearance, a.departments, a.admin) == (2, frozenset({"総務課"}), True)
    # an admin is still limited by its clearance
    assert not a.allows(3, ["総務課"]) and a.allows(2, ["総務課"]) and not a.allows(2, ["企画課"])
    with pytest.raises(AccessDenied, match="登録されていません"):
        users.access_for(cat, "nobody")
    users.disable(cat, "viewer1")
    with pytest.raises(AccessDenied, match="無効化"):
        users.access_for(cat, "viewer1")


def test_roles_are_ordered():
    assert users.has_role("admin", "clerk") and users.has_role("clerk", "viewer")
    assert not users.has_role("viewer", "clerk") and not users.has_role("clerk", "admin")


def test_cli_user_add_list_and_as(tmp_path, capsys, monkeypatch):
    import io

    home = str(tmp_path / "home")
    monkeypatch.delenv("SHIRUBE_OPERATOR", raising=False)
    # a home without accounts: the built-in operator creates the first one, an admin
    assert main(["--home", home, "user", "add", "kanri", "--role", "admin", "--clearance", "3",
                 "--password", "hitsuji-to-yagi"]) == 0
    assert main(["--home", home, "user", "add", "tanaka", "--role", "clerk", "--clearance", "2",
                 "--department", "総務課", "--department", "市民課", "--password", "hitsuji-to-yagi", "--as", "kanri"]) == 0
    assert "ユーザー「tanaka」を作成しました（登録担当・機密性2まで・所属 市民課、総務課）" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("stdin-no-password\n"))
    assert main(["--home", home, "user", "add", "sato", "--role", "viewer", "--as", "kanri"]) == 0
    assert users.authenticate(Catalog(f"sqlite:///{tmp_path / 'home' / 'catalog.sqlite'}"), "sato", "stdin-no-password")
    capsys.readouterr()
    assert main(["--home", home, "user", "list", "--json", "--as", "kanri"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["name"], r["role"], r["clearance"]) for r in rows] == [
        ("kanri", "admin", 3), ("sato", "viewer", 1), ("tanaka", "clerk", 2)]
    assert all("password_hash" not in r for r in rows)
    # errors are one Japanese line, exit 1
    assert main(["--home", home, "user", "add", "tanaka", "--role", "viewer", "--password", "hitsuji-to-yagi",
                 "--as", "kanri"]) == 1
    assert "既に存在します" in capsys.readouterr().err
    assert main(["--home", home, "user", "list"]) == 1  # accounts exist: no identity, no listing
    assert "--as ユーザー名" in capsys.readouterr().err
    assert main(["--home", home, "user", "disable", "sato", "--as", "kanri"]) == 0
    assert main(["--home", home, "user", "list", "--as", "kanri"]) == 0
    assert "（無効）" in capsys.readouterr().out
    assert main(["--home", home, "search", "粗大ごみ", "--as", "nobody", "--embedder", "fake"]) == 1
    assert "ユーザー「nobody」は登録されていません" in capsys.readouterr().err


def test_accounts_binds_the_user_functions_to_one_catalog(cat):
    from shirube.accounts import Accounts

    acc = Accounts(cat)
    assert acc.ROLES == users.ROLES and acc.ROLE_LABELS == users.ROLE_LABELS and acc.has_role("admin", "clerk")
    u = acc.add("tanaka", "hitsuji-to-yagi", "clerk", 2, ["総務課"])
    assert acc.user_dict(u)["role_label"] == "登録担当"
    assert acc.get("tanaka").clearance == 2 and acc.get("suzuki") is None
    assert [x.name for x in acc.list()] == ["tanaka"]
    assert acc.authenticate("tanaka", "hitsuji-to-yagi").name == "tanaka"
    acc.update("tanaka", clearance=3, departments=["人事課"])
    assert acc.access_for("tanaka") == users.access_for(cat, "tanaka")
    assert acc.access_for("tanaka").clearance == 3 and acc.access_for("tanaka").departments == {"人事課"}
    acc.set_password("tanaka", "atarashii-aikotoba")
    assert acc.authenticate("tanaka", "hitsuji-to-yagi") is None
    acc.disable("tanaka")
    assert acc.authenticate("tanaka", "atarashii-aikotoba") is None
    with pytest.raises(AccessDenied, match="無効化されています"):
        acc.access_for("tanaka")
