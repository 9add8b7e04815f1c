"""Fine-tuning a local LLM on the indexed corpus (extra ``[train]``).

* :mod:`model.finetune.sft_data` — ``shirube sft-data``: (question, numbered
  passages, cited answer) examples + a manifest;
* :mod:`model.finetune.train` — ``shirube finetune``: a LoRA adapter (peft +
  transformers Trainer) and its model card.
"""
