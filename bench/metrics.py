"""Small metrics shared by the fitting scripts, importable with numpy alone
(``bench/fit_judge.py --prepared`` runs on a GPU machine without the project's other dependencies)."""

from __future__ import annotations

import numpy as np


def auc(p: np.ndarray, y: np.ndarray) -> float:
    """Area under the ROC curve of scores ``p`` for labels ``y`` (1 positive); NaN without both labels."""
    order = np.argsort(p)
    ranks = np.empty(len(p))
    ranks[order] = np.arange(1, len(p) + 1)
    pos = y == 1
    n1, n0 = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)) if n1 and n0 else float("nan")
