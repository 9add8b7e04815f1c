"""Weights of the extractive answerer's answerability model: a logistic regression
over :data:`model.answerability.FEATURES` (bias first), fitted by
``bench/fit_answerability.py`` on JSQuAD valid (7809 rows: each question with its
paragraph present and hidden), validated on held-out folds grouped by article.
Held-out AUC 0.937 (5 folds by title, seed 13).
Regenerate with that script."""

# bias, grounding, key_cov, best_p, margin_p, best_key, no_key, log_n_key, top_score, score_margin, best_in_top, n_chosen, kind_how, kind_yesno, kind_documents, kind_amount, kind_date, kind_count, kind_age, kind_place, kind_person
WEIGHTS: tuple[float, ...] = (
    -8.1466, 3.5495, 1.4033, 1.3024, 2.5739, 1.6991, -1.8501, -0.2687, 0.1526, 0.0381, 0.4952, 0.1241, -0.0079, 0.2354, 0.0071, -1.5120, -0.1447, -0.2329, -0.2830, 0.2489, -0.5521,
)
