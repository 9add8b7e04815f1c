"""Start the real app on a free port and drive Debian's Chromium with Playwright.

Used by tests/test_browser.py and tools/screenshots.py.
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium's own connections get refused here.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def app_server(home: Path, sources: list[Path] = (), log: Path | None = None, timeout: float = 90,
               cwd: Path | None = None, shipped_config: bool = False) -> Iterator[str]:
    """``streamlit run app/main.py`` on a free local port; yields the URL, stops it afterwards.

    ``shipped_config``: no client/browser flags, only the app's own .streamlit/config.toml
    (started from ``cwd``, e.g. outside the repository, as a deployment would)."""
    port = free_port()
    chrome = [] if shipped_config else [
        "--browser.gatherUsageStats", "false", "--client.showErrorDetails", "none", "--client.toolbarMode", "minimal"]
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app" / "main.py"),
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true", *chrome,
        "--server.fileWatcherType", "none", "--", "--home", str(home),
    ]
    for s in sources:
        cmd += ["--sources", str(s)]
    out = open(log, "wb") if log else subprocess.DEVNULL
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIRUBE_")}
    proc = subprocess.Popen(cmd, cwd=cwd or ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {proc.returncode} (log: {log})")
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.time() > deadline:
                raise TimeoutError(f"the app did not start within {timeout}s (log: {log})")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        if log:
            out.close()


@contextlib.contextmanager
def browser_page(width: int = 1400, height: int = 1000):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height}, locale="ja-JP")
            page.set_default_timeout(60_000)
            yield page
        finally:
            browser.close()


def login(page, url: str, name: str, password: str) -> None:
    page.goto(url)
    page.get_by_label("ユーザー名").fill(name)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    # .first: while Streamlit reruns, the old page's heading can stay beside the new one for a
    # moment, and a strict locator then fails on two matches (seen once in CI, session 12)
    page.get_by_role("heading", name="質問").first.wait_for()


def go(page, title: str) -> None:
    """Open a page from the sidebar navigation."""
    page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()


def ask(page, question: str) -> None:
    box = page.locator('[data-testid="stChatInputTextArea"]')
    box.fill(question)
    box.press("Enter")


def wait_idle(page, timeout: float = 60) -> None:
    """Wait until Streamlit has finished the current run (no running indicator)."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=timeout * 1000)


def wait_laid_out(page, timeout: float = 60) -> None:
    """Wait until every image has loaded and the page's height has stopped changing for half a second.

    Streamlit's chat page sticks to its bottom while content still grows, so a link clicked before
    then (an image above loading late on a loaded machine) is scrolled away again."""
    page.wait_for_function("() => [...document.images].every(i => i.complete)", timeout=timeout * 1000)
    page.wait_for_function(
        """() => {
            const h = [...document.querySelectorAll('*')].reduce((m, e) => Math.max(m, e.scrollHeight), 0);
            const now = Date.now();
            if (window.__shirubeH !== h) { window.__shirubeH = h; window.__shirubeT = now; return false; }
            return now - window.__shirubeT > 500;
        }""", polling=100, timeout=timeout * 1000)


def make_pdf(title: str, lines: list[str]) -> bytes:
    """A small Japanese PDF (reportlab's built-in CID font, no font files needed)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("HeiseiKakuGo-W5"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setTitle(title)
    c.setFont("HeiseiKakuGo-W5", 16)
    c.drawString(60, 780, title)
    c.setFont("HeiseiKakuGo-W5", 11)
    y = 740
    for line in lines:
        c.drawString(60, y, line)
        y -= 22
    c.showPage()
    c.save()
    return buf.getvalue()
