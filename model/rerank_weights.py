"""Weights of the extractive answerer's sentence scorer: a logistic model
over :data:`model.sentence_score.FEATURES` (bias first), fitted by
``bench/fit_reranker.py --gov-home … --gov-weight 10`` as the choice among each
question's candidate sentences (conditional logit, damped Newton steps), then
calibrated to P(holds the answer), on JSQuAD valid (target: the sentence holds
the gold answer) and the 306 answerable questions of bench/gov_qa (target: an
acceptable answer in the expected document and article or page), each of those
weighted 10, with each gov_qa row's ``also`` places as targets too. Held out on
5 folds (JSQuAD by article, gov_qa by document): the best sentence holds the
answer for 0.838 of JSQuAD's questions and 0.722 of gov_qa's, one of the
sentences quoted for 0.895 / 0.840 (session 7's features, without the caption
and topic ones, on the targets before ``also``: 0.839 / 0.690 and 0.897 / 0.804). Regenerate with that script."""

# bias, cov, cov_ctx, gram, form, key_mean, key_min, key_sent, focus_sent,
# rank_prior, first_in_passage, log_len, item, cov_count, top_passage,
# precision, predicate, score_ratio, fragment, exception, supplementary, backref, caption, topic
WEIGHTS: tuple[float, ...] = (
    -4.6491, 1.2214, 0.5015, 0.0340, 1.2646, 0.5322, 0.0301, -0.3107, 0.7633, 1.0295, 0.1766, -0.1059, -0.0371, 0.0499, 0.1376, -0.4570, 0.1101, 0.6718, -0.5397, -0.6162, -1.8650, -0.2504, 1.1732, 0.3962,
)
