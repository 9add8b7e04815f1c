"""Weights of the extractive answerer's answerability model: a logistic regression
over :data:`model.answerability.FEATURES` (bias first), fitted by
``bench/fit_answerability.py`` on JSQuAD valid (7701 rows: each question with its
paragraph present and hidden), validated on held-out folds grouped by article.
Held-out AUC 0.930 (5 folds by title, seed 13).
Regenerate with that script."""

# bias, grounding, key_cov, best_p, margin_p, best_key, no_key, log_n_key, top_score, score_margin, best_in_top, n_chosen, kind_how, kind_yesno, kind_documents, kind_amount, kind_date, kind_count, kind_age, kind_place, kind_person
WEIGHTS: tuple[float, ...] = (
    -7.9224, 3.9826, 1.6337, 0.4447, 1.8544, 1.2547, -0.3920, -0.4706, 0.1409, 0.0253, 0.6972, 0.1212, 0.1363, 0.6724, -0.1452, 0.0850, 0.6227, 0.6453, 0.7312, 0.5275, -0.1439,
)
