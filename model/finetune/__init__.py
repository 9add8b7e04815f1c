"""Fine-tuning a local LLM on the indexed corpus (extra ``[train]``).

* :mod:`model.finetune.sft_data` — the examples of ``shirube sft-data``
  (question, numbered passages, cited answer; built from the corpus by
  :mod:`shirube.sft`) and reading them back with their manifest;
* :mod:`model.finetune.train` — ``shirube finetune``: a LoRA adapter (peft +
  transformers Trainer) and its model card;
* :mod:`model.finetune.merge` — ``shirube finetune --merge OUT``: the adapter
  folded into the base model, a plain Hugging Face directory (vLLM, llama.cpp).
"""
