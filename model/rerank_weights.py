"""Weights of the extractive answerer's sentence scorer: a logistic regression
over :data:`model.sentence_score.FEATURES` (bias first), fitted by
``bench/fit_reranker.py`` on JSQuAD valid (sentence holds the gold answer),
validated on held-out folds split by article. Regenerate with that script."""

# bias, cov, cov_ctx, gram, form, key_mean, key_min, key_sent, focus_sent,
# rank_prior, first_in_passage, log_len, item, cov_count, top_passage
WEIGHTS: tuple[float, ...] = (
    -4.7150, 2.4266, 0.4578, 1.7903, 0.1081, -0.4290, 0.0416, 0.1058, 0.8135, 1.1545, 0.2821, 0.1208, 0.2002, -1.2157, 1.0145,
)
