"""A real ``shirube serve`` process on 127.0.0.1 for the HTTP API tests."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")


def start_server(home: Path, env: dict[str, str], log_name: str = "server.log") -> tuple[subprocess.Popen, str]:
    """Start ``shirube --home HOME serve --port 0``; returns the process and its base URL once
    /health answers. The server's stderr goes to ``home.parent / log_name`` (never a pipe nobody reads)."""
    code = "import sys; from shirube.cli import main; sys.exit(main())"
    log_path = home.parent / log_name
    log = open(log_path, "w")
    proc = subprocess.Popen([sys.executable, "-c", code, "--home", str(home), "serve", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=log, text=True, env=env)
    log.close()
    line = proc.stdout.readline()  # "標 Shirube API: http://127.0.0.1:PORT  （停止: Ctrl+C）"
    if "http://" not in line:
        proc.kill()
        pytest.fail(f"server did not start: {line}{log_path.read_text()[-3000:]}")
    url = line.split("API: ", 1)[1].split()[0]
    for _ in range(100):
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    pytest.fail("server never answered /health")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
