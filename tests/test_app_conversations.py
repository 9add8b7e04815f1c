"""AppTest: conversations kept in the catalog, follow-ups, answer ratings, the QA export,
and the session cookie that keeps a login across reloads."""

from __future__ import annotations

import pytest

pytest.importorskip("streamlit")

from app import auth  # noqa: E402
from tests.app_fixtures import PASSWORD, open_app, serve_home  # noqa: E402

Q_IKUJI = "職員が部分休業を取る場合、1日に最大で何時間まで認められますか"
FOLLOW = "その場合、給与はどうなりますか"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    yield from serve_home(tmp_path_factory.mktemp("conv") / "home")


def _shown(at) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "caption", "warning", "info", "error") for e in at.get(kind))


def _sidebar_titles(at) -> list[str]:
    return [b.label for b in at.sidebar.button if b.key and b.key.startswith("conv-") and b.key[5:].isdigit()]


def test_conversation_is_kept_listed_reopened_and_deleted_by_its_owner(corpus):
    at = open_app("etsuran")
    at.chat_input[0].set_value(Q_IKUJI).run()
    assert _sidebar_titles(at)[:1] == [corpus.conversations.list("etsuran")[0]["title"]]  # listed at once
    at.chat_input[0].set_value(FOLLOW).run()
    assert not at.exception
    convs = corpus.conversations.list("etsuran")
    cid = convs[0]["id"]
    assert convs[0]["turns"] == 2 and at.query_params["c"] in (str(cid), [str(cid)])
    assert _sidebar_titles(at)[0] == convs[0]["title"]  # listed in the run that asked it
    # a new browser session (reload, new login): empty until reopened from the sidebar
    again = open_app("etsuran")
    assert len(again.chat_message) == 0 and convs[0]["title"] in _sidebar_titles(again)
    again.button(key=f"conv-{cid}").click().run()
    assert len(again.chat_message) == 4
    assert "検索した質問: 部分休業の場合、給与はどうなりますか" in _shown(again.chat_message[3])
    assert "減額" in _shown(again.chat_message[3])
    # the follow-up wiring goes on from the reopened conversation
    again.chat_input[0].set_value("では、その期間はいつまでですか").run()
    assert corpus.conversations.list("etsuran")[0]["turns"] == 3
    third = corpus.conversations.get(cid, "etsuran")["turns"][2]
    assert third["searched"] and "部分休業" in third["searched"]  # asked with the reopened conversation's topic
    assert f"検索した質問: {third['searched']}" in _shown(again.chat_message[5])
    # a reload keeps the address (?c=…): the conversation opens by itself
    reload = open_app_with_query("etsuran", cid)
    assert len(reload.chat_message) == 6
    # nobody else can open it or sees it listed
    other = open_app_with_query("toroku", cid)
    assert len(other.chat_message) == 0 and "指定された会話は見つかりませんでした" in _shown(other)
    assert convs[0]["title"] not in _sidebar_titles(other)
    # deleting asks first, then removes it
    again.button(key=f"conv-del-{cid}").click().run()
    assert "を削除しますか" in _shown(again)
    again.button(key=f"conv-del-yes-{cid}").click().run()
    assert not again.exception
    assert cid not in [c["id"] for c in corpus.conversations.list("etsuran")]
    assert len(again.chat_message) == 0 and "c" not in again.query_params


def open_app_with_query(user: str, cid: int):
    from streamlit.testing.v1 import AppTest

    from tests.app_fixtures import MAIN

    at = AppTest.from_file(MAIN, default_timeout=60)
    at.session_state["user"] = user
    at.query_params["c"] = str(cid)
    return at.run()


def test_feedback_is_stored_and_exported_for_admins(corpus):
    at = open_app("toroku")
    at.chat_input[0].set_value(Q_IKUJI).run()
    assert "この回答は役に立ちましたか" in _shown(at)
    at.button(key="fb-up-0").click().run()
    cid = corpus.conversations.list("toroku")[0]["id"]
    assert corpus.conversations.get(cid, "toroku")["turns"][0]["rating"] == 1
    assert "評価: 役に立った" in _shown(at)
    assert at.button(key="fb-up-0").icon == ":material/thumb_up:"  # an icon Streamlit bundles, not an emoji
    at.text_area(key="fb-c-0").input("条文まで示されていて助かった").run()
    at.button(key="fb-s-0").click().run()
    turn = corpus.conversations.get(cid, "toroku")["turns"][0]
    assert (turn["rating"], turn["comment"]) == (1, "条文まで示されていて助かった")
    at.button(key="fb-down-0").click().run()
    assert corpus.conversations.get(cid, "toroku")["turns"][0]["rating"] == -1
    events = [e for e in corpus.audit_trail.events(limit=10) if e["action"] == "feedback"]
    assert events[0]["user"] == "toroku" and events[0]["detail"]["rating"] == "bad"
    # reopened, the rating is still there
    again = open_app_with_query("toroku", cid)
    assert "評価: 役に立たなかった　コメント: 条文まで示されていて助かった" in _shown(again)
    # only admins get the export
    assert not [e for e in at.get("expander") if "評価の書き出し" in e.label]
    admin = open_app("kanri")
    box = next(e for e in admin.sidebar.expander if e.label == "評価の書き出し（管理者）")
    assert any("評価済みの質問" in c.value and "件" in c.value for c in box.caption)
    assert admin.get("download_button")


def test_login_sets_a_session_cookie_that_survives_a_reload_and_logout_revokes_it(corpus, monkeypatch):
    at = open_app()
    at.text_input(key="login_name").input("etsuran")
    at.text_input(key="login_password").input(PASSWORD)
    at.button[0].click().run()
    script = "".join(h.proto.body for h in at.get("html"))
    token = at.session_state["_token"]
    assert f"shirube_session={token}" in script and PASSWORD not in script and "etsuran" not in script
    # a reload: a new session that only has the browser's cookie
    monkeypatch.setattr(auth, "read_cookie", lambda: token)
    reload = open_app()
    assert reload.title[0].value == "質問" and reload.session_state["user"] == "etsuran"
    logins = [e for e in corpus.audit_trail.events(limit=5) if e["action"] == "login"]
    assert logins[0]["detail"]["method"] == "session"
    # a logout elsewhere (another tab) ends this session at its next run
    tab = open_app()
    assert tab.session_state["user"] == "etsuran"
    corpus.sessions.revoke(tab.session_state["_token"])
    tab.run()
    assert tab.title[0].value == "標 Shirube — ログイン"
    token = corpus.sessions.issue("etsuran")
    monkeypatch.setattr(auth, "read_cookie", lambda: token)
    reload = open_app()
    # logout revokes it server-side and clears the cookie
    reload.button(key="logout").click().run()
    assert reload.title[0].value == "標 Shirube — ログイン"
    assert "shirube_session=; Path=/; Max-Age=0" in "".join(h.proto.body for h in reload.get("html"))
    assert corpus.sessions.user_for(token) is None
    assert open_app().title[0].value == "標 Shirube — ログイン"  # the same cookie no longer logs in
    # a tampered cookie is refused
    tid, exp, mac = token.split(".")
    monkeypatch.setattr(auth, "read_cookie", lambda: f"{tid}.{int(exp) + 99999}.{mac}")
    assert open_app().title[0].value == "標 Shirube — ログイン"


def _source_script(kind: str, page, text: str, start: int, end: int) -> None:
    """The source viewer alone, over a library with one long section of ``kind`` and no kept original."""
    from types import SimpleNamespace

    from app.ask_page import render_source

    class Library:
        def section(self, section_id, access):
            return {"section_id": section_id, "document_id": 1, "title": "架空規程", "source": "kakuu." + kind,
                    "kind": kind, "page": page, "article": None, "heading": "", "text": text}

        def original(self, document_id, access, user=None, page=None):
            return None

        def document(self, document_id, access):
            return {"source": "kakuu." + kind, "sha256": "0" * 64, "title": "架空規程"}

    ctx = SimpleNamespace(sh=Library(), access=None, cfg=SimpleNamespace(sources=()), user=SimpleNamespace(name="u"))
    render_source(ctx, 1, start, end, text[start:end], "t")


@pytest.mark.parametrize(("kind", "page"), [("pdf", 3), ("text", None), ("html", None), ("egov_xml", None)])
def test_source_view_opens_at_the_span_for_every_kind(kind, page):
    import re

    from streamlit.testing.v1 import AppTest

    filler = "".join(f"{i}　この項は、手続について定めるものとする。\n" for i in range(1, 120))
    quote = "申請は、受付の日から十四日以内に処理する。"
    text = filler + quote + "\n" + filler
    start = len(filler)
    at = AppTest.from_function(_source_script, args=(kind, page, text, start, start + len(quote)),
                               default_timeout=30).run()
    assert not at.exception
    box = next(m.value for m in at.markdown if 'class="shirube-source"' in m.value)
    head = re.sub(r"<[^>]+>", "", box.partition("<mark")[0].replace("<br>", "\n"))
    assert len(head) <= 310 and head.startswith("…")  # the span is in the box's first lines, not 4,000 characters down
    assert f">{quote}</mark>" in box
