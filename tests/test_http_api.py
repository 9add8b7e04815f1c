"""The HTTP API (``shirube serve``) as a real server process on 127.0.0.1, driven with httpx.

A home with the fake embedder holds a label-1 document, a label-2 人事課 one and a label-3
canary; users of every role get tokens through ``shirube token create``. The canary's code word
and title must never reach a clearance-1 token through any endpoint; tokens that are wrong,
revoked or expired get 401 with a Japanese message; bad input gets 400 / 403 / 413; an upload
becomes a job whose document is then searchable. SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import update

from shirube.cli import main as cli
from shirube.engine import Shirube

from .api_util import start_server as _start
from .conftest import pg_database

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")

CANARY, CANARY_TITLE = "ヒノキヒノキ", "ヒノキ秘密規程"
DOCS = [  # (file, label, departments, body)
    ("public.md", 1, [], "アカシア公開規程\n\n第1条 アカシア事業の補助金の申請期限は毎年4月末日とする。\n"),
    ("jinji.md", 2, ["人事課"], "カエデ人事規程\n\n第1条 カエデ事業の補助金の申請期限は毎年6月末日とする。\n"),
    ("secret.md", 3, [], f"{CANARY_TITLE}\n\n第1条 この規程の合言葉は{CANARY}とする。補助金の申請期限は毎年9月末日とする。\n"),
]
USERS = [  # name, role, clearance, departments
    ("kanri", "admin", 3, None), ("ippan", "clerk", 1, ["総務課"]), ("etsuran", "viewer", 1, []),
    ("jinji3", "clerk", 3, ["人事課"]),
]


def token(capsys, home, user: str, *extra: str) -> dict:
    capsys.readouterr()
    assert cli(["--home", str(home), "token", "create", "--user", user, "--json", "--as", "kanri", *extra]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory):
    home = tmp_path_factory.mktemp("api") / "home"
    home.mkdir()
    url = f"sqlite:///{home / 'catalog.sqlite'}" if request.param == "sqlite" else pg_database(request)
    (home / "config.toml").write_text(
        f'embedder = "fake"\ndb_url = "{url}"\nparse_in_subprocess = false\ncandidates = 5\nmax_file_mb = 1.0\n',
        encoding="utf-8")
    sh = Shirube.open(home=home)
    for name, role, clearance, depts in USERS:
        sh.accounts.add(name, "長い合言葉ですよね", role, clearance, depts or [])
    for fname, label, depts, body in DOCS:
        assert sh.ingest_bytes([(fname, body.encode())], label=label, departments=depts, by="kanri").ok
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIRUBE_")}
    proc, base = _start(home, env)
    yield {"home": home, "sh": sh, "url": base, "tokens": {}}
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    sh.close()


@pytest.fixture(scope="module")
def tokens(world):
    """One token per user, made through the CLI (capsys is function-scoped: call it directly)."""
    import contextlib
    import io

    out = {}
    for name, *_ in USERS:
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            assert cli(["--home", str(world["home"]), "token", "create", "--user", name, "--json", "--as", "kanri"]) == 0
        out[name] = json.loads(buf.getvalue())["token"]
    return out


def call(world, method: str, path: str, tok: str | None = None, **kw) -> httpx.Response:
    headers = {**({"Authorization": f"Bearer {tok}"} if tok else {}), **kw.pop("headers", {})}
    return httpx.request(method, world["url"] + path, headers=headers, timeout=60, **kw)


def test_health_is_the_only_open_endpoint(world):
    assert call(world, "GET", "/health").json() == {"status": "ok"}
    for method, path, body in (("POST", "/search", {"query": "補助金"}), ("POST", "/ask", {"question": "補助金"}),
                               ("GET", "/documents", None), ("GET", "/status", None), ("GET", "/jobs/1", None),
                               ("GET", "/jobs", None), ("GET", "/openapi.json", None), ("GET", "/docs", None)):
        r = call(world, method, path, json=body)
        assert r.status_code in (401, 404), (path, r.status_code)
        if path != "/docs":
            assert r.status_code == 401 and "認証が必要です" in r.json()["error"], path
            assert r.headers["www-authenticate"].startswith("Bearer")
        assert "ヒノキ" not in r.text


def test_wrong_token_is_401_in_japanese(world, tokens):
    good = tokens["ippan"]
    for bad in ("nonsense", good[:-1] + ("A" if good[-1] != "A" else "B"), "shr_00000000_" + "x" * 43):
        r = call(world, "POST", "/search", bad, json={"query": "補助金"})
        assert r.status_code == 401 and r.json() == {"error": "APIトークンが正しくありません"}
    r = httpx.post(world["url"] + "/search", json={"query": "補助金"}, headers={"Authorization": f"Basic {good}"})
    assert r.status_code == 401


def test_revoked_and_expired_tokens(world, capsys):
    home = world["home"]
    info = token(capsys, home, "ippan", "--note", "試験")
    assert call(world, "POST", "/search", info["token"], json={"query": "アカシア"}).status_code == 200
    assert cli(["--home", str(home), "token", "revoke", str(info["id"]), "--as", "kanri"]) == 0
    r = call(world, "POST", "/search", info["token"], json={"query": "アカシア"})
    assert r.status_code == 401 and "取り消されています" in r.json()["error"]

    old = token(capsys, home, "ippan", "--expires-days", "1")
    assert call(world, "GET", "/documents", old["token"]).status_code == 200
    from indexer.tables import ApiToken

    with world["sh"].catalog.session() as s:
        s.execute(update(ApiToken).where(ApiToken.id == old["id"])
                  .values(expires_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)))
    r = call(world, "GET", "/documents", old["token"])
    assert r.status_code == 401 and "有効期限が切れています" in r.json()["error"]

    capsys.readouterr()
    assert cli(["--home", str(home), "token", "list", "--json", "--as", "kanri"]) == 0
    listed = json.loads(capsys.readouterr().out)
    states = {t["id"]: t["state"] for t in listed}
    assert states[info["id"]] == "revoked" and states[old["id"]] == "expired"
    assert all(info["token"] not in json.dumps(t) for t in listed)  # never shown again
    # only an admin makes tokens; audited
    assert cli(["--home", str(home), "token", "create", "--user", "ippan", "--as", "ippan"]) == 1
    actions = [e["action"] for e in world["sh"].audit_trail.events(limit=50)]
    assert "token_create" in actions and "token_revoke" in actions


def test_a_clearance_1_token_never_sees_the_label_3_canary(world, tokens):
    low, high = tokens["ippan"], tokens["kanri"]
    queries = [CANARY, "この規程の合言葉は何ですか", "補助金の申請期限はいつですか"]
    for q in queries:
        for mode in ("hybrid", "bm25", "ngram", "dense"):
            r = call(world, "POST", "/search", low, json={"query": q, "mode": mode, "k": 10})
            hits = json.dumps(r.json()["hits"], ensure_ascii=False)  # (the query itself is echoed)
            assert r.status_code == 200 and "ヒノキ" not in hits and "secret.md" not in hits
        r = call(world, "POST", "/ask", low, json={"question": q})
        out = {k: v for k, v in r.json().items() if k not in ("question", "searched")}  # the user's own words
        assert r.status_code == 200 and "ヒノキ" not in json.dumps(out, ensure_ascii=False)
    docs = call(world, "GET", "/documents", low).json()["documents"]
    assert {d["title"] for d in docs} == {"アカシア公開規程"}
    # a refusal's closest sentences come only from what the token may read
    ans = call(world, "POST", "/ask", low, json={"question": f"{CANARY}の保管期限は何年ですか"}).json()
    assert "closest" in ans and {c["title"] for c in ans["closest"]} <= {"アカシア公開規程"}
    status = call(world, "GET", "/status", low)
    assert status.status_code == 200 and "ヒノキ" not in status.text and "secret.md" not in status.text
    assert status.json()["documents"]["active"] == 1
    # the positive control: the admin (clearance 3) finds it through the same endpoints
    assert CANARY in call(world, "POST", "/search", high, json={"query": CANARY, "mode": "bm25"}).text
    assert CANARY_TITLE in {d["title"] for d in call(world, "GET", "/documents", high).json()["documents"]}
    # a label-3 upload by another user: its job is not there for the clearance-1 clerk
    files = {"files": ("himitsu.md", f"ヒノキ極秘\n\n第1条 {CANARY}の保管期限は十年とする。\n".encode())}
    r = call(world, "POST", "/documents", tokens["jinji3"], files=files, data={"label": "3"})
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    r = call(world, "GET", f"/jobs/{job_id}", low)
    assert r.status_code == 404 and r.json() == {"error": f"ジョブ {job_id} はありません"}
    assert "himitsu" not in call(world, "GET", "/jobs", low).text
    assert call(world, "GET", f"/jobs/{job_id}", high).json()["by"] == "jinji3"  # admins see every job
    # the token's user is the audited one
    mine = [e for e in world["sh"].audit_trail.events(limit=500) if e["user"] == "ippan"]
    assert {"search", "ask"} <= {e["action"] for e in mine}


def test_rights_follow_the_role_and_clearance(world, tokens):
    up = {"files": ("a.md", "テスト\n\n本文です。\n".encode())}
    r = call(world, "POST", "/documents", tokens["etsuran"], files=up)
    assert r.status_code == 403 and r.json() == {"error": "この操作には登録担当以上の権限が必要です（ユーザー「etsuran」は閲覧者）"}
    r = call(world, "POST", "/documents", tokens["ippan"], files=up, data={"label": "3"})
    assert r.status_code == 403 and "より上のラベルでは登録できません（指定値: 3）" in r.json()["error"]
    assert call(world, "GET", "/jobs/1", tokens["etsuran"]).status_code == 403


def test_bad_input(world, tokens):
    tok = tokens["ippan"]
    r = call(world, "POST", "/ask", tok, json={"question": ""})
    assert r.status_code == 400 and r.json()["error"] == "検索語が空です"
    r = call(world, "POST", "/search", tok, json={"query": "あ" * 1001})
    assert r.status_code == 400 and "質問が長すぎます（1001文字、上限1000文字）" in r.json()["error"]
    r = call(world, "POST", "/search", tok, content=b'{"query": "x", "pad": "' + b"a" * (2 << 20) + b'"}',
             headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "リクエストが大きすぎます" in r.json()["error"]
    big = {"files": ("big.txt", b"a" * (2 << 20))}
    r = call(world, "POST", "/documents", tok, files=big)
    assert r.status_code == 413 and "リクエストが大きすぎます" in r.json()["error"]

    def chunks():  # no Content-Length: counted while it arrives
        for _ in range(40):
            yield b"a" * 65536

    r = call(world, "POST", "/search", tok, content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    for body in ({"query": "x", "k": 0}, {"query": "x", "mode": "regex"}, {"nothing": 1}, [1, 2]):
        r = call(world, "POST", "/search", tok, json=body)
        assert r.status_code == 400 and r.json()["error"].startswith("リクエストの形式が正しくありません"), body
    r = call(world, "POST", "/search", tok, content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert call(world, "GET", "/nowhere", tok).json() == {"error": "指定されたURLはありません"}


def test_upload_becomes_a_job_then_a_searchable_document(world, tokens):
    tok = tokens["ippan"]
    body = "サザンカ窓口規程\n\n第1条 サザンカ窓口の受付時間は午前九時から午後五時までとする。\n"
    r = call(world, "POST", "/documents", tok, files=[("files", ("sazanka.md", body.encode()))],
             data={"label": "1", "department": ["総務課"], "license": "試験"})
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    for _ in range(300):
        job = call(world, "GET", f"/jobs/{job_id}", tok).json()
        if job["state"] not in ("queued", "running"):
            break
        time.sleep(0.1)
    assert job["state"] == "done" and job["files"][0]["state"] == "ok", job
    assert job["by"] == "ippan"
    hits = call(world, "POST", "/search", tok, json={"query": "サザンカ窓口の受付時間"}).json()["hits"]
    assert hits and hits[0]["title"] == "サザンカ窓口規程"
    ans = call(world, "POST", "/ask", tok, json={"question": "サザンカ窓口の受付時間は？"}).json()
    assert ans["answered"] and ans["citations"][0]["title"] == "サザンカ窓口規程"
    # streamed: NDJSON lines, the last one the whole answer
    r = call(world, "POST", "/ask", tok, json={"question": "サザンカ窓口の受付時間は？", "stream": True})
    lines = [json.loads(x) for x in r.text.splitlines() if x.strip()]
    assert r.headers["content-type"].startswith("application/x-ndjson") and "answer" in lines[-1]
    assert lines[-1]["answer"]["citations"][0]["title"] == "サザンカ窓口規程"
    ev = [e for e in world["sh"].audit_trail.events(limit=100) if e["action"] == "ingest_job"]
    assert any(e["user"] == "ippan" and e["detail"]["job_id"] == job_id for e in ev)


def test_openapi_schema_needs_a_token(world, tokens):
    r = call(world, "GET", "/openapi.json", tokens["etsuran"])
    assert r.status_code == 200
    assert {"/search", "/ask", "/documents", "/jobs/{job_id}", "/status", "/health"} <= set(r.json()["paths"])


def test_serve_command_line(world, capsys, tmp_path):
    # the command line does not pay for FastAPI; serve refuses a missing home and a bad port
    code = "import sys; from shirube.cli import build_parser; build_parser(); print('fastapi' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
    capsys.readouterr()
    assert cli(["--home", str(tmp_path / "nowhere"), "serve"]) == 1
    assert "データディレクトリがありません" in capsys.readouterr().err and not (tmp_path / "nowhere").exists()
    with pytest.raises(SystemExit) as exc:
        cli(["--home", str(world["home"]), "serve", "--port", "70000"])
    assert exc.value.code == 2
    assert cli(["--home", str(world["home"]), "serve", "--print-openapi"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["info"]["title"] == "標 Shirube API" and "/ask" in schema["paths"]
