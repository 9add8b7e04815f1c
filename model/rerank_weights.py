"""Weights of the extractive answerer's sentence scorer: a logistic model
over :data:`model.sentence_score.FEATURES` (bias first), fitted by
``bench/fit_reranker.py --gov-home … --gov-weight 10`` as the choice among each
question's candidate sentences (conditional logit, damped Newton steps), then
calibrated to P(holds the answer), on JSQuAD valid (target: the sentence holds
the gold answer) and the 306 answerable questions of bench/gov_qa (target: an
acceptable answer in the expected document and article or page), each of those
weighted 10. Held out on 5 folds (JSQuAD by article, gov_qa by document): the
best sentence holds the answer for 0.838 of JSQuAD's questions and 0.690 of
gov_qa's, one of the sentences quoted for 0.897 / 0.830 (without the caption
and topic features: 0.839 / 0.690 and 0.897 / 0.804). Regenerate with that script."""

# bias, cov, cov_ctx, gram, form, key_mean, key_min, key_sent, focus_sent,
# rank_prior, first_in_passage, log_len, item, cov_count, top_passage,
# precision, predicate, score_ratio, fragment, exception, supplementary, backref, caption, topic
WEIGHTS: tuple[float, ...] = (
    -4.6704, 1.1472, 0.4884, 0.0770, 1.3032, 0.5280, 0.0189, -0.3413, 0.7350, 1.0415, 0.1707, -0.1005, -0.0672, 0.1402, 0.0730, -0.4920, 0.1052, 0.7134, -0.5012, -0.5969, -1.8278, -0.2497, 1.1408, 0.3763,
)
