#!/usr/bin/env python3
"""Check the sample corpus (samples/) against its question set (samples/qa.jsonl).

For every line of qa.jsonl this verifies that
  * the record has the expected fields and types, ids are unique;
  * every file named in "relevant" exists under samples/;
  * every answer string occurs (after Unicode NFKC normalisation, ignoring
    whitespace and line breaks) in at least one relevant document, at the stated
    location: on the stated page for PDFs (read with pypdf), inside the stated
    Article / Paragraph / Item for e-Gov law XML, in the visible text for HTML
    (<script>, <style> and <nav> excluded), and in the decoded text for
    .txt / .md files (UTF-8, Shift_JIS (cp932) or EUC-JP);
  * every relevant document contains at least one of the answers;
  * unanswerable questions have no relevant documents and no answers.
It also checks corpus-level properties (every document is used by a question,
all formats are present, PDFs have extractable Japanese text on every page).

Prints a summary and exits non-zero on any failure.

Usage: python tools/check_samples.py [--samples DIR] [-v]
"""
from __future__ import annotations

import argparse
import collections
import json
import re
import sys
import unicodedata
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIELDS = {"id": str, "question": str, "relevant": list, "page": (int, type(None)),
          "article": (str, type(None)), "answers": list, "answerable": bool}
FORMATS = {".pdf": "pdf", ".xml": "xml", ".html": "html", ".htm": "html",
           ".md": "md", ".txt": "txt"}
KANJI_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")}
ARTICLE_RE = re.compile(
    r"^(?P<art>第[〇一二三四五六七八九十百千]+条(?:の[〇一二三四五六七八九十]+)*)"
    r"(?:第(?P<para>[〇一二三四五六七八九十百]+)項)?"
    r"(?:第(?P<item>[〇一二三四五六七八九十百]+)号)?$")


def norm(s: str) -> str:
    """NFKC and drop all whitespace (PDF line breaks fall inside phrases)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))


def kanji_to_int(s: str) -> int:
    total, cur = 0, 0
    for ch in s:
        if ch in KANJI_DIGITS:
            cur = KANJI_DIGITS[ch]
        else:
            unit = {"十": 10, "百": 100, "千": 1000}[ch]
            total += (cur or 1) * unit
            cur = 0
    return total + cur


# ---------------------------------------------------------------- loaders

def decode_text(path: Path) -> tuple[str, str]:
    data = path.read_bytes()
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    name = path.name.lower()
    if "euc" in name:
        enc = "euc_jp"
    elif "sjis" in name or "shift" in name:
        enc = "cp932"
    else:
        raise ValueError("not UTF-8 and no encoding hint (_sjis/_eucjp) in the file name")
    return data.decode(enc), enc  # strict: raises on a wrong encoding


class VisibleText(HTMLParser):
    SKIP = {"script", "style", "nav", "noscript", "template"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def html_text(path: Path) -> str:
    p = VisibleText()
    p.feed(decode_text(path)[0])
    p.close()
    return "\n".join(p.parts)


_pdf_cache: dict[Path, list[str]] = {}


def pdf_pages(path: Path) -> list[str]:
    if path not in _pdf_cache:
        from pypdf import PdfReader
        _pdf_cache[path] = [pg.extract_text() or "" for pg in PdfReader(str(path)).pages]
    return _pdf_cache[path]


def xml_scope(path: Path, label: str) -> str:
    m = ARTICLE_RE.match(label)
    if not m:
        raise ValueError(f"cannot parse article label {label!r}")
    root = ET.parse(path).getroot()
    arts = [a for a in root.iter("Article")
            if (a.findtext("ArticleTitle") or "").strip() == m["art"]]
    if len(arts) != 1:
        raise ValueError(f"{len(arts)} articles titled {m['art']}")
    el = arts[0]
    if m["para"]:
        n = str(kanji_to_int(m["para"]))
        paras = [p for p in el.findall("Paragraph") if p.get("Num") == n]
        if len(paras) != 1:
            raise ValueError(f"{m['art']} has no paragraph {n}")
        el = paras[0]
    if m["item"]:
        n = str(kanji_to_int(m["item"]))
        items = [i for i in el.iter("Item") if i.get("Num") == n]
        if not items:
            raise ValueError(f"{label}: no item {n}")
        el = items[0]
    return "".join(el.itertext())


def doc_text(path: Path) -> str:
    kind = FORMATS.get(path.suffix.lower())
    if kind == "pdf":
        return "\n".join(pdf_pages(path))
    if kind == "xml":
        return "".join(ET.parse(path).getroot().itertext())
    if kind == "html":
        return html_text(path)
    return decode_text(path)[0]


# ---------------------------------------------------------------- checks

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="check samples/ against samples/qa.jsonl")
    ap.add_argument("--samples", type=Path, default=ROOT / "samples")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    sdir: Path = args.samples
    failures: list[str] = []

    def fail(msg: str) -> None:
        failures.append(msg)
        print("FAIL", msg)

    docs = sorted(p for p in sdir.iterdir() if p.is_file() and p.name != "qa.jsonl")
    by_format = collections.Counter(FORMATS.get(p.suffix.lower(), "other") for p in docs)

    # ---- corpus-level checks
    jp = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
    encodings = collections.Counter()
    for p in docs:
        kind = FORMATS.get(p.suffix.lower())
        if kind is None:
            fail(f"{p.name}: unexpected file type")
            continue
        if not re.fullmatch(r"[a-z0-9]+(?:_[a-z0-9]+)*\.[a-z]+", p.name):
            fail(f"{p.name}: file name is not ASCII snake_case")
        try:
            if kind == "pdf":
                pages = pdf_pages(p)
                if not 2 <= len(pages) <= 4:
                    fail(f"{p.name}: {len(pages)} pages")
                for i, t in enumerate(pages, 1):
                    if len(jp.findall(t)) < 50:
                        fail(f"{p.name}: page {i} has no extractable Japanese text")
            elif kind in ("txt", "md"):
                encodings[decode_text(p)[1]] += 1
            elif kind == "html":
                raw = decode_text(p)[0].lower()
                for tag in ("<title>", "<h1", "<h2", "<p", "<ul", "<script", "<style", "<nav"):
                    if tag not in raw:
                        fail(f"{p.name}: no {tag}> element")
            elif kind == "xml":
                root = ET.parse(p).getroot()
                if root.tag != "Law" or root.find("LawBody/LawTitle") is None:
                    fail(f"{p.name}: not an e-Gov <Law> document")
            n = len(norm(doc_text(p)))
            if not 800 <= n <= 3000:
                fail(f"{p.name}: {n} characters of text (want 800-3000)")
        except Exception as e:  # noqa: BLE001
            fail(f"{p.name}: cannot read: {e}")

    # ---- question-level checks
    qa_path = sdir / "qa.jsonl"
    lines = qa_path.read_text(encoding="utf-8").splitlines()
    seen: set[str] = set()
    used: collections.Counter = collections.Counter()
    stats = collections.Counter()
    records = []
    for ln, line in enumerate(lines, 1):
        if not line.strip():
            fail(f"qa.jsonl line {ln}: empty line")
            continue
        try:
            q = json.loads(line)
        except json.JSONDecodeError as e:
            fail(f"qa.jsonl line {ln}: bad JSON: {e}")
            continue
        records.append(q)
        qid = q.get("id", f"line{ln}")
        bad = [k for k, t in FIELDS.items() if k not in q or not isinstance(q[k], t)]
        extra = set(q) - set(FIELDS)
        if bad or extra:
            fail(f"{qid}: bad/missing fields {bad} extra {sorted(extra)}")
            continue
        if qid in seen:
            fail(f"{qid}: duplicate id")
        seen.add(qid)
        if not q["answerable"]:
            stats["unanswerable"] += 1
            if q["relevant"] or q["answers"] or q["page"] is not None or q["article"] is not None:
                fail(f"{qid}: unanswerable question must have empty relevant/answers and null page/article")
            continue
        stats["answerable"] += 1
        if not q["relevant"] or not 1 <= len(q["answers"]) <= 3:
            fail(f"{qid}: needs >=1 relevant document and 1-3 answers")
            continue
        pdfs = [r for r in q["relevant"] if r.endswith(".pdf")]
        xmls = [r for r in q["relevant"] if r.endswith(".xml")]
        if len(pdfs) > 1 or len(xmls) > 1:
            fail(f"{qid}: at most one PDF and one XML per question (page/article are single)")
        if bool(pdfs) != (q["page"] is not None):
            fail(f"{qid}: page must be given iff a PDF is relevant")
        if bool(xmls) != (q["article"] is not None):
            fail(f"{qid}: article must be given iff an XML law is relevant")
        found_any = {a: False for a in q["answers"]}
        for rel in q["relevant"]:
            path = sdir / rel
            used[rel] += 1
            if not path.is_file():
                fail(f"{qid}: relevant file {rel} does not exist")
                continue
            kind = FORMATS.get(path.suffix.lower())
            stats[f"q_{kind}"] += 1
            try:
                if kind == "pdf":
                    pages = pdf_pages(path)
                    if not 1 <= (q["page"] or 0) <= len(pages):
                        fail(f"{qid}: page {q['page']} out of range for {rel}")
                        continue
                    scope = pages[q["page"] - 1]
                    where = f"{rel} p.{q['page']}"
                    if q["page"] >= 2:
                        stats["pdf_page_ge2"] += 1
                elif kind == "xml":
                    scope = xml_scope(path, q["article"])
                    where = f"{rel} {q['article']}"
                    stats["law_questions"] += 1
                    m = ARTICLE_RE.match(q["article"])
                    if kanji_to_int(m["art"][1:-1].split("の")[0]) >= 10:
                        stats["law_article_ge10"] += 1
                    if m["para"] or m["item"]:
                        stats["law_paragraph_or_item"] += 1
                else:
                    scope = doc_text(path)
                    where = rel
            except Exception as e:  # noqa: BLE001
                fail(f"{qid}: {rel}: {e}")
                continue
            hits = [a for a in q["answers"] if norm(a) and norm(a) in norm(scope)]
            for a in hits:
                found_any[a] = True
            if not hits:
                whole = norm(doc_text(path))
                elsewhere = [a for a in q["answers"] if norm(a) in whole]
                hint = f" (found elsewhere in the document: {elsewhere})" if elsewhere else ""
                fail(f"{qid}: none of {q['answers']} in {where}{hint}")
            elif args.verbose:
                print(f"ok   {qid}: {hits} in {where}")
        for a, ok in found_any.items():
            if not ok:
                fail(f"{qid}: answer {a!r} found in no relevant document")

    if not 36 <= len(records) <= 45:
        fail(f"qa.jsonl has {len(records)} questions (want 36-45)")
    for p in docs:
        if used[p.name] == 0:
            fail(f"{p.name}: not used by any question")
    demo_kinds = [FORMATS.get(Path(r["relevant"][0]).suffix, "?") if r.get("relevant") else "-"
                  for r in records[:3]]
    if len(demo_kinds) < 3 or demo_kinds[0] != "pdf" or demo_kinds[1] != "xml" \
            or demo_kinds[2] not in ("txt", "md"):
        fail(f"first three questions should be pdf, xml, txt/md; got {demo_kinds}")

    # ---- summary
    print()
    print(f"documents : {len(docs)}  " + ", ".join(f"{k}={v}" for k, v in sorted(by_format.items())))
    print("text enc. : " + ", ".join(f"{k}={v}" for k, v in sorted(encodings.items())))
    print(f"questions : {len(records)}  answerable={stats['answerable']} "
          f"unanswerable={stats['unanswerable']}")
    print("by format : " + ", ".join(f"{k[2:]}={v}" for k, v in sorted(stats.items())
                                       if k.startswith("q_")))
    print(f"law       : {stats['law_questions']} questions, {stats['law_article_ge10']} on "
          f"articles >= 第十条, {stats['law_paragraph_or_item']} on a paragraph/item")
    print(f"pdf pages : {stats['pdf_page_ge2']} answers on page >= 2")
    if failures:
        print(f"\n{len(failures)} FAILURE(S)")
        return 1
    print("\nall checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
