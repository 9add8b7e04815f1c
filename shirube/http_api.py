"""The HTTP API (``shirube serve``): the command line's rules over HTTP, for other systems.

    from shirube.api import Shirube
    from shirube.http_api import create_app
    app = create_app(Shirube.open(home="/srv/shirube", create=False))   # any ASGI server

Every endpoint but ``GET /health`` needs ``Authorization: Bearer <token>`` (``shirube token
create --user NAME``); a request acts as the token's user exactly as ``--as NAME`` does on the
command line: that user's role, clearance and departments *now* (a disabled account's tokens
stop working), the same audit rows (``search``, ``ask``, ``ingest_job`` … with that user), the
same Japanese messages, as ``{"error": "…"}`` with a status: 400 bad input, 401 no / unknown /
revoked / expired token, 403 not allowed, 404 unknown job or path, 413 body too large,
503 the catalog busy or the index or answer model unavailable.

Limits: a JSON body is at most :data:`JSON_LIMIT` bytes, an upload (``POST /documents``, every
file of it together) at most ``max_file_mb``; a question at most ``max_question_chars``.
The OpenAPI schema is ``GET /openapi.json`` (authenticated; no Swagger UI: it loads scripts from
a CDN, and these servers are offline).
"""

from __future__ import annotations

import json
import queue
import threading
from dataclasses import dataclass, replace
from typing import Any, Literal

from fastapi import Depends, FastAPI, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from base.errors import (
    AccessDenied, AnswerError, CatalogBusy, RetrievalError, SearchIndexError, ShirubeError,
)
from base.settings import ANSWERERS, MAX_TOP_K

from .api import ROLE_LABELS, AccessFilter, Shirube, TokenInvalid, has_role, job_runner

JSON_LIMIT = 1 << 20  # 1 MiB: a question, its history and options are a few kB
MULTIPART_SLACK = 1 << 16  # boundaries and form fields around the files
MAX_HISTORY = 20
MESSAGES = {404: "指定されたURLはありません", 405: "このURLではそのメソッドは使えません"}


class NotFound(ShirubeError):
    """An unknown job (or one of another user): 404."""


class TooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"リクエストが大きすぎます（上限 {limit / 1048576:.1f} MB）")


def status_of(exc: ShirubeError) -> int:
    if isinstance(exc, TokenInvalid):
        return 401
    if isinstance(exc, AccessDenied):
        return 403
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, (CatalogBusy, SearchIndexError, AnswerError)):
        return 503
    return 400  # ConfigError, IngestError, RetrievalError (empty or too long question) …


class _Json(JSONResponse):
    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, default=str).encode("utf-8")


def _error(status: int, message: str) -> _Json:
    headers = {"WWW-Authenticate": 'Bearer realm="shirube"'} if status == 401 else None
    return _Json({"error": " ".join(str(message).split())}, status_code=status, headers=headers)


@dataclass(frozen=True)
class Caller:
    """Who a request acts as: the token's user, with their role and access now."""

    name: str
    role: str
    access: AccessFilter

    def needs(self, role: str) -> None:  # the command line's words (shirube/cli/identity.py)
        if not has_role(self.role, role):
            raise AccessDenied(f"この操作には{ROLE_LABELS[role]}以上の権限が必要です"
                               f"（ユーザー「{self.name}」は{ROLE_LABELS.get(self.role, self.role)}）")

    def narrowed(self, max_label: int | None) -> AccessFilter:
        return replace(self.access, clearance=min(self.access.clearance, max_label)) if max_label else self.access


class SearchBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str = Field(description="検索語（max_question_chars 文字まで）")
    k: int | None = Field(None, ge=1, le=MAX_TOP_K, description="返す件数（既定: top_k）")
    mode: Literal["hybrid", "bm25", "ngram", "dense"] = "hybrid"
    max_label: Literal[1, 2, 3] | None = Field(None, description="この機密性以下の文書だけ")


class AskBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(description="質問（max_question_chars 文字まで）")
    history: list[str] = Field(default_factory=list, max_length=MAX_HISTORY,
                               description="同じ会話の前の質問（古い順）: 省略された追加質問を補います")
    k: int | None = Field(None, ge=1, le=MAX_TOP_K)
    answerer: Literal[ANSWERERS] | None = None  # type: ignore[valid-type]
    max_label: Literal[1, 2, 3] | None = None
    stream: bool = Field(False, description="true: NDJSON（{\"token\": …} の行、最後に {\"answer\": {…}}）")


class BodyLimit:
    """ASGI wrapper: a body over its limit is refused with 413 (by Content-Length, or while it
    arrives for a chunked one) before the application buffers it."""

    def __init__(self, app: Any, upload_limit: int) -> None:
        self.app, self.upload_limit = app, upload_limit

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        upload = scope["path"].rstrip("/") == "/documents" and scope["method"] == "POST"
        limit = self.upload_limit + MULTIPART_SLACK if upload else JSON_LIMIT
        length = dict(scope.get("headers") or ()).get(b"content-length", b"")
        if length.isdigit() and int(length) > limit:
            await _error(413, TooLarge(limit).detail)(scope, receive, send)
            return
        seen = 0

        async def counted() -> dict:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise TooLarge(limit)
            return message

        await self.app(scope, counted, send)


def create_app(sh: Shirube) -> Any:
    """The ASGI application over one engine (wrapped in :class:`BodyLimit`); ``.api`` is the FastAPI app."""
    api = FastAPI(title="標 Shirube API", version="1", docs_url=None, redoc_url=None, openapi_url=None,
                  default_response_class=_Json,
                  description="根拠を示す日本語文書アシスタントの HTTP API。GET /health 以外は "
                              "Authorization: Bearer <shirube token create で発行したトークン> が必要です。")

    @api.exception_handler(ShirubeError)
    async def _shirube_error(_: Request, exc: ShirubeError) -> _Json:
        return _error(status_of(exc), str(exc))

    @api.exception_handler(HTTPException)
    async def _http_error(_: Request, exc: HTTPException) -> _Json:
        text = exc.detail if isinstance(exc, TooLarge) else MESSAGES.get(exc.status_code, str(exc.detail))
        return _error(exc.status_code, text)

    @api.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> _Json:
        errs = exc.errors()
        where = ".".join(str(p) for p in errs[0].get("loc", ()) if p != "body") if errs else ""
        return _error(400, f"リクエストの形式が正しくありません（{where or '本文'}: {errs[0]['msg'] if errs else ''}）")

    @api.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> _Json:
        from indexer.catalog import is_busy

        if is_busy(exc):
            return _error(503, CatalogBusy.MESSAGE)
        first = (str(exc).strip().splitlines() or [""])[0]
        return _error(500, f"予期しないエラー: {type(exc).__name__}: {first}")

    def caller(request: Request) -> Caller:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        u = sh.tokens.authenticate(token.strip() if scheme.lower() == "bearer" else None)
        return Caller(u.name, u.role, sh.accounts.access_of(u))

    @api.get("/health", summary="稼働確認（認証不要）")
    def health() -> _Json:
        return _Json({"status": "ok"})

    @api.get("/openapi.json", include_in_schema=False)
    def openapi(who: Caller = Depends(caller)) -> _Json:
        return _Json(api.openapi())

    @api.post("/search", summary="検索: 閲覧できる文書の該当箇所（文書・ページ・条項・スコア）")
    def search(body: SearchBody, who: Caller = Depends(caller)) -> _Json:
        hits = sh.search(body.query, k=body.k, access=who.narrowed(body.max_label), mode=body.mode, user=who.name)
        return _Json({"query": body.query, "hits": [h.to_dict() for h in hits]})

    @api.post("/ask", summary="質問: 引用 [1][2] つきの回答（stream: NDJSON）")
    def ask(body: AskBody, who: Caller = Depends(caller)) -> Any:
        for q in body.history:  # an earlier question is a question too: the same limits
            if not q.strip() or len(q) > sh.settings.max_question_chars:
                raise RetrievalError(f"history の質問は1〜{sh.settings.max_question_chars}文字で指定してください")
        kwargs = dict(history=body.history or None, access=who.narrowed(body.max_label), answerer=body.answerer,
                      k=body.k, user=who.name)
        if not body.stream:
            return _Json(sh.ask(body.question, **kwargs).to_dict())
        return _streamed(sh, body.question, kwargs)

    @api.get("/documents", summary="文書一覧（閲覧できるものだけ）")
    def documents(who: Caller = Depends(caller)) -> _Json:
        return _Json({"documents": sh.documents(who.access)})

    @api.post("/documents", status_code=202, summary="登録: ファイルを受け付けてジョブ ID を返す（登録担当以上）")
    async def upload(
        files: list[UploadFile] = File(..., description="PDF・テキスト・Markdown・HTML・e-Gov 法令XML"),
        label: int = Form(1, description="機密性ラベル 1〜3（ご自身の閲覧可能な機密性まで）"),
        department: list[str] = Form(default_factory=list, description="担当部署（複数可）"),
        license: str = Form("", description="ライセンス・出典の注記"),
        who: Caller = Depends(caller),
    ) -> _Json:
        who.needs("clerk")
        if label > who.access.clearance:  # as `shirube ingest` and the app's upload page
            raise AccessDenied(f"ご自身の閲覧可能な機密性（{who.access.clearance}）より上のラベルでは登録できません"
                               f"（指定値: {label}）")
        data = [(f.filename or "upload", await f.read()) for f in files]
        job_id = await run_in_threadpool(lambda: sh.jobs.submit(
            data, label=label, departments=department, license=license.strip(), by=who.name, access=who.access))
        return _Json({"job_id": job_id, "state": "queued", "url": f"/jobs/{job_id}"}, status_code=202)

    @api.get("/jobs", summary="取り込みジョブの一覧（本人のもの。管理者は ?user= で絞り込み、既定は全員）")
    def jobs(user: str | None = None, limit: int = 20, who: Caller = Depends(caller)) -> _Json:
        who.needs("clerk")
        admin = who.role == "admin"
        return _Json({"jobs": sh.jobs.jobs(by=user if admin else who.name, limit=max(1, min(limit, 1000)))})

    @api.get("/jobs/{job_id}", summary="取り込みジョブとファイルごとの状態")
    def job(job_id: int, who: Caller = Depends(caller)) -> _Json:
        who.needs("clerk")
        try:
            j = sh.jobs.job(job_id)
        except ShirubeError:
            j = None
        if j is None or (who.role != "admin" and j["by"] != who.name):  # another user's job is not there
            raise NotFound(f"ジョブ {job_id} はありません")
        return _Json(j)

    @api.get("/status", summary="文書数・索引世代・モデル（閲覧できる範囲の件数）")
    def status(who: Caller = Depends(caller)) -> _Json:
        return _Json(sh.status(who.access))

    return BodyLimit(api, int(sh.settings.max_file_mb * 1048576))


def _streamed(sh: Shirube, question: str, kwargs: dict[str, Any]) -> Any:
    """``ask`` as NDJSON lines; an error before the first token is an ordinary error response."""
    out: queue.Queue = queue.Queue()

    def work() -> None:
        try:
            ans = sh.ask(question, on_token=lambda piece: out.put(("token", piece)), **kwargs)
            out.put(("answer", ans.to_dict()))
        except ShirubeError as exc:
            out.put(("error", exc))
        except Exception as exc:  # noqa: BLE001 - reported as one line, like the CLI
            out.put(("error", ShirubeError(f"予期しないエラー: {type(exc).__name__}: {exc}")))
        out.put(None)

    threading.Thread(target=work, name="shirube-api-ask", daemon=True).start()
    first = out.get()
    if first is not None and first[0] == "error":
        raise first[1]

    def lines():
        item = first
        while item is not None:
            kind, value = item
            value = str(value) if kind == "error" else value
            yield json.dumps({kind: value}, ensure_ascii=False, default=str) + "\n"
            item = out.get()

    return StreamingResponse(lines(), media_type="application/x-ndjson")


def serve(sh: Shirube, host: str = "127.0.0.1", port: int = 8080, on_ready: Any = None) -> None:
    """Run the API with uvicorn until interrupted; ``port`` 0 takes a free one (``on_ready(url)``)."""
    import socket

    import uvicorn

    sh.jobs.start_worker(resume=True, runner=job_runner(sh))  # jobs a crash or restart left queued or running go on here
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound = sock.getsockname()[1]
    if on_ready is not None:
        on_ready(f"http://{f'[{host}]' if family == socket.AF_INET6 else host}:{bound}")
    config = uvicorn.Config(create_app(sh), log_level="warning", access_log=False, timeout_graceful_shutdown=10)
    uvicorn.Server(config).run(sockets=[sock])


__all__ = ["Caller", "JSON_LIMIT", "NotFound", "create_app", "serve", "status_of"]
