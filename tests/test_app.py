"""Streamlit AppTest tests of every page: login per role, ask, upload, admin re-index.

The corpus is the real Japanese sample set, indexed with the fast fake embedder.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from app import state  # noqa: E402
from tests.app_fixtures import PASSWORD, SAMPLES, SimulatedCrash, open_app, serve_home  # noqa: E402
from indexer.tables import EmbeddingCacheRow  # noqa: E402
from sqlalchemy import delete  # noqa: E402

Q_GOMI = "粗大ごみとして申し込む必要があるのは、一辺がどのくらいの長さを超えるものですか"
Q_IKUJI = "職員が部分休業を取る場合、1日に最大で何時間まで認められますか"
Q_SECRET = "新庁舎の移転候補地はどこですか"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    yield from serve_home(tmp_path_factory.mktemp("app") / "home")


def app(user: str | None = None) -> AppTest:
    return open_app(user)


def texts(at: AppTest) -> str:
    """Everything the page shows as text (markdown, captions, alerts, titles)."""
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption] + [e.value for e in at.title]
    parts += [e.value for e in at.success] + [e.value for e in at.warning] + [e.value for e in at.error]
    parts += [e.value for e in at.info] + [e.value for e in at.code]
    return "\n".join(str(p) for p in parts)


def login(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(password)
    at.button[0].click()
    return at.run()


# -- ログイン ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "pages"),
    [("etsuran", {"質問"}), ("toroku", {"質問", "アップロード"}), ("kanri", {"質問", "アップロード", "管理"})],
)
def test_login_per_role_shows_only_allowed_pages(corpus, name, pages):
    at = app()
    assert [t.value for t in at.title] == ["標 Shirube — ログイン"]
    at = login(at, name, PASSWORD)
    assert not at.exception
    assert at.title[0].value == "質問"
    role_label = {"etsuran": "閲覧者", "toroku": "登録担当", "kanri": "管理者"}[name]
    assert f"**{name}**（{role_label}）" in [m.value for m in at.sidebar.markdown]
    for path, title, heading in (("views/upload.py", "アップロード", "資料のアップロード"), ("views/admin.py", "管理", "管理")):
        if title in pages:
            at.switch_page(path).run()
            assert at.title[0].value == heading
        else:  # not even registered in the navigation for this role
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(path)


def test_login_rejects_wrong_password_and_unknown_user(corpus):
    at = login(app(), "kanri", "machigai-password")
    assert "ユーザー名またはパスワードが正しくありません" in [e.value for e in at.error]
    assert "user" not in at.session_state
    at = login(app(), "daremo-inai", PASSWORD)
    assert "ユーザー名またはパスワードが正しくありません" in [e.value for e in at.error]


def test_oidc_identity_maps_onto_local_users(corpus):
    from app.auth import user_for_identity

    u = user_for_identity(corpus, {"email": "toroku", "preferred_username": "x"})
    assert (u.name, u.role, u.clearance, u.departments) == ("toroku", "clerk", 2, ("総務課",))
    assert user_for_identity(corpus, {"email": None, "preferred_username": "etsuran"}).role == "viewer"
    assert user_for_identity(corpus, {"email": "stranger@example.jp"}) is None
    assert user_for_identity(corpus, {}) is None


def test_oidc_mode_without_configuration_is_a_japanese_message(corpus):
    state.config_override = state.AppConfig(home=state.config_override.home, sources=(), auth="oidc")
    try:
        at = app()
        assert not at.exception
        assert [e.value for e in at.error] == ["OIDC ログインが設定されていません（.streamlit/secrets.toml の [auth] を確認してください）"]
    finally:
        state.config_override = state.AppConfig(home=state.config_override.home,
                                                sources=(str(Path(state.config_override.home).parent / "corpus"),))


# -- 質問 ----------------------------------------------------------------------------
def test_ask_shows_answer_with_expected_citation_and_opens_source(corpus):
    at = app("etsuran")
    at.chat_input[0].set_value(Q_GOMI).run()
    assert not at.exception
    shown = texts(at)
    assert "50センチメートルを超えるもの" in shown
    assert '<a class="shirube-marker" href="#cite-0-1" title="' in shown  # a link to its card, not bold text
    assert '<span id="cite-0-1" class="shirube-anchor"></span>**[1] 家庭ごみの分け方' in shown
    assert "**[1] 家庭ごみの分け方・出し方（令和6年度版）**" in shown
    assert "gomi_bunbetsu_sjis.txt" in shown
    # the supporting span is highlighted in the citation excerpt
    assert any('<mark class="shirube-hl"' in m.value and "50センチメートル" in m.value for m in at.markdown)
    # memo text for copying carries the question and the citation
    assert any(c.value.startswith(f"質問: {Q_GOMI}\n") and "[1] 家庭ごみの分け方・出し方（令和6年度版）" in c.value
               for c in at.code)
    at.button(key="src-0:c1").click().run()
    src = [m.value for m in at.markdown if "shirube-source" in m.value]
    assert src and "<mark" in src[0] and "50センチメートル" in src[0]


def test_answer_markdown_escapes_markup_and_links_markers():
    from app.ask_page import answer_markdown

    assert answer_markdown("第*1*条<b>は_有効_[1]2.次に[12]") == (  # while streaming: plain markers
        '第\\*1\\*条\\<b\\>は\\_有効\\_<span class="shirube-marker">[1]</span>2.次に'
        '<span class="shirube-marker">[12]</span>'
    )
    assert answer_markdown("答え[1]", "cite-3") == '答え<a class="shirube-marker" href="#cite-3-1">[1]</a>'
    assert answer_markdown("[参考](javascript:x)") == "\\[参考\\]\\(javascript:x\\)"


def _viewer_script(text: str, start: int, end: int) -> None:
    """The source viewer alone, over a library that holds one long law section."""
    from types import SimpleNamespace

    from app.ask_page import render_source

    class Library:
        def section(self, section_id, access):
            return {"section_id": section_id, "document_id": 1, "title": "架空手続法", "source": "kakuu.html",
                    "kind": "html", "page": None, "article": "第二十条第三項", "heading": "第二十条（審理）", "text": text}

    render_source(SimpleNamespace(sh=Library(), access=None, cfg=None), 1, start, end, text[start:end], "t")


def test_source_view_opens_at_the_cited_span_of_a_long_section():
    import re

    filler = "".join(f"{i}　この号は、審理の手続について定めるものとする。\n" for i in range(1, 80))
    quote = "主宰者は、聴聞の期日に審理を行う。"
    text = filler + quote + "\n" + filler
    start = len(filler)
    assert len(text) > 3000
    at = AppTest.from_function(_viewer_script, args=(text, start, start + len(quote)), default_timeout=30).run()
    assert not at.exception
    box = next(m.value for m in at.markdown if 'class="shirube-source"' in m.value)
    head, _, rest = box.partition("<mark")
    shown_before = re.sub(r"<[^>]+>", "", head.replace("<br>", "\n"))
    # The box (420px, about 15 lines) opens with the span in its first lines, the cut head marked 「…」.
    assert shown_before.startswith("…") and shown_before.count("\n") <= 4 and len(shown_before) <= 201
    assert rest.split("</mark>")[0].endswith(quote)
    assert rest.count("この号は") == 79  # everything after the span stays in the box
    assert [e.label for e in at.expander] == [f"全文を表示（{len(text):,}文字）"]
    full = at.expander[0].markdown[0].value
    assert full.count("この号は") == 158 and f">{quote}</mark>" in full
    # A short section is shown whole, with no expander.
    at = AppTest.from_function(_viewer_script, args=(quote, 0, 5), default_timeout=30).run()
    box = next(m.value for m in at.markdown if 'class="shirube-source"' in m.value)
    assert "…" not in box and ">主宰者は、</mark>聴聞の期日に審理を行う。" in box and not at.expander


def test_ask_pdf_citation_renders_page_image(corpus):
    at = app("etsuran")
    at.chat_input[0].set_value(Q_IKUJI).run()
    shown = texts(at)
    assert "2時間を超えない" in shown
    assert "標市職員の育児休業等の取扱いに関する規程**　p.2" in shown
    n = next(m.value for m in at.markdown if "2時間を超えない" in m.value and m.value.startswith("<blockquote"))
    assert "<mark" in n
    key = next(b.key for b in at.button if b.key and b.key.startswith("src-0:c"))
    at.button(key=key).click().run()
    imgs = at.get("image")
    assert len(imgs) == 1, "the PDF page must be rendered as an image"
    assert "2ページ（該当箇所を黄色で表示）" in str(imgs[0].proto)
    assert "ページ画像上では該当箇所を特定できませんでした" not in texts(at)


def test_ask_not_in_documents_is_shown_as_such_with_closest_passages(corpus):
    at = app("etsuran")
    at.chat_input[0].set_value("火星の首都の人口は何人ですか").run()
    assert [w.value for w in at.warning][:1] == ["資料の中に該当する記述が見つかりませんでした。"]  # said once
    assert "関連する可能性のある箇所" in texts(at)


def test_a_refusal_marks_each_closest_passage_at_its_sentence_nearest_the_question(corpus):
    at = app("etsuran")
    at.chat_input[0].set_value("市長の任期は何年ですか").run()
    assert [w.value for w in at.warning][:1] == ["資料の中に該当する記述が見つかりませんでした。"]
    assert "回答ではありません" in texts(at)
    near = [m.value for m in at.markdown if 'class="shirube-near"' in m.value]
    assert near and any("<mark" in n and "委員の任期は、二年とする。" in n for n in near)
    memo = next(c.value for c in at.code if "関連する可能性のある箇所" in c.value)
    assert "「委員の任期は、二年とする。" in memo


def test_history_is_kept_per_session(corpus):
    at = app("etsuran")
    at.chat_input[0].set_value(Q_GOMI).run()
    at.chat_input[0].set_value(Q_IKUJI).run()
    assert [m.value for m in at.chat_message[0].markdown][:1] == [Q_GOMI]
    assert len(at.chat_message) == 4
    assert len(app("etsuran").chat_message) == 0  # a new session starts empty


def test_follow_up_is_asked_with_the_conversation(corpus):
    at = app("etsuran")
    at.chat_input[0].set_value(Q_IKUJI).run()
    assert "検索した質問" not in texts(at)  # the first question is searched as asked
    at.chat_input[0].set_value("その場合、給与はどうなりますか").run()
    assert not at.exception
    follow = at.chat_message[3]
    shown = "\n".join(str(c.value) for c in follow.caption) + "\n" + "\n".join(m.value for m in follow.markdown)
    assert "検索した質問: 部分休業の場合、給与はどうなりますか" in shown
    assert "減額" in shown and "ikuji_kyugyo_kitei.pdf" in shown


def test_viewer_never_sees_documents_above_clearance(corpus):
    viewer = app("etsuran")
    viewer.chat_input[0].set_value(Q_SECRET).run()
    assert "北町三丁目" not in texts(viewer)
    admin = app("kanri")
    admin.chat_input[0].set_value(Q_SECRET).run()
    assert "北町三丁目" in texts(admin)
    assert "shinchosha_iten.txt" in texts(admin)


def test_unavailable_answerer_is_a_japanese_message(corpus):
    at = app("etsuran")
    assert at.selectbox(key="answerer").options == ["抽出（資料の文をそのまま引用）"]  # no LLM configured: not offered
    from app.ask_page import ask

    ctx = at.session_state["_ctx"]
    turn = ask(ctx, Q_GOMI, "gguf")
    assert turn.error.startswith("回答方式「LLM（GGUF モデル）」は現在使えません。")
    assert "model_path" not in turn.error and "--model" not in turn.error  # no command-line advice


def test_empty_data_directory_gives_japanese_messages_not_tracebacks(corpus, tmp_path):
    from shirube.users import add_user

    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "config.toml").write_text('embedder = "fake"\n', encoding="utf-8")
    saved = state.config_override
    state.config_override = state.AppConfig(home=str(empty))
    try:
        at = app()
        add_user(state.engine(str(empty)), "hajime", PASSWORD, "admin", 3, [])
        at = app("hajime")
        at.chat_input[0].set_value(Q_GOMI).run()
        assert not at.exception
        assert any("索引がまだありません" in e.value for e in at.error)
        at.switch_page("views/admin.py").run()
        assert not at.exception
        assert {m.label: m.value for m in at.metric}["索引世代"] == "なし"
    finally:
        state.config_override = saved


# -- アップロード ---------------------------------------------------------------------
def test_upload_batch_reports_bad_file_and_duplicate_and_ingests_the_rest(corpus):
    at = app("toroku")
    at.switch_page("views/upload.py").run()
    assert "1ファイル最大 50MB" in texts(at)
    good = "標市公園使用許可の手引き\n\n公園で催しを行う場合は、使用日の十日前までに公園使用許可申請書を提出してください。\n".encode("utf-8")
    dup = (SAMPLES / "gomi_bunbetsu_sjis.txt").read_bytes()
    at.file_uploader(key="upload_files").set_value([
        ("koen_shiyo.txt", good, "text/plain"),
        ("kowareta.pdf", b"%PDF-1.4\n this is not really a pdf", "application/pdf"),
        ("gomi_copy.txt", dup, "text/plain"),
    ]).run()
    at.text_input(key="upload_license").input("標市（テスト）").run()
    at.button(key="upload_submit").click().run()
    assert not at.exception
    df = at.dataframe[0].value
    results = dict(zip(df["ファイル"], df["結果"]))
    assert results == {"koen_shiyo.txt": "取り込み済み", "kowareta.pdf": "エラー", "gomi_copy.txt": "重複"}
    reason = df.set_index("ファイル").loc["kowareta.pdf", "理由"]
    assert reason and "PDF" in reason
    assert any("取り込み済み 1 件・重複 1 件・エラー 1 件" in w.value for w in at.warning)
    assert at.get("download_button"), "the batch manifest is downloadable"
    # the new document answers questions at once
    at.switch_page("views/ask.py").run()
    at.chat_input[0].set_value("公園で催しを行う場合、いつまでに申請書を出しますか").run()
    assert "十日前まで" in texts(at) and "koen_shiyo.txt" in texts(at)


def test_uploading_the_same_file_again_is_a_duplicate(corpus):
    data = "標市図書館の休館日\n\n図書館は毎月第三月曜日を休館日とする。\n".encode("utf-8")
    from app.upload_page import upload_batch

    first = upload_batch(corpus, [("toshokan.txt", data)], label=1, departments=[], license="", by="toroku")
    again = upload_batch(corpus, [("toshokan-2.txt", data)], label=1, departments=[], license="", by="toroku")
    assert [f.result for f in first.files] == ["ok"]
    assert [f.result for f in again.files] == ["duplicate"]
    assert "重複" in again.files[0].reason and again.generation is None
    assert (Path(corpus.settings.home) / "originals").is_dir()


def test_clerk_cannot_label_above_own_clearance(corpus):
    at = app("toroku")
    at.switch_page("views/upload.py").run()
    assert at.selectbox(key="upload_label").options == ["機密性1（公開相当）", "機密性2"]


# -- 管理 ----------------------------------------------------------------------------
def test_admin_status_documents_users_and_audit_tabs(corpus):
    at = app("kanri")
    at.switch_page("views/admin.py").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["文書数（有効）"].replace(",", "")) >= 23
    assert metrics["索引世代"].startswith("gen-")
    shown = texts(at)
    assert "fake-bigram-hash-64" in shown
    assert "監査ログ" in [t.label for t in at.tabs]
    assert "監査ログの改ざん検査: 問題なし（ハッシュチェーン一致）" in [x.value for x in at.success]
    # users: create a new viewer from the page
    at.text_input(key="new_user_name").input("shinjin")
    at.text_input(key="new_user_password").input("atarashii-pass")
    at.selectbox(key="new_user_role").select("viewer")
    next(b for b in at.button if b.label == "作成").click().run()
    assert "ユーザー「shinjin」を作成しました" in [s.value for s in at.success]
    assert login(app(), "shinjin", "atarashii-pass").title[0].value == "質問"


def test_admin_deletes_a_document_and_it_is_no_longer_cited(corpus):
    from app.upload_page import upload_batch

    text = "標市駐輪場の定期利用\n\n駐輪場の定期利用料金は、一か月につき千二百円とする。\n"
    rep = upload_batch(corpus, [("churinjo.txt", text.encode())], label=1, departments=[], license="", by="kanri")
    doc_id = rep.files[0].document_id
    asker = app("etsuran")
    asker.chat_input[0].set_value("駐輪場の定期利用料金はいくらですか").run()
    assert "千二百円" in texts(asker)
    at = app("kanri")
    at.switch_page("views/admin.py").run()
    at.selectbox(key="delete_pick").select(doc_id).run()
    at.checkbox(key="delete_confirm").check().run()
    at.button(key="delete_doc").click().run()
    assert any(f"文書 {doc_id} を削除しました" in s.value for s in at.success)
    assert doc_id not in [d["id"] for d in corpus.documents()]
    again = app("etsuran")
    again.chat_input[0].set_value("駐輪場の定期利用料金はいくらですか").run()
    assert "千二百円" not in texts(again) and "churinjo.txt" not in texts(again)


def _reindex_child_started(home: str, timeout: float = 60.0):
    """The app's re-index job once its child process has started (it then waits for the write lock)."""
    board = state.jobs(home)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = board.current
        if job is not None and job.worker_pid is not None:
            return job
        assert job is None or job.running, f"the re-index ended early: {job.error}"
        time.sleep(0.05)
    raise AssertionError("the re-index child process did not start")


def test_admin_incremental_reindex_keeps_questions_answered(corpus):
    emb = corpus.embedder
    # An ingest whose process died while embedding leaves documents pending: the incremental re-index picks them up.
    emb.fail = True
    with pytest.raises(SimulatedCrash):
        corpus.ingest_bytes([("hoikuen.txt", "標市保育園の入園申込\n\n入園の申込みは、毎月十日までに子ども課へ提出する。\n".encode())])
    emb.fail = False
    gen_before = corpus.status()["generation"]
    home = str(corpus.settings.home)
    with corpus._home.write_lock():  # another writer holds the home: the re-index's child waits for it
        admin = app("kanri")
        admin.switch_page("views/admin.py").run()
        admin.button(key="reindex_incremental").click().run()
        job = _reindex_child_started(home)
        assert job.worker_pid != os.getpid(), "the re-index runs in its own process"
        asker = app("etsuran")
        asker.chat_input[0].set_value(Q_GOMI).run()  # answered while the re-index waits
        assert "50センチメートル" in texts(asker)
        assert job.running
    job = state.jobs(home).wait(120)
    assert job.error is None and job.result not in (None, gen_before)
    asker.chat_input[0].set_value("保育園の入園の申込みはいつまでですか").run()
    assert "毎月十日まで" in texts(asker)  # the child's new generation is used without a restart
    last = corpus.audit_trail.events(limit=5)
    assert any(e["action"] == "reindex" and e["user"] == "kanri" and e["detail"]["generation"] == job.result
               for e in last), "the child audits the re-index under the admin who started it"


def test_admin_full_reindex_runs_in_a_lower_priority_process(corpus):
    gen_before = corpus.status()["generation"]
    with corpus.catalog.session() as s:  # no cached vector (indexer/embed_cache.py): the rebuild must embed
        s.execute(delete(EmbeddingCacheRow))
    home = str(corpus.settings.home)
    with corpus._home.write_lock():
        admin = app("kanri")
        admin.switch_page("views/admin.py").run()
        assert admin.button(key="reindex_full").disabled, "a full re-index needs its confirmation first"
        admin.checkbox(key="reindex_full_confirm").check().run()
        admin.button(key="reindex_full").click().run()
        job = _reindex_child_started(home)
        if hasattr(os, "nice") and os.nice(0) < corpus.settings.writer_nice:
            assert job.worker_nice == corpus.settings.writer_nice, "questions first: the child runs at writer_nice"
        asker = app("etsuran")
        asker.chat_input[0].set_value(Q_GOMI).run()
        assert "50センチメートル" in texts(asker)  # old generation still answers mid-rebuild
    job = state.jobs(home).wait(120)
    assert job.error is None and job.result not in (None, gen_before)
    admin.run()
    assert any("全件再索引が完了しました" in s.value for s in admin.success)
    asker.chat_input[0].set_value(Q_GOMI).run()
    assert texts(asker).count("50センチメートル") >= 2
    with corpus.catalog.session() as s:  # the child really embedded every chunk again
        assert s.query(EmbeddingCacheRow).count() == corpus.status()["indexed_chunks"]


def test_admin_eval_shows_metrics_and_charts(corpus):
    at = app("kanri")
    at.switch_page("views/admin.py").run()
    at.text_input(key="eval_path").input(str(SAMPLES / "qa.jsonl"))
    at.button(key="eval_run").click().run()
    assert not at.exception
    metrics = {m.label: float(m.value) for m in at.metric if m.label.startswith("再現率@")}
    assert metrics["再現率@10"] >= metrics["再現率@5"] >= metrics["再現率@1"] > 0.3
    charts = at.get("vega_lite_chart")
    assert len(charts) == 2, "recall@k curve and latency histogram"
    res = at.session_state["eval_result"]
    assert len(res["latencies_s"]) == res["questions"]
    assert list(res["recall_curve"]) == list(range(1, 11))
    # why questions were refused: a table of the refusing checks, as many rows as the result has
    assert any("「資料にない」と判断した理由" in m.value for m in at.markdown)
    table = next(d.value for d in at.dataframe if "判定" in d.value.columns)
    assert list(table["判定"]) == list(res["answer"]["refusals_by_check"]) and len(table) >= 1
