"""Shared helpers for the LLM answerer tests (not a test module)."""

from __future__ import annotations

import functools
from typing import Any

from model.answerer import Passage
from model.grounded import Generation, GroundedAnswerer
from model.records import Hit


def passage(n: int, text: str, title: str = "テスト文書", article: str | None = None) -> Passage:
    hit = Hit(n, n, n, title, f"doc{n}.txt", "text", 1, None, article, None, text, 0, len(text), 1.0)
    return Passage(hit, text, [])


class ScriptedAnswerer(GroundedAnswerer):
    """A backend that 'generates' a fixed text, piece by piece (for pipeline tests)."""

    name = "scripted"
    model_id = "scripted-v0"

    def __init__(self, text: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.text = text
        self.seen: list[list[dict[str, str]]] = []

    def provenance(self) -> dict[str, Any]:
        return {"kind": "test"}

    def generate(self, messages, *, max_tokens, temperature, timeout_s, on_piece=None) -> Generation:
        self.seen.append(messages)
        for i in range(0, len(self.text), 3):
            if on_piece:
                on_piece(self.text[i:i + 3])
        return Generation(self.text, 100, len(self.text) // 3, 0.01, "stop", self.model_id)


@functools.lru_cache(maxsize=1)
def gemma_path() -> str:
    from model.provenance import bundled_gemma

    return str(bundled_gemma())


JA_TEXT = [
    "職員は、1日につき2時間を超えない範囲内で部分休業をすることができる。",
    "住民票の写しの交付手数料は、1通につき300円とする。",
    "開示請求があった日から15日以内に決定しなければならない。",
    "資料の中に該当する記述が見つかりませんでした。",
    "質問: 回答: 資料 番号 出典 規則 あなたは 文書 根拠 答えてください。",
]


def tiny_llama(path, corpus: list[str] | None = None, seed: int = 0) -> str:
    """A random-initialised tiny Llama + a BPE tokenizer trained here on Japanese text; saved to ``path``."""
    from pathlib import Path

    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    from model.prompt import SYSTEM_PROMPT

    path = Path(path)
    texts = list(corpus or []) + JA_TEXT + [SYSTEM_PROMPT]
    tk = Tokenizer(models.BPE(unk_token="<unk>"))
    tk.pre_tokenizer = pre_tokenizers.Metaspace()
    tk.decoder = decoders.Metaspace()
    tk.train_from_iterator(texts * 3, trainers.BpeTrainer(
        vocab_size=800, special_tokens=["<unk>", "<s>", "</s>", "<pad>"], min_frequency=1,
    ))
    tok = PreTrainedTokenizerFast(
        tokenizer_object=tk, unk_token="<unk>", bos_token="<s>", eos_token="</s>", pad_token="<pad>",
    )
    torch.manual_seed(seed)
    cfg = LlamaConfig(
        vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=4096,
        bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
    )
    model = LlamaForCausalLM(cfg)
    model.save_pretrained(path)
    tok.save_pretrained(path)
    return str(path)
