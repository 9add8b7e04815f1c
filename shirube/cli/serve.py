"""``shirube serve``: the HTTP API (shirube/http_api.py) with uvicorn.

Registered by :func:`shirube.cli.build_parser` through ``register(add)``. FastAPI and uvicorn
are imported only when the command runs, so the rest of the command line does not pay for them.
"""

from __future__ import annotations

import argparse
import json

from base.errors import MissingExtra


def cmd_serve(args: argparse.Namespace) -> int:
    from . import _engine

    try:
        from .. import http_api
    except ModuleNotFoundError as exc:
        if exc.name in ("fastapi", "uvicorn", "starlette", "pydantic", "multipart", "python_multipart"):
            raise MissingExtra(exc.name, "api") from exc
        raise
    sh = _engine(args)
    if args.print_openapi:  # the schema, without starting a server (the running one needs a token)
        print(json.dumps(http_api.create_app(sh).app.openapi(), ensure_ascii=False, indent=2))
        return 0

    def ready(url: str) -> None:
        print(f"標 Shirube API: {url}  （停止: Ctrl+C）", flush=True)

    try:
        http_api.serve(sh, host=args.host, port=args.port, on_ready=ready)
    finally:
        sh.close()
    return 0


def register(add) -> None:
    from . import int_in  # the package registering this module: loaded by now

    sp = add("serve", cmd_serve, "HTTP API (FastAPI + uvicorn): /search /ask /documents /jobs /status",
             json_flag=False)
    sp.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    sp.add_argument("--port", type=int_in(0, 65535), default=8080, help="port (0: a free one, printed)")
    sp.add_argument("--print-openapi", action="store_true", help="print the OpenAPI schema (JSON) and exit")
