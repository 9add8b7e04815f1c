"""Real-browser end-to-end test: Streamlit app + Debian Chromium driven by Playwright.

Logs in, uploads a PDF, asks about it, opens the citation and checks the
highlighted passage (text and the rendered PDF page), saving screenshots.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app_fixtures import PASSWORD, build_home
from tests.browser_util import CHROMIUM, app_server, ask, browser_page, go, login, make_pdf, wait_idle

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} missing: apt-get install -y chromium"),
]
pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402

PDF_LINES = [
    "第1条　市民農園の利用期間は、4月1日から翌年3月31日までとする。",
    "第2条　市民農園の利用料は、1区画につき年額6,000円とする。",
    "第3条　利用者は、農園内で農薬を使用する場合、事前に農政課へ届け出なければならない。",
]


def test_login_upload_pdf_ask_and_open_cited_page(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text('embedder = "fake"\n', encoding="utf-8")
    build_home(home).close()
    pdf = tmp_path / "shimin_noen_kiyaku.pdf"
    pdf.write_bytes(make_pdf("標市市民農園利用規約", PDF_LINES))
    with app_server(home, [tmp_path / "corpus"], log=tmp_path / "streamlit.log") as url, browser_page() as page:
        login(page, url, "toroku", PASSWORD)
        go(page, "アップロード")
        page.get_by_role("heading", name="資料のアップロード").wait_for()
        page.locator('input[type="file"]').set_input_files(str(pdf))
        submit = page.get_by_role("button", name="取り込む")
        expect(submit).to_be_enabled()
        submit.click()
        page.get_by_text("取り込み済み 1 件・重複 0 件・エラー 0 件").wait_for()
        page.screenshot(path=str(tmp_path / "upload.png"), full_page=True)

        go(page, "質問")
        page.get_by_role("heading", name="質問").wait_for()
        ask(page, "市民農園の利用料は1区画いくらですか")
        cite = page.get_by_text("[1] 標市市民農園利用規約", exact=True)
        cite.wait_for()
        assert "6,000円" in page.locator('[data-testid="stChatMessage"]').last.inner_text()
        wait_idle(page)
        page.get_by_role("button", name="原文を開く [1]").click()
        mark = page.locator(".shirube-source mark.shirube-hl")
        mark.wait_for()
        assert "6,000円" in mark.inner_text()
        img = page.locator('[data-testid="stImage"] img')
        img.wait_for()
        assert img.evaluate("el => el.naturalWidth") > 500
        assert "該当箇所を黄色で表示" in page.locator('[data-testid="stImage"]').inner_text() or \
            page.get_by_text("1ページ（該当箇所を黄色で表示）").count() == 1
        mark.scroll_into_view_if_needed()
        page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stImage] img')].every(i => i.complete)")
        shot = tmp_path / "ask_citation.png"
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000
        assert "Traceback" not in page.content()
