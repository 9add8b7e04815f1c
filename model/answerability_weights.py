"""Weights of the extractive answerer's answerability model: a logistic regression
over :data:`model.answerability.FEATURES` (bias first), fitted by
``bench/fit_answerability.py`` on JSQuAD valid (7816 rows: each question with its
paragraph present and hidden), validated on held-out folds grouped by article.
Held-out AUC 0.940 (5 folds by title, seed 13).
Regenerate with that script."""

# bias, grounding, key_cov, best_p, margin_p, best_key, no_key, log_n_key, top_score, score_margin, best_in_top, n_chosen, kind_how, kind_yesno, kind_documents, kind_amount, kind_date, kind_count, kind_age, kind_place, kind_person
WEIGHTS: tuple[float, ...] = (
    -7.9471, 3.4597, 1.6039, 1.5439, 3.3463, 1.7611, -1.2136, -0.2194, 0.1523, 0.0485, 0.3444, 0.0423, -0.0047, 0.3302, 0.3194, -1.7767, -0.3328, -0.4802, -0.4753, 0.0983, -0.7025,
)
