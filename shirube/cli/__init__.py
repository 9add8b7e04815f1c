"""``shirube`` command line: a thin layer over :class:`shirube.engine.Shirube`.

Every subcommand takes ``--home`` (default ``$SHIRUBE_HOME`` or ./.shirube)
and most take ``--json``. Errors print one line and exit 1 — no traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Sequence

from base.settings import ANSWERERS, MAX_TOP_K
from base.errors import AccessDenied, CatalogBusy, ShirubeError
from base.priority import lower_priority
from base.safe_text import printable

from .render import _lines, _one_line, format_answer  # noqa: F401  (shirube.demo, tests import them from here)


def _progress_bar(enabled: bool):
    """A progress callback drawing one tqdm bar per stage on stderr."""
    bars: dict[str, Any] = {}
    labels = {"load": "読み込み", "embed": "埋め込み", "bm25": "索引", "rechunk": "再分割", "eval": "評価"}

    def cb(stage: str, done: int, total: int) -> None:
        if not enabled:
            return
        from tqdm import tqdm

        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=labels.get(stage, stage), file=sys.stderr, leave=False)
        bar.total = total
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return cb


def _print(obj: Any, as_json: bool, text: str) -> None:
    if as_json:
        print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))
    else:
        print(text)


def int_in(lo: int, hi: int):
    """An argparse ``type``: an integer from ``lo`` to ``hi``, else a Japanese message (exit 2)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"整数で指定してください（指定値: {text}）") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{lo}〜{hi} の整数で指定してください（指定値: {value}）")
        return value

    parse.__name__ = "int"
    return parse


DOC_ID = int_in(1, 2**63 - 1)


def _engine(args: argparse.Namespace, create: bool = False):
    """The engine of ``--home``; only ingest, reindex and ``user add`` may create the home."""
    from ..api import Shirube

    overrides = {}
    if getattr(args, "embedder", None):
        overrides["embedder"] = args.embedder
    if getattr(args, "model", None):
        overrides["model_path"] = args.model
    if getattr(args, "adapter", None):
        overrides["adapter_path"] = args.adapter
    return Shirube.open(home=args.home, create=create, **overrides)


def _who(args: argparse.Namespace, sh, needs: str = "viewer"):
    """Who this command acts as, with at least the role ``needs`` (shirube/cli/identity.py)."""
    from .identity import access, resolve

    ident = resolve(args, sh, needs)
    return ident, access(args, ident)


def cmd_ingest(args: argparse.Namespace) -> int:
    sh = _engine(args, create=True)
    ident, access = _who(args, sh, "clerk")
    if args.label > access.clearance:  # as the app's upload page: not above one's own clearance
        raise AccessDenied(f"ご自身の閲覧可能な機密性（{access.clearance}）より上のラベルでは登録できません（指定値: {args.label}）")
    lower_priority(sh.settings.writer_nice)  # questions first: the app's questions beside this process get the cores
    report = sh.ingest(
        args.paths, label=args.label, departments=args.department or [], license=args.license or "",
        by=ident.name, progress=_progress_bar(not args.json and sys.stderr.isatty()), access=access,
    )
    marks = {"ok": "取込", "duplicate": "重複", "error": "エラー", "skipped": "スキップ"}
    skipped = f" / スキップ {len(report.skipped)}" if report.skipped else ""
    lines = [f"バッチ {report.batch_id}: 取り込み {len(report.ok)} / 重複 {len(report.duplicates)} / エラー {len(report.errors)}{skipped}"]
    for f in report.files:
        extra = f"（{f.chunks}チャンク）" if f.result == "ok" else f" — {f.reason}"
        lines.append(f"  [{marks[f.result]}] {printable(f.source)}{printable(extra)}")
    lines.append(f"マニフェスト: {printable(report.manifest_path)}")
    lines.append(f"索引世代: {report.generation}")
    _print(report.to_dict(), args.json, "\n".join(lines))
    for f in report.path_errors:  # a missing path or unreadable folder: the batch ran, the command failed
        print(f"エラー: {printable(f.source)}: {printable(f.reason)}", file=sys.stderr)
    return 1 if report.path_errors else 0


def cmd_search(args: argparse.Namespace) -> int:
    sh = _engine(args)
    ident, access = _who(args, sh)
    hits = sh.search(args.query, k=args.k, access=access, mode=args.mode, user=ident.name)
    lines = []
    for i, h in enumerate(hits, 1):
        snippet = printable(h.text.replace("\n", " ")[:160])
        lines.append(f"{i}. [{h.score:.3f}] {printable(h.title)}（{printable(h.source)}）{printable(h.locator)}\n   {snippet}")
    _print([h.to_dict() for h in hits], args.json, "\n".join(lines) or "該当なし")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from . import conversation

    sh = _engine(args)
    ident, access = _who(args, sh)
    home, who = sh.settings.home, conversation.who(ident.name)
    history = [*(conversation.last_questions(home, who) if args.follow_up else []), *(args.context or [])]
    stream = not args.json and sys.stdout.isatty()
    if stream:
        print(f"質問: {printable(args.question)}", flush=True)

    def on_token(piece: str) -> None:
        print(_lines(piece), end="", flush=True)

    ans = sh.ask(args.question, history=history or None, access=access, answerer=args.answerer, k=args.k,
                 on_token=on_token if stream else None, user=ident.name)
    conversation.remember(home, who, ans.searched or args.question, history=history if args.follow_up else ())
    searched = f"検索した質問: {printable(ans.searched)}\n" if ans.searched else ""
    if stream:
        print("\n")
        body = format_answer(ans).split("\n", 1)[1] if ans.answered else format_answer(ans)
        print((searched + body) if searched else body)
    else:
        _print(ans.to_dict(), args.json, f"質問: {printable(args.question)}\n{searched}{format_answer(ans)}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    sh = _engine(args)
    st = sh.status(_who(args, sh)[1])  # counts and manifests of what this user may see
    docs = st["documents"]
    lines = [
        f"データディレクトリ: {st['home']}",
        f"カタログ: {st['database']}",
        f"文書: 有効 {docs.get('active', 0)} / 保留 {docs.get('pending', 0)} / 削除 {docs.get('deleted', 0)}  種類別 {st['documents_by_kind']}",
        f"チャンク: {st['chunks']}（索引内 {st['indexed_chunks']}）",
        f"索引世代: {st['generation']}  種類: {st['index_type']}  次元: {st['dim']}",
        f"埋め込みモデル: {st['embedder']}",
        f"索引ディスク使用量: {st['index_disk_bytes'] / 1e6:.1f} MB",
        f"索引の検査: {'問題なし' if not st['index_problems'] else '; '.join(st['index_problems'])}",
        f"マニフェスト: {len(st['manifests'])} 件",
    ]
    for m in st["manifests"][-10:]:
        lines.append(f"  {m['when']}  {m['kind']}  {m['counts']}  {m['path']}")
    _print(st, args.json, "\n".join(lines))
    return 0


def cmd_reindex(args: argparse.Namespace) -> int:
    sh = _engine(args, create=True)
    ident, _ = _who(args, sh, "admin")
    lower_priority(sh.settings.writer_nice)  # questions first: the app's questions beside this process get the cores
    name = sh.reindex(full=args.full, progress=_progress_bar(not args.json and sys.stderr.isatty()), by=ident.name)
    _print({"generation": name, "full": args.full}, args.json, f"索引世代 {name} に切り替えました")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from ..api import evaluate, load_qa

    sh = _engine(args)
    ident, access = _who(args, sh)
    items = load_qa(args.qa)
    bar = _progress_bar(not args.json and sys.stderr.isatty())
    actor = sh.audit_trail.start_evaluation(ident.name, qa=str(args.qa), questions=len(items))  # eval:<who>/<run>
    if getattr(args, "answerers", None) and not args.no_answer:
        return _eval_answerers(args, sh, items, access, bar, actor)
    res = evaluate(
        items,
        lambda q: sh.search(q, k=10, access=access, user=actor),
        None if args.no_answer else (lambda q: sh.ask(q, access=access, answerer=args.answerer, user=actor)),
        progress=lambda d, t: bar("eval", d, t),
    )
    if not args.items:
        res.pop("items", None)
    r = res["retrieval"]
    lines = [
        f"質問数: {res['questions']}",
        "Recall@1 {0:.3f}  Recall@5 {1:.3f}  Recall@10 {2:.3f}  MRR@10 {3:.3f}  nDCG@10 {4:.3f}".format(
            r["recall@1"], r["recall@5"], r["recall@10"], r["mrr@10"], r["ndcg@10"]),
    ]
    if "answer" in res:
        a = res["answer"]
        lines.append(
            f"answer_hit {a['answer_hit']:.3f}  citation_hit {a['citation_hit']:.3f}  location_hit {a['location_hit']:.3f}"
            f"  false_refusal {a['false_refusal_rate']:.3f}  refusal(unanswerable) {a['refusal_rate_unanswerable']}"
        )
        lines.append(_grounding_line(a))
        if a.get("refusals_by_check"):
            from ..evaluate import refusal_lines

            lines += ["「資料にない」と判断した理由:", *("  " + x for x in refusal_lines(a["refusals_by_check"]))]
    lat = res["latency"]
    lines.append("latency: " + "  ".join(f"{k} {v * 1000:.1f}ms" for k, v in lat.items()))
    _print(res, args.json, "\n".join(lines))
    return 0


def _grounding_line(a: dict) -> str:
    def f(v):
        return "-" if v is None else f"{v:.3f}"

    return (f"{a.get('answerer', '')}: citation_precision {f(a.get('citation_precision'))}"
            f"  unsupported_sentences {f(a.get('unsupported_sentence_rate'))}  fallback {f(a.get('fallback_rate'))}"
            f"  tokens {a.get('completion_tokens', 0)}  tokens/s {f(a.get('tokens_per_s'))}")


def _eval_answerers(args: argparse.Namespace, sh, items, access, bar, actor: str) -> int:
    """``eval --answerers extractive,gguf``: the answer metrics of each answerer, side by side."""
    from ..api import evaluate_answerers

    names = [n.strip() for n in args.answerers.split(",") if n.strip()]
    bad = [n for n in names if n not in ANSWERERS]
    if bad:
        raise ShirubeError(f"unknown answerer(s): {', '.join(bad)}")
    res = evaluate_answerers(
        items, lambda q: sh.search(q, k=10, access=access, user=actor),
        {n: (lambda q, n=n: sh.ask(q, access=access, answerer=n, user=actor)) for n in names},
        progress=lambda d, t: bar("eval", d, t),
    )
    lines = [f"質問数: {res['questions']}"]
    for n, a in res["answerers"].items():
        lines.append(
            f"[{n}] answer_hit {a['answer_hit']:.3f}  citation_hit {a['citation_hit']:.3f}"
            f"  false_refusal {a['false_refusal_rate']:.3f}  refusal(unanswerable) {a['refusal_rate_unanswerable']}"
            f"  ask_p50 {a['ask_p50_s'] * 1000:.0f}ms"
        )
        lines.append("    " + _grounding_line(a))
    _print(res, args.json, "\n".join(lines))
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    sh = _engine(args)
    ident, access = _who(args, sh, "admin")
    sh.document(args.document_id, access)  # a document the admin may not see is "not found"
    name = sh.delete_document(args.document_id, by=ident.name)
    _print({"deleted": args.document_id, "generation": name}, args.json, f"文書 {args.document_id} を削除しました（索引世代 {name}）")
    return 0


def cmd_documents(args: argparse.Namespace) -> int:
    sh = _engine(args)
    docs = sh.documents(_who(args, sh)[1])
    lines = [f"{d['id']:>4}  機密性{d['label']}  {d['kind']:<9} {printable(d['title'])}（{printable(d['source'])}）"
             for d in docs]
    _print(docs, args.json, "\n".join(lines) or "文書はありません")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="shirube", description="標 Shirube — 根拠を示す日本語文書アシスタント")
    p.add_argument("--home", default=os.environ.get("SHIRUBE_HOME"), help="data directory (default ./.shirube)")
    sub = p.add_subparsers(dest="command", required=True)

    def add(name: str, fn, help: str, json_flag: bool = True) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help)
        sp.set_defaults(fn=fn)
        if json_flag:
            sp.add_argument("--json", action="store_true", help="machine-readable output")
        sp.add_argument("--embedder", help="override the configured embedder")
        add_identity(sp)
        return sp

    sp = add("ingest", cmd_ingest, "ingest files or folders as one batch")
    sp.add_argument("paths", nargs="+")
    sp.add_argument("--label", type=int, default=1, choices=(1, 2, 3), help="機密性 level 1–3")
    sp.add_argument("--department", action="append", help="department (repeatable)")
    sp.add_argument("--license", default="", help="licence / source note")

    for name, fn, hlp in (("search", cmd_search, "ranked passages"), ("ask", cmd_ask, "answer with citations")):
        sp = add(name, fn, hlp)
        sp.add_argument("query" if name == "search" else "question")
        sp.add_argument("-k", type=int_in(1, MAX_TOP_K), default=None, help=f"number of passages (1–{MAX_TOP_K})")
        sp.add_argument("--max-label", type=int, choices=(1, 2, 3), help="only documents up to this label")
        if name == "search":
            sp.add_argument("--mode", default="hybrid", choices=("hybrid", "bm25", "ngram", "dense"))
        else:
            sp.add_argument("--answerer", default=None, choices=ANSWERERS)
            sp.add_argument("--model", help="model file/directory for gguf or transformers answerers")
            sp.add_argument("--adapter", help="LoRA adapter directory for the transformers answerer")
            sp.add_argument("--follow-up", action="store_true",
                            help="a follow-up to the last question asked in this home (per --as / OS user)")
            sp.add_argument("--context", action="append", metavar="QUESTION",
                            help="an earlier question of the conversation, oldest first (repeatable)")

    add("status", cmd_status, "documents, chunks, index generation, models, disk")
    sp = add("reindex", cmd_reindex, "bring the index up to date (--full: new generation from scratch)")
    sp.add_argument("--full", action="store_true")
    sp = add("eval", cmd_eval, "retrieval and answer metrics on a QA JSONL file")
    sp.add_argument("--qa", required=True)
    sp.add_argument("--answerer", default=None, choices=ANSWERERS)
    sp.add_argument("--model", help="model file/directory for gguf or transformers answerers")
    sp.add_argument("--adapter", help="LoRA adapter directory for the transformers answerer")
    sp.add_argument("--no-answer", action="store_true", help="retrieval metrics only")
    sp.add_argument("--answerers", help="compare answerers, comma-separated (e.g. extractive,gguf)")
    sp.add_argument("--items", action="store_true", help="include per-question rows in --json")
    sp.add_argument("--max-label", type=int, choices=(1, 2, 3))
    sp = add("delete", cmd_delete, "delete a document (and drop it from the index)")
    sp.add_argument("document_id", type=DOC_ID)
    add("documents", cmd_documents, "list documents")
    # Subcommands of other areas live in their own modules (users, models, audit…):
    # each exposes register(add) and is skipped when absent.
    import importlib

    for mod in PLUGINS:
        try:
            module = importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name != mod:
                raise
            continue
        module.register(add)
    return p


PLUGINS = ("shirube.cli.users", "shirube.cli.models", "shirube.cli.audit", "shirube.cli.jobs", "shirube.cli.feedback",
           "shirube.cli.tokens", "shirube.cli.serve")


def add_identity(parser: argparse.ArgumentParser, default=None) -> None:
    """``--as USER`` (alias ``--by``): who the command acts as (shirube/cli/identity.py)."""
    parser.add_argument("--as", "--by", dest="as_user", metavar="USER", default=default,
                        help="act as this user (default: config operator / SHIRUBE_OPERATOR); --by is the same")


def _line(text: object) -> str:
    return " ".join(str(text).split())


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Every error is one line on stderr, exit 1 — never a traceback
    (usage errors: argparse's usage line and message, exit 2)."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.fn(args) or 0)
    except ShirubeError as exc:
        print(f"エラー: {_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("中断しました", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `shirube ask … | head`: the reader left, nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # e.g. an --out folder that cannot be written: name it
        print(f"エラー: 読み書きできません: {_line(exc.filename or '')}（{exc.strerror or exc}）", file=sys.stderr)
        return 1
    except Exception as exc:  # last resort: a bug or an unexpected database error, still one line
        from indexer.catalog import is_busy

        if is_busy(exc):
            print(f"エラー: {_line(CatalogBusy.MESSAGE)}", file=sys.stderr)
        else:
            first = (str(exc).strip().splitlines() or [""])[0]
            print(f"予期しないエラー: {type(exc).__name__}: {_line(first)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
