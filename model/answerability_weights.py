"""Weights of the extractive answerer's answerability model: a logistic regression
over :data:`model.answerability.FEATURES` (bias first), fitted by
``bench/fit_answerability.py`` on JSQuAD valid (7809 rows: each question with its
paragraph present and hidden), validated on held-out folds grouped by article.
Held-out AUC 0.935 (5 folds by title, seed 13).
Regenerate with that script."""

# bias, grounding, key_cov, best_p, margin_p, best_key, no_key, log_n_key, top_score, score_margin, best_in_top, n_chosen, kind_how, kind_yesno, kind_documents, kind_amount, kind_date, kind_count, kind_age, kind_place, kind_person
WEIGHTS: tuple[float, ...] = (
    -7.8667, 4.2086, 0.8562, 0.5764, 2.7456, 1.6654, -0.0876, -0.3595, 0.1562, 0.0350, 0.6425, 0.1399, 0.2901, 0.4585, -0.0386, -1.3661, 0.0322, -0.0783, -0.1171, 0.4535, -0.3577,
)
