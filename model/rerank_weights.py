"""Weights of the extractive answerer's sentence scorer: a logistic model
over :data:`model.sentence_score.FEATURES` (bias first), fitted by
``bench/fit_reranker.py`` on JSQuAD valid (sentence holds the gold answer) as
the choice among each question's candidate sentences (conditional logit),
then calibrated to P(holds the answer); validated on held-out folds split by
article (top-1 sentence holds the answer: 0.842 against 0.837 for a plain
logistic fit over the same features). Regenerate with that script."""

# bias, cov, cov_ctx, gram, form, key_mean, key_min, key_sent, focus_sent,
# rank_prior, first_in_passage, log_len, item, cov_count, top_passage,
# precision, predicate, score_ratio
WEIGHTS: tuple[float, ...] = (
    -3.8147, 0.6041, 0.4339, 0.5064, -0.0343, 0.3886, 0.4818, 0.5575, 0.4254, 0.3076, 0.3246, -0.0834, -0.0000, 0.5764, 0.6409, 0.3701, 0.4193, 0.3198,
)
