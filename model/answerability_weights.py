"""Weights of the extractive answerer's answerability model: a logistic regression
over :data:`model.answerability.FEATURES` (bias first), fitted by
``bench/fit_answerability.py`` on JSQuAD valid (7817 rows: each question with its
paragraph present and hidden), validated on held-out folds grouped by article.
Held-out AUC 0.940 (5 folds by title, seed 13).
Regenerate with that script."""

# bias, grounding, key_cov, best_p, margin_p, best_key, no_key, log_n_key, top_score, score_margin, best_in_top, n_chosen, kind_how, kind_yesno, kind_documents, kind_amount, kind_date, kind_count, kind_age, kind_place, kind_person
WEIGHTS: tuple[float, ...] = (
    -8.1244, 3.5504, 1.6733, 1.2747, 3.2868, 1.7308, -1.1762, -0.2130, 0.1496, 0.0485, 0.4403, 0.0601, -0.2865, 0.1325, 0.1319, -1.6636, -0.2158, -0.3797, -0.3822, 0.1739, -0.6134,
)
