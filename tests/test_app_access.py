"""Access control in the Streamlit app: users × documents at every label/department × every page.

The library-level matrix (tests/test_access_matrix.py) checks the engine; this
one checks what the app *renders*. Nine documents (機密性 1–3 × no department /
総務課 / 人事課), each with a unique title, a unique secret code word (the
marker, only in the document's body and title) and a unique search key (the
only thing the questions name, so a user's own question never contains a
marker). Six users log in through the ログイン page; for each, everything the
AppTest tree holds (markdown, captions, alerts, code, JSON, dataframes,
selectbox options, expander/tab labels, image captions — see ``page_text``)
must be free of every forbidden document's title, marker, passage text and
file name on:

* 質問: one question per document, then each turn's source view opened;
* 管理 (admins): the 文書 list and delete picker, every マニフェスト detail,
  and the 監査ログ, where rows citing a document beyond the admin's access
  are shown with the question/answer replaced by ``audit.HIDDEN``;
* アップロード (clerk and admins): the page and a batch report.

Permitted documents must still be cited, shown and listed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from google.protobuf import text_format  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from app import state  # noqa: E402
from model.embedders import FakeEmbedder  # noqa: E402
from shirube import audit  # noqa: E402
from base.settings import Settings  # noqa: E402
from shirube.engine import Shirube  # noqa: E402
from shirube.users import add_user  # noqa: E402

MAIN = str(Path(__file__).resolve().parents[1] / "app" / "main.py")
PASSWORD = "akuseshu-test-2026"
CODES = ["アカシア", "ブナノキ", "カエデ", "クスノキ", "ケヤキ", "サザンカ", "ツバキ", "ヒノキ", "モミジ"]
KEYS = ["北斗", "銀河", "若葉", "白鷺", "青嵐", "朝霧", "夕凪", "星屑", "雪解"]
DEPTS = [(), ("総務課",), ("人事課",)]
# name: (role, clearance, departments)
USERS = {
    "ippan1": ("viewer", 1, ("総務課",)),
    "somu2": ("viewer", 2, ("総務課",)),
    "jinji_clerk2": ("clerk", 2, ("人事課",)),
    "kanri_somu3": ("admin", 3, ("総務課",)),
    "kanri_nodept3": ("admin", 3, ()),
    "kanri_jinji2": ("admin", 2, ("人事課",)),
}
ADMINS = [u for u, (role, _, _) in USERS.items() if role == "admin"]


def expected_visible(user: str, doc: dict) -> bool:
    """The rule, written out independently of AccessFilter.allows."""
    _, clearance, depts = USERS[user]
    if doc["label"] > clearance:
        return False
    return doc["label"] == 1 or not doc["depts"] or bool(set(doc["depts"]) & set(depts))


def question(doc: dict) -> str:
    return f"{doc['key']}事業の申請期限はいつですか"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    home = tmp_path_factory.mktemp("app_acl") / "home"
    sh = Shirube(Settings.load(home=home, embedder="fake"), embedder=FakeEmbedder())
    docs: list[dict] = []
    i = 0
    for label in (1, 2, 3):
        for depts in DEPTS:
            code, key = CODES[i], KEYS[i]
            title = f"{key}事業{code}規程（機密性{label}・{depts[0] if depts else '部署指定なし'}）"
            marker = f"合言葉{code}{code}"
            passage = f"毎年{i + 1}月末日"
            body = (f"{title}\n\n第1条 {key}事業は{key}地区で行う。\n\n"
                    f"第2条 {key}事業の申請期限は{passage}とし、{marker}を控えること。\n")
            source = f"acl-doc-{i:02d}-l{label}.md"
            # one batch per document: each manifest names exactly one document
            rep = sh.ingest_bytes([(source, body.encode())], label=label, departments=list(depts), by="setup")
            assert rep.ok, rep.files[0].reason
            docs.append({"id": rep.ok[0].document_id, "title": title, "code": code, "key": key, "marker": marker,
                         "passage": passage, "source": source, "label": label, "depts": depts, "body": body})
            i += 1
    assert [d["title"] for d in sh.documents()] == [d["title"] for d in docs]
    # every document cited at least once in the audit log (by an unrestricted ask)
    for d in docs:
        ans = sh.ask(question(d), user="setup")
        assert [c.document_id for c in ans.citations] == [d["id"]], (d["title"], ans.text)
        assert d["marker"] in ans.text
    for name, (role, clearance, depts) in USERS.items():
        add_user(sh, name, PASSWORD, role, clearance, list(depts))
    saved = state.config_override, state.engine_factory
    state.config_override = state.AppConfig(home=str(home))
    prev = state.engine_factory
    state.engine_factory = lambda h: sh if Path(h) == home else prev(h)
    yield sh, docs
    state.config_override, state.engine_factory = saved


# -- helpers -----------------------------------------------------------------------
def _nodes(node):
    yield node
    for child in (getattr(node, "children", None) or {}).values():
        yield from _nodes(child)


def page_text(at) -> str:
    """Everything the rendered page (or one block of it) holds, flattened to text.

    Every element's and block's protobuf as UTF-8 text (markdown bodies,
    captions, alerts, code, JSON, selectbox options as formatted, button,
    expander and tab labels, image captions), plus each dataframe's cells
    (its proto carries Arrow bytes) and st.json bodies decoded. ``\\uXXXX``
    escapes are decoded and HTML tags stripped in further copies, so a marker
    split by ``<mark>`` highlighting is still found.
    """
    parts = []
    for n in _nodes(at._tree if isinstance(at, AppTest) else at):
        if n.__class__.__name__ == "Dataframe":
            parts.append(n.value.to_csv(index=False))
        elif n.__class__.__name__ == "Json":  # st.json's body is ASCII-escaped JSON
            parts.append(json.dumps(json.loads(n.proto.body), ensure_ascii=False))
        elif getattr(n, "proto", None) is not None:
            parts.append(text_format.MessageToString(n.proto, as_utf8=True))
    raw = "\n".join(parts)
    raw += "\n" + re.sub(r"\\+u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), raw)  # any \\uXXXX left
    return raw + "\n" + re.sub(r"<[^>]+>", "", raw)


def forbidden_in(blob: str, user: str, docs: list[dict]) -> list[str]:
    leaks = []
    for d in docs:
        if not expected_visible(user, d):
            for what in ("title", "code", "marker", "passage", "source"):
                if d[what] in blob:
                    leaks.append(f"{what} of {d['title']}")
    return leaks


def assert_clean(at: AppTest, user: str, docs: list[dict], where: str) -> str:
    assert not at.exception, [e.value for e in at.exception]
    blob = page_text(at)
    leaks = forbidden_in(blob, user, docs)
    assert not leaks, f"{user} on {where} sees: {leaks}"
    return blob


def login(name: str) -> AppTest:
    at = AppTest.from_file(MAIN, default_timeout=60).run()
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(PASSWORD)
    at.button[0].click()
    at.run()
    assert not at.exception
    assert at.title[0].value == "質問", f"{name} could not log in"
    return at


# -- 質問 ----------------------------------------------------------------------------
@pytest.mark.parametrize("user", list(USERS))
def test_ask_page_and_source_view_never_leak(world, user):
    sh, docs = world
    at = login(user)
    for d in docs:
        at.chat_input[0].set_value(question(d)).run()
        assert_clean(at, user, docs, f"質問「{question(d)}」")
    replies = [m for m in at.chat_message if m.name == "assistant"]
    assert len(replies) == len(docs)
    for i, (d, reply) in enumerate(zip(docs, replies)):
        shown = page_text(reply)  # the answer, citations and memo of this turn only
        cited = dict(re.findall(r"\*\*\[(\d+)\] (.+?)\*\*", shown))  # n -> title
        if expected_visible(user, d):
            # (the fake embedder may rank a look-alike permitted document first: cited, not necessarily [1])
            assert d["title"] in cited.values(), f"{user} should get {d['title']} cited"
            assert d["marker"] in shown and d["source"] in shown
            n = next(n for n, t in cited.items() if t == d["title"])
            key = f"src-{i}:c{n}"
        else:
            # (b) whatever this turn offers (a permitted look-alike's citation or a closest passage)
            key = next((b.key for b in at.button if b.key and b.key.startswith(f"src-{i}:")), None)
            if key is None:
                continue
        at.button(key=key).click().run()
        blob = assert_clean(at, user, docs, f"原文（{d['key']}, {key}）")
        src = [m.value for m in at.markdown if "shirube-source" in m.value]
        assert len(src) == 1, "the source viewer should be open"
        if expected_visible(user, d):
            assert "<mark" in src[0] and d["passage"] in src[0] and d["title"] in blob


# -- 管理 ----------------------------------------------------------------------------
def _admin_page(user: str) -> AppTest:
    at = login(user)
    at.switch_page("views/admin.py").run()
    assert at.title[0].value == "管理"
    return at


@pytest.mark.parametrize("user", ADMINS)
def test_admin_documents_tab_lists_only_permitted(world, user):
    sh, docs = world
    at = _admin_page(user)
    assert_clean(at, user, docs, "管理")
    visible = {d["title"] for d in docs if expected_visible(user, d)}
    table = next(df.value for df in at.dataframe if "タイトル" in df.value.columns)
    assert set(table["タイトル"]) & {d["title"] for d in docs} == visible
    pick = at.selectbox(key="delete_pick")
    shown = {d["title"] for d in docs if any(d["title"] in str(o) for o in pick.options)}
    assert shown == visible


@pytest.mark.parametrize("user", ADMINS)
def test_admin_manifests_tab_never_leaks(world, user):
    sh, docs = world
    at = _admin_page(user)
    n_forbidden = sum(not expected_visible(user, d) for d in docs)
    if n_forbidden:  # one manifest per document: the forbidden ones are left out, and said to be
        assert f"閲覧権限のない文書を含むマニフェスト {n_forbidden} 件は表示していません。" in [c.value for c in at.caption]
    n = len(at.selectbox(key="manifest_pick").options)
    assert n >= len(docs) - n_forbidden
    seen: set[str] = set()
    for i in range(n):
        at.selectbox(key="manifest_pick").select_index(i).run()
        blob = assert_clean(at, user, docs, f"マニフェスト {at.selectbox(key='manifest_pick').value}")
        seen |= {d["title"] for d in docs if d["title"] in blob}
    # the manifests of permitted documents are still readable
    assert seen == {d["title"] for d in docs if expected_visible(user, d)}


@pytest.mark.parametrize("user", ADMINS)
def test_admin_audit_tab_hides_rows_beyond_own_access(world, user):
    sh, docs = world
    at = _admin_page(user)
    assert_clean(at, user, docs, "監査ログ")
    tables = [df.value for df in at.dataframe if {"操作", "回答", "出典"} <= set(df.value.columns)]
    assert len(tables) == 1, [e.value for e in at.error]
    table = tables[0]
    asks = table[(table["操作"] == "質問") & (table["利用者"] == "setup")]
    assert len(asks) == len(docs)
    answers = "\n".join(str(a) for a in asks["回答"])
    for d in docs:
        if expected_visible(user, d):  # the setup ask citing it is shown in full
            assert d["marker"] in answers, f"{user} should see the audited answer citing {d['title']}"
    # each setup ask cites exactly its own document (asserted in the fixture): hidden exactly when forbidden
    hidden = asks[asks["回答"] == audit.HIDDEN]
    assert len(hidden) == sum(not expected_visible(user, d) for d in docs)
    assert set(hidden["質問"]) <= {audit.HIDDEN} and set(hidden["出典"]) <= {"—"}


# -- アップロード ---------------------------------------------------------------------
@pytest.mark.parametrize("user", ["jinji_clerk2", "kanri_somu3"])
def test_upload_page_never_lists_forbidden_documents(world, user):
    sh, docs = world
    at = login(user)
    at.switch_page("views/upload.py").run()
    assert at.title[0].value == "資料のアップロード"
    assert_clean(at, user, docs, "アップロード")
    own = f"標市{user}テスト文書\n\n{user}が登録した文書の本文です。\n".encode()
    at.file_uploader(key="upload_files").set_value([(f"upload-{user}.txt", own, "text/plain")]).run()
    at.button(key="upload_submit").click().run()
    blob = assert_clean(at, user, docs, "アップロード（取り込み結果）")
    assert f"upload-{user}.txt" in blob and "取り込み済み" in blob
    # Re-uploading the bytes of a forbidden document is reported as a duplicate (the catalog is
    # deduplicated by SHA-256 across all labels), but without the stored document's id, title or
    # file name: only that the same content is already held.
    d = next(d for d in reversed(docs) if not expected_visible(user, d))
    at.file_uploader[0].set_value([("copy.md", d["body"].encode(), "text/markdown")]).run()  # a new key: cleared
    at.button(key="upload_submit").click().run()
    assert not at.exception
    df = at.dataframe[0].value
    assert list(df["結果"]) == ["重複"]
    assert d["source"] not in page_text(at)
    assert d["title"] not in page_text(at) and "同じ内容の文書が登録済み" in page_text(at)
