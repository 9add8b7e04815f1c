"""Two ``shirube serve`` processes on one catalog database and one shared home (issue 15 item 4):
ingest through one and the other answers from the new document; uploads through both at once
never lose or duplicate a document; a full re-index beside them never breaks a query; and a
bounded load run (bench/api_load.py: concurrent clients against both servers) ends without an
error or a lost document. SQLite and PostgreSQL.

The shared home is the deployment shape docs/DEPLOY.md describes for several servers today (the
index generations are files in the home); the catalog is the database under test.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from shirube.cli import main as cli
from shirube.engine import Shirube

from .api_util import start_server, stop_server

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")

ROOT = Path(__file__).resolve().parents[1]
PW = "長い合言葉ですよね"
BASE_DOCS = [
    ("kyuka.md", "標市職員休暇規程\n\n第1条 職員は、年次休暇を一年につき二十日取得できる。\n"),
    ("gomi.md", "標市ごみ出し規程\n\n第1条 粗大ごみは、一辺が50センチメートルを超えるものをいう。\n"),
]


@pytest.fixture
def pair(tmp_path, db_url):
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(
        f'embedder = "fake"\ndb_url = "{db_url}"\nparse_in_subprocess = false\n', encoding="utf-8")
    sh = Shirube.open(home=home)
    sh.accounts.add("kanri", PW, "admin", 3, [])
    sh.accounts.add("toroku", PW, "clerk", 1, ["総務課"])
    sh.accounts.add("etsuran", PW, "viewer", 1, [])
    assert len(sh.ingest_bytes([(n, t.encode()) for n, t in BASE_DOCS], label=1, by="kanri").ok) == 2
    sh.close()
    tokens = {}
    for user in ("toroku", "etsuran"):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            assert cli(["--home", str(home), "token", "create", "--user", user, "--json", "--as", "kanri"]) == 0
        tokens[user] = json.loads(buf.getvalue())["token"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIRUBE_")}
    servers = [start_server(home, env, f"server{i}.log") for i in range(2)]
    yield {"home": home, "urls": [u for _, u in servers], "tokens": tokens, "env": env}
    for proc, _ in servers:
        stop_server(proc)


def _h(tok: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tok}"}


def _upload(url: str, tok: str, name: str, body: str) -> int:
    r = httpx.post(f"{url}/documents", headers=_h(tok), files=[("files", (name, body.encode()))],
                   data={"label": "1"}, timeout=60)
    assert r.status_code == 202, r.text
    return r.json()["job_id"]


def _wait(url: str, tok: str, job_id: int, timeout: float = 60.0) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        job = httpx.get(f"{url}/jobs/{job_id}", headers=_h(tok), timeout=30).json()
        if job["state"] not in ("queued", "running"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not end")


def _titles(url: str, tok: str) -> list[str]:
    r = httpx.get(f"{url}/documents", headers=_h(tok), timeout=30)
    assert r.status_code == 200, r.text
    body = r.json()
    docs = body["documents"] if isinstance(body, dict) else body
    return [d["title"] for d in docs]


def test_ingest_through_one_server_and_the_other_answers_from_it(pair):
    a, b = pair["urls"]
    clerk, viewer = pair["tokens"]["toroku"], pair["tokens"]["etsuran"]
    job = _wait(a, clerk, _upload(a, clerk, "tsubaki.md",
                                  "ツバキ窓口規程\n\n第1条 ツバキ窓口の受付時間は午前八時半から午後五時十五分までとする。\n"))
    assert job["state"] == "done" and job["files"][0]["state"] == "ok", job
    ans = httpx.post(f"{b}/ask", headers=_h(viewer), json={"question": "ツバキ窓口の受付時間は何時からですか"},
                     timeout=60).json()
    assert ans["answered"] and ans["citations"][0]["title"] == "ツバキ窓口規程", ans
    assert "八時半" in ans["answer"]
    assert "ツバキ窓口規程" in _titles(b, viewer)


def test_uploads_through_both_at_once_lose_and_duplicate_nothing(pair):
    a, b = pair["urls"]
    clerk, viewer = pair["tokens"]["toroku"], pair["tokens"]["etsuran"]
    same = "共通受付規程\n\n第1条 共通受付の番号札は一日につき三百枚までとする。\n"
    jobs: list[tuple[str, int]] = []
    lock = threading.Lock()

    def send(url: str, k: int) -> None:
        for i in range(3):
            n = k * 10 + i
            body = f"並行登録文書{n:02d}号\n\n第1条 並行登録{n:02d}号の受付番号は{500 + n}番とする。\n"
            jid = _upload(url, clerk, f"heikou{n:02d}.md", body)
            with lock:
                jobs.append((url, jid))
        jid = _upload(url, clerk, f"kyotsu-{k}.md", same)  # the same content through both servers
        with lock:
            jobs.append((url, jid))

    threads = [threading.Thread(target=send, args=(u, k)) for k, u in enumerate((a, b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results = [_wait(u, clerk, j) for u, j in jobs]
    assert all(r["state"] == "done" for r in results), results
    states = [f["state"] for r in results for f in r["files"]]
    assert states.count("ok") == 7 and states.count("duplicate") == 1, states
    for url in (a, b):  # both servers list every document exactly once
        titles = _titles(url, viewer)
        for k in range(2):
            for i in range(3):
                assert titles.count(f"並行登録文書{k * 10 + i:02d}号") == 1
        assert titles.count("共通受付規程") == 1
        r = httpx.post(f"{url}/search", headers=_h(viewer), json={"query": "並行登録11号の受付番号"}, timeout=60)
        assert r.json()["hits"][0]["title"] == "並行登録文書11号"


def test_a_full_reindex_beside_the_servers_never_breaks_a_query(pair):
    a, b = pair["urls"]
    viewer = pair["tokens"]["etsuran"]
    before = httpx.get(f"{a}/status", headers=_h(viewer), timeout=30).json()
    problems: list[str] = []
    asked = [0]
    done = threading.Event()

    def ask_loop(url: str) -> None:
        with httpx.Client(timeout=60) as c:
            while not done.is_set():
                for q, title in (("年次休暇は一年に何日取得できますか", "標市職員休暇規程"),
                                 ("粗大ごみとは一辺が何センチメートルを超えるものですか", "標市ごみ出し規程")):
                    r = c.post(f"{url}/ask", headers=_h(viewer), json={"question": q})
                    asked[0] += 1
                    if r.status_code != 200:
                        problems.append(f"{url} {r.status_code} {r.text[:200]}")
                    elif not r.json()["citations"] or r.json()["citations"][0]["title"] != title:
                        problems.append(f"{url} {q}: {r.json()}")

    askers = [threading.Thread(target=ask_loop, args=(u,)) for u in (a, b)]
    for t in askers:
        t.start()
    code = "import sys; from shirube.cli import main; sys.exit(main())"
    for _ in range(2):  # two full re-indexes, each a new generation switched under the servers
        run = subprocess.run([sys.executable, "-c", code, "--home", str(pair["home"]), "reindex", "--full",
                              "--as", "kanri"], env=pair["env"], capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
    time.sleep(0.5)
    done.set()
    for t in askers:
        t.join()
    assert asked[0] >= 4 and not problems, problems[:5]
    after = [httpx.get(f"{u}/status", headers=_h(viewer), timeout=30).json() for u in (a, b)]
    assert after[0]["generation"] == after[1]["generation"] != before["generation"]


def test_bounded_load_on_two_servers_ends_without_errors(tmp_path, db_url):
    """bench/api_load.py: clients against both servers with uploads spread over the run; it
    prints throughput and p95 and exits 1 on any error or lost document."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIRUBE_")}
    args = [sys.executable, str(ROOT / "bench" / "api_load.py"), "--servers", "2", "--clients", "4",
            "--seconds", "6", "--uploads", "3", "--embedder", "fake", "--home", str(tmp_path / "home")]
    if not db_url.startswith("sqlite"):
        args += ["--db-url", db_url]
    run = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "p95" in run.stdout and "errors: 0;" in run.stdout, run.stdout[-2000:]
    assert "listed once on every server: yes" in run.stdout
