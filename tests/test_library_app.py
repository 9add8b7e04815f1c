"""The 文書ライブラリ page, the admin forms and the upload polish (AppTest), issue 14 items 3, 5, 6.

Library: filters, preview, download of the original (audited), relabel with the engine's rules;
nobody sees or downloads a document above their clearance. Admin: role/clearance/department and
password reset audited, within the admin's own clearance; the audit table in Japanese with JST
times. Upload: an unsupported file is listed with a Japanese reason, and the selection clears.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib

import pytest

pytest.importorskip("streamlit")


from app import fmt  # noqa: E402
from app.library_page import NO_DEPARTMENT, filter_documents  # noqa: E402
from tests.app_fixtures import PASSWORD, ROOT, docx_bytes, open_app, serve_home  # noqa: E402
from tests.conftest import audit_rows  # noqa: E402

SECRET = "shinchosha_iten.txt"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    yield from serve_home(tmp_path_factory.mktemp("library") / "home")


def _table(at, i: int = 0):
    return at.dataframe[i].value


def _library(user: str):
    at = open_app(user)
    at.switch_page("views/library.py").run()
    assert not at.exception
    assert at.title[0].value == "文書ライブラリ"
    return at


def _doc_id(sh, source: str) -> int:
    return next(d["id"] for d in sh.documents() if d["source"].endswith(source))


# -- shipped Streamlit config ----------------------------------------------------------
def test_streamlit_config_ships_next_to_the_main_script():
    """Streamlit reads <main script dir>/.streamlit/config.toml wherever `streamlit run` starts."""
    cfg = tomllib.loads((ROOT / "app" / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert cfg["client"] == {"toolbarMode": "minimal", "showErrorDetails": "none"}  # no Deploy, no menu
    assert cfg["browser"]["gatherUsageStats"] is False
    # the README's command and make demo rely on it, and never switch the developer chrome back on
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "streamlit run app/main.py" in makefile and "streamlit run app/main.py" in readme
    for text in (makefile, readme):
        assert not re.search(r"toolbarMode[ =]+\"?(developer|auto|viewer)", text)


# -- formatting ------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "shown"), [
    ("2026-11-30T03:34:56.123456Z", "2026-11-30 12:34:56 JST"),
    (dt.datetime(2026, 11, 30, 15, 0, 1, 999), "2026-12-01 00:00:01 JST"),  # naive = UTC (SQLite)
    ("2026-11-30T12:00:00+09:00", "2026-11-30 12:00:00 JST"),
    (None, "—"),
])
def test_timestamps_are_jst_without_microseconds(value, shown):
    assert fmt.jst(value) == shown


def test_values_in_japanese_not_raw():
    assert [fmt.status_label(s) for s in ("active", "pending", "deleted")] == ["有効", "保留", "削除済み"]
    assert fmt.counts_text({"ok": 1234, "duplicate": 1, "error": 0}) == "取り込み 1,234・重複 1・エラー 0"
    assert fmt.text(None) == "—" and fmt.text(["総務課", "企画課"]) == "総務課、企画課"


# -- library ---------------------------------------------------------------------------
def test_filter_documents_by_every_field():
    docs = [
        {"id": 1, "title": "育児休業の手引", "source": "ikuji.pdf", "kind": "pdf", "label": 1, "departments": ["人事課"],
         "status": "active", "created_at": "2026-11-01T00:00:00+00:00"},
        {"id": 2, "title": "移転計画", "source": "iten.txt", "kind": "text", "label": 3, "departments": [],
         "status": "pending", "created_at": "2026-11-29T16:00:00+00:00"},  # 2026-11-30 in JST
    ]
    ids = lambda **kw: [d["id"] for d in filter_documents(docs, **kw)]  # noqa: E731
    assert ids() == [1, 2]
    assert ids(labels=[3]) == [2] and ids(kinds=["pdf"]) == [1] and ids(statuses=["active"]) == [1]
    assert ids(departments=["人事課"]) == [1] and ids(departments=[NO_DEPARTMENT]) == [2]
    assert ids(since=dt.date(2026, 11, 30)) == [2] and ids(until=dt.date(2026, 11, 29)) == [1]
    assert ids(text="IKUJI") == [1] and ids(text="移転") == [2]


def test_library_filters_in_the_page(corpus):
    at = _library("kanri")
    everything = _table(at)
    assert SECRET in set(everything["ファイル"]) and set(everything["状態"]) == {"有効"}
    assert not ({"active", "pending", "None"} & {str(v) for v in everything.to_numpy().ravel()})
    at.multiselect(key="lib_labels").select(3).run()
    assert list(_table(at)["ファイル"]) == [SECRET]
    at.multiselect(key="lib_labels").unselect(3).run()
    at.multiselect(key="lib_departments").select("企画課").run()
    assert list(_table(at)["ファイル"]) == [SECRET]
    at.multiselect(key="lib_departments").unselect("企画課").run()
    at.multiselect(key="lib_kinds").select("pdf").run()
    kinds = set(_table(at)["種類"])
    assert kinds == {"PDF"} and len(_table(at)) < len(everything)
    at.multiselect(key="lib_kinds").unselect("pdf").run()
    at.multiselect(key="lib_statuses").select("active").run()
    assert len(_table(at)) == len(everything)
    today = fmt.jst_date(dt.datetime.now(dt.timezone.utc))
    at.date_input(key="lib_since").set_value(today + dt.timedelta(days=1)).run()
    assert any("0 件" in c.value for c in at.caption)
    at.date_input(key="lib_since").set_value(today).run()
    at.text_input(key="lib_text").input("移転").run()
    assert list(_table(at)["ファイル"]) == [SECRET]
    # the preview is the document's opening text
    assert "移転候補地は、北町三丁目" in "\n".join(t.value for t in at.text)


@pytest.mark.parametrize("user", ["etsuran", "toroku"])
def test_library_never_shows_nor_serves_a_document_above_clearance(corpus, user):
    from app.library_page import fetch_original
    from app.session import Context

    at = _library(user)
    assert SECRET not in set(_table(at)["ファイル"])
    assert "移転" not in json.dumps(_table(at).to_dict(), ensure_ascii=False)
    assert _doc_id(corpus, SECRET) not in at.selectbox(key="library_pick").options
    ctx: Context = at.session_state["_ctx"]
    n = len(audit_rows(corpus))
    with pytest.raises(Exception, match="存在しません"):
        fetch_original(ctx, _doc_id(corpus, SECRET))
    with pytest.raises(Exception, match="存在しません"):
        corpus.preview(_doc_id(corpus, SECRET), ctx.access)
    assert not [e for e in audit_rows(corpus)[n:] if e.action == "original_download"]
    assert at.get("form") == [] or not any(b.label == "変更" for b in at.button), "relabel is for admins only"


def test_library_download_of_an_original_is_audited(corpus):
    at = _library("etsuran")
    doc = _doc_id(corpus, "gomi_bunbetsu_sjis.txt")
    at.selectbox(key="library_pick").select(doc).run()
    assert not at.get("download_button"), "nothing is handed out before the user asks"
    n = len(audit_rows(corpus))
    at.button(key="library_fetch").click().run()
    assert not at.exception
    [dl] = at.get("download_button")
    assert "gomi_bunbetsu_sjis.txt" in dl.proto.label
    [row] = [e for e in audit_rows(corpus)[n:] if e.action == "original_download"]
    assert row.user == "etsuran" and row.detail["document_id"] == doc


def test_admin_relabels_with_and_without_reason(corpus):
    doc = _doc_id(corpus, "gomi_bunbetsu_sjis.txt")
    at = _library("kanri")
    at.selectbox(key="library_pick").select(doc).run()
    n = len(audit_rows(corpus))
    # widgets in a form: set, then submit (their values travel with the submit, as in a browser)
    at.selectbox(key=f"relabel_label_{doc}").select(2)  # narrower: no reason needed
    next(b for b in at.button if b.label == "変更").click().run()
    assert any("機密性ラベル・部署を変更しました" in s.value for s in at.success)
    assert corpus.document(doc)["label"] == 2
    at.selectbox(key=f"relabel_label_{doc}").select(1)  # wider without a reason: refused
    next(b for b in at.button if b.label == "変更").click().run()
    assert any("理由が必要です" in e.value for e in at.error)
    assert not any("--reason" in e.value for e in at.error)
    assert corpus.document(doc)["label"] == 2
    at.text_input(key=f"relabel_reason_{doc}").input("公開資料のため")
    next(b for b in at.button if b.label == "変更").click().run()
    assert any("機密性を引き下げました" in s.value for s in at.success)
    assert corpus.document(doc)["label"] == 1
    rows = [e for e in audit_rows(corpus)[n:] if e.action in ("relabel", "declassify")]
    assert [(e.user, e.action, e.detail["new"]["label"]) for e in rows] == [("kanri", "relabel", 2), ("kanri", "declassify", 1)]
    assert rows[1].detail["reason"] == "公開資料のため"


# -- admin forms -------------------------------------------------------------------------
def _admin(user: str = "kanri"):
    at = open_app(user)
    at.switch_page("views/admin.py").run()
    assert not at.exception
    return at


def test_admin_changes_role_and_resets_password_audited(corpus):
    corpus.accounts.add("henko", "hajime-no-pass", "viewer", 1, ["市民課"])  # kanri may not grant 市民課, the operator may
    at = _admin()
    n = len(audit_rows(corpus))
    at.selectbox(key="update_pick").select("henko").run()
    at.selectbox(key="update_role_henko").select("clerk")
    at.selectbox(key="update_clearance_henko").select(2)
    at.text_input(key="update_departments_henko").input("市民課、総務課")
    next(b for b in at.button if b.label == "変更").click().run()
    assert any("「henko」を変更しました" in s.value for s in at.success)
    u = corpus.accounts.get("henko")
    assert (u.role, u.clearance, list(u.departments)) == ("clerk", 2, ["市民課", "総務課"])
    at.selectbox(key="passwd_pick").select("henko")
    at.text_input(key="passwd_new").input("atarashii-pass-9")
    at.text_input(key="passwd_again").input("atarashii-pass-9")
    next(b for b in at.button if b.label == "再設定").click().run()
    assert any("「henko」のパスワードを再設定しました" in s.value for s in at.success)
    assert corpus.accounts.authenticate("henko", "atarashii-pass-9") is not None
    rows = [(e.user, e.action, e.detail.get("name")) for e in audit_rows(corpus)[n:] if e.action != "login"]
    assert rows == [("kanri", "user_update", "henko"), ("kanri", "password_change", "henko")]
    assert "atarashii" not in json.dumps([e.detail for e in audit_rows(corpus)], ensure_ascii=False)


def test_admin_cannot_manage_an_account_above_own_clearance(corpus):
    corpus.accounts.add("kanri2", PASSWORD, "admin", 2, ["総務課"], by="kanri")
    at = _admin("kanri2")
    at.selectbox(key="passwd_pick").select("kanri")
    at.text_input(key="passwd_new").input("nottori-pass-1")
    at.text_input(key="passwd_again").input("nottori-pass-1")
    next(b for b in at.button if b.label == "再設定").click().run()
    assert any("超えるユーザーは作成・変更できません" in e.value for e in at.error)
    assert corpus.accounts.authenticate("kanri", PASSWORD) is not None


def test_admin_tables_are_japanese_with_jst_times(corpus):
    at = _admin()
    audit = next(t for t in (d.value for d in at.dataframe) if "操作" in t.columns)
    assert list(audit.columns)[:4] == ["番号", "日時", "利用者", "操作"]
    assert not {"id", "at", "user", "action", "detail"} & set(audit.columns)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d JST", v) for v in audit["日時"])
    assert "None" not in {str(v) for v in audit.to_numpy().ravel()}
    manifests = next(t for t in (d.value for d in at.dataframe) if "件数" in t.columns)
    assert all(v.startswith("取り込み ") and "{" not in v for v in manifests["件数"])
    docs = next(t for t in (d.value for d in at.dataframe) if "状態" in t.columns and "タイトル" in t.columns)
    assert set(docs["状態"]) <= {"有効", "保留"}
    assert at.button(key="reindex_full").disabled  # needs its confirmation
    at.checkbox(key="reindex_full_confirm").check().run()
    assert not at.button(key="reindex_full").disabled


# -- upload ------------------------------------------------------------------------------
def test_upload_mixed_batch_lists_the_unsupported_file_and_clears_the_selection(corpus):
    at = open_app("toroku")
    at.switch_page("views/upload.py").run()
    good = "標市防災倉庫の点検\n\n防災倉庫の点検は、毎年六月に危機管理課が行う。\n".encode()
    at.file_uploader(key="upload_files").set_value([
        ("bousai.txt", good, "text/plain"),
        ("youshiki.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ]).run()
    at.button(key="upload_submit").click().run()
    assert not at.exception
    df = _table(at)
    results = dict(zip(df["ファイル"], df["結果"]))
    assert results == {"bousai.txt": "取り込み済み", "youshiki.docx": "エラー"}
    reason = df.set_index("ファイル").loc["youshiki.docx", "理由"]
    assert reason == "未対応の形式（Word文書 .docx）"
    assert any("youshiki" in m.value and "未対応の形式" in m.value for m in at.markdown), "each reason in full"
    # the selection is cleared: a new, empty uploader, and 取り込む is disabled again
    [up] = at.file_uploader
    assert not up.value and up.key != "upload_files"
    assert at.button(key="upload_submit").disabled
    assert any("が完了しました（経過" in c.value for c in at.caption)


def test_progress_text_has_elapsed_time_and_an_estimate():
    from app.upload_page import elapsed_text

    assert elapsed_text(0.2, 0.0) == "経過 0秒・残り時間を計算中"
    assert elapsed_text(10, 0.25) == "経過 10秒・残り約 30秒"
    assert elapsed_text(90, 0.5) == "経過 1分30秒・残り約 1分30秒"
    assert elapsed_text(3, 1.0) == "経過 3秒"


# -- the engine's preview (SQLite and PostgreSQL) -------------------------------------------------
def test_preview_is_the_opening_text_within_access(db_url, tmp_path, monkeypatch):
    from base.errors import RetrievalError
    from shirube.api import AccessFilter, Shirube

    monkeypatch.setenv("SHIRUBE_DB_URL", db_url)
    monkeypatch.setenv("SHIRUBE_EMBEDDER", "fake")
    monkeypatch.setenv("SHIRUBE_PARSE_IN_SUBPROCESS", "false")
    monkeypatch.delenv("SHIRUBE_OPERATOR", raising=False)
    sh = Shirube.open(home=tmp_path / "home")
    try:
        body = "標市文書管理規程\n\n第1条 この規程は、文書の管理に関し必要な事項を定める。\n\n" + "第2条 文書は分類して保存する。\n" * 80
        public = sh.ingest_bytes([("kitei.txt", body.encode())], label=1).ok[0].document_id
        secret = sh.ingest_bytes([("himitsu.txt", "内部資料\n\n移転候補地は北町とする。\n".encode())], label=3,
                                 departments=["企画課"]).ok[0].document_id
        viewer = AccessFilter(clearance=1, departments=frozenset({"総務課"}))
        pv = sh.preview(public, viewer, chars=120)
        assert pv["text"].startswith("標市文書管理規程\n\n第一条　この規程は")  # a statute: each 第○条 labelled
        assert len(pv["text"].replace("\n\n", "")) <= 120 and pv["truncated"]
        assert not sh.preview(secret)["truncated"] and "北町" in sh.preview(secret)["text"]
        with pytest.raises(RetrievalError, match="存在しません"):
            sh.preview(secret, viewer)
    finally:
        sh.close()
