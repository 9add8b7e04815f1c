"""The app side of durable ingest jobs and of the audit gaps (AppTest).

An upload outlives the session that made it: leave the page while it embeds, and a new session
sees the job and its result. The admin's 索引 tab names pending documents plainly. The OIDC
logout and the source viewer's rendering of an original's page are audited.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

pytest.importorskip("streamlit")


from app import state, upload_page  # noqa: E402
from tests.app_fixtures import SimulatedCrash, open_app, serve_home  # noqa: E402
from tests.conftest import audit_rows  # noqa: E402

Q_IKUJI = "職員が部分休業を取る場合、1日に最大で何時間まで認められますか"
KOEN = "標市公園使用許可の手引き\n\n公園で催しを行う場合は、使用日の十日前までに公園使用許可申請書を提出してください。\n"
HOIKU = "標市保育園の入園申込\n\n入園の申込みは、毎月十日までに子ども課へ提出する。\n"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    yield from serve_home(tmp_path_factory.mktemp("jobs") / "home")


def _page_text(at) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption] + [e.value for e in at.info]
    parts += [e.value for e in at.success] + [e.value for e in at.warning] + [e.value for e in at.error]
    return "\n".join(parts)


def test_upload_survives_leaving_the_page_and_a_new_session_sees_it(corpus, monkeypatch):
    monkeypatch.setattr(upload_page, "WAIT_S", 0.3)
    # The engine's worker runs each job in a child process (shirube/writer_process.py); while another
    # writer holds the home, that child waits with the job running.
    with corpus._home.write_lock():
        at = open_app("toroku")
        at.switch_page("views/upload.py").run()
        at.file_uploader(key="upload_files").set_value([
            ("koen_shiyo.txt", KOEN.encode(), "text/plain"), ("hoikuen.txt", HOIKU.encode(), "text/plain")]).run()
        at.button(key="upload_submit").click().run()
        assert not at.exception
        assert any("取り込みはサーバーで続いています" in i.value for i in at.info)
        at.switch_page("views/ask.py").run()  # the clerk leaves the page while the job waits
        [job] = corpus.jobs.jobs(by="toroku", limit=1)
        for _ in range(200):  # the child has claimed it
            if corpus.jobs.job(job["id"])["state"] == "running":
                break
            time.sleep(0.05)
        assert corpus.jobs.job(job["id"])["state"] == "running"
    job = corpus.jobs.wait(job["id"], timeout=60)
    assert job["state"] == "done" and [f["state"] for f in job["files"]] == ["ok", "ok"]
    # a new session (another browser, after a logout) sees the job, each file's result
    fresh = open_app("toroku")
    fresh.switch_page("views/upload.py").run()
    assert not fresh.exception
    df = fresh.dataframe[0].value
    mine = df[df["ジョブ"] == job["id"]]
    assert dict(zip(mine["ファイル"], mine["結果"])) == {"koen_shiyo.txt": "取り込み済み", "hoikuen.txt": "取り込み済み"}
    assert set(mine["ジョブの状態"]) == {"完了"}
    # searchable, with the batch's manifest and audit row
    assert "koen_shiyo.txt" in {h.source for h in corpus.search("公園使用許可申請書", k=5)}
    batch = job["files"][0]["batch_id"]
    rows = [e for e in audit_rows(corpus) if e.action == "ingest" and e.detail.get("batch_id") == batch]
    assert len(rows) == 1 and rows[0].user == "toroku"
    man = json.loads(Path(rows[0].detail["manifest"]).read_text(encoding="utf-8"))
    assert [f["source"] for f in man["files"]] == ["koen_shiyo.txt", "hoikuen.txt"]
    # another clerk's session does not list it
    other = open_app("kanri")
    other.switch_page("views/upload.py").run()
    assert "koen_shiyo.txt" not in json.dumps([d.value.to_dict() for d in other.dataframe], ensure_ascii=False)


def test_admin_page_shows_pending_documents_plainly(corpus):
    emb = corpus.embedder
    emb.fail = True
    try:
        with pytest.raises(SimulatedCrash):
            corpus.ingest_bytes([("churinjo.txt", "標市駐輪場の定期利用\n\n定期利用料金は、一か月につき千二百円とする。\n".encode())],
                                by="toroku")
    finally:
        emb.fail = False
    at = open_app("kanri")
    at.switch_page("views/admin.py").run()
    assert not at.exception
    assert any("保留中の文書が 1 件あります" in w.value for w in at.warning)
    assert "churinjo.txt" in json.dumps([d.value.to_dict() for d in at.dataframe], ensure_ascii=False)
    at.button(key="reindex_incremental").click().run()
    assert state.jobs(str(corpus.settings.home)).wait(30).error is None
    at.run()
    assert not any("保留中の文書" in w.value for w in at.warning)
    assert "churinjo.txt" in {h.source for h in corpus.search("駐輪場の定期利用料金", k=5)}


def test_oidc_logout_is_audited(corpus, monkeypatch):
    import streamlit as st

    from app import auth

    def fake_login(sh):  # the identity provider said "etsuran" (st.user cannot run under AppTest)
        st.session_state["user"] = "etsuran"
        return auth._session_user(sh.accounts.get("etsuran"))

    ended = []
    monkeypatch.setattr(auth, "oidc_login", fake_login)
    monkeypatch.setattr(st, "logout", lambda: ended.append(True))
    monkeypatch.setattr(state, "config_override", state.AppConfig(home=state.config_override.home, auth="oidc"))
    at = open_app()
    n = len(audit_rows(corpus))
    at.sidebar.button(key="logout").click().run()
    assert not at.exception and ended == [True]
    assert [(e.user, e.action, e.detail) for e in audit_rows(corpus)[n:]] == [("etsuran", "logout", {"method": "oidc"})]


def test_source_viewer_page_render_is_audited_once(corpus):
    at = open_app("etsuran")
    at.chat_input[0].set_value(Q_IKUJI).run()
    n = len(audit_rows(corpus))
    key = next(b.key for b in at.button if b.key and b.key.startswith("src-0:c"))
    at.button(key=key).click().run()
    assert len(at.get("image")) == 1
    rows = [(e.user, e.action, e.detail) for e in audit_rows(corpus)[n:]]
    assert [(u, a, d["page"]) for u, a, d in rows] == [("etsuran", "original_download", 2)]
    at.run()  # a rerun of the page (e.g. a toggle) renders it again but is not a second download
    assert len(audit_rows(corpus)) == n + 1
