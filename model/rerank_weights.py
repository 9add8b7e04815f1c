"""Weights of the extractive answerer's sentence scorer: a logistic model
over :data:`model.sentence_score.FEATURES` (bias first), fitted by
``bench/fit_reranker.py --gov-home … --gov-weight 10`` as the choice among each
question's candidate sentences (conditional logit, damped Newton steps), then
calibrated to P(holds the answer), on JSQuAD valid (target: the sentence holds
the gold answer) and the 306 answerable questions of bench/gov_qa (target: an
acceptable answer in the expected document and article or page), each of those
weighted 10. Held out on 5 folds (JSQuAD by article, gov_qa by document): the
best sentence holds the answer for 0.840 of JSQuAD's questions and 0.686 of
gov_qa's (a fit on JSQuAD alone: 0.844 / 0.683; the weights before the damped
steps: 0.842 / 0.631). Regenerate with that script."""

# bias, cov, cov_ctx, gram, form, key_mean, key_min, key_sent, focus_sent,
# rank_prior, first_in_passage, log_len, item, cov_count, top_passage,
# precision, predicate, score_ratio, fragment, exception, supplementary, backref
WEIGHTS: tuple[float, ...] = (
    -4.9752, 1.3148, 0.6255, -0.1242, 1.3228, 0.5942, 0.0192, -0.2737, 0.8101, 1.3217, 0.2679, -0.1139, -0.1544, 0.1634, 0.1113, -0.3287, 0.1934, 0.8626, -0.7221, -0.7830, -2.6171, -0.2833,
)
