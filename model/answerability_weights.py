"""Weights of the extractive answerer's answerability model: a logistic regression
over :data:`model.answerability.FEATURES` (bias first), fitted by
``bench/fit_answerability.py`` on JSQuAD valid (7805 rows: each question with its
paragraph present and hidden), validated on held-out folds grouped by article.
Held-out AUC 0.936 (5 folds by title, seed 13).
Regenerate with that script."""

# bias, grounding, key_cov, best_p, margin_p, best_key, no_key, log_n_key, top_score, score_margin, best_in_top, n_chosen, kind_how, kind_yesno, kind_documents, kind_amount, kind_date, kind_count, kind_age, kind_place, kind_person
WEIGHTS: tuple[float, ...] = (
    -7.8037, 4.1916, 0.8248, 0.7368, 2.6756, 1.6413, -0.0530, -0.3252, 0.1544, 0.0392, 0.5654, 0.1322, 0.2833, 0.1820, -0.0431, -1.4003, -0.0100, -0.0779, -0.1499, 0.4097, -0.4434,
)
