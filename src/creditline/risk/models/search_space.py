"""What the champion's search tries, and how much of it: settings, their order, and the work budget.

The space is small and leans to regularisation — leaf count, leaf size, L2, path smoothing,
extremely randomised splits, feature and row subsampling — because on credit data the gains
come from damping variance, not from deeper trees. The learning rate is fixed by data size (0.05,
what an analyst starts with; 0.1 from 60,000 development rows — the hold-out sets, where 0.05 needs
well over a thousand rounds, more than the serving budget of trees takes) and the rounds are found
by early stopping on each validation fold. At 0.1 Taiwan's 24,000 development rows lost 0.0018 of
test AUC against 0.05 (DeLong paired interval -0.0035 to -0.0002), Give Me Some Credit's 120,000
nothing: hence 60,000, not less.

How much is tried is counted in work units, not seconds, so the same data gives the same search
(and the same model) on any machine at any load: a trial's work is the boosting rounds it ran on
each fold times the cells (rows × features) each round scans, plus a fixed cost per round. The
search stops once the work budget is spent (never before `TRIALS_MIN` trials, never beyond
`TRIALS_MAX`). One work unit is about 10 ns of one core, so the default budget is a minute of CPU.
"""

from __future__ import annotations

import numpy as np

WORK_BUDGET_UNITS = 6e9
ROUND_OVERHEAD_UNITS = 2e4
TRIALS_MIN, TRIALS_MAX = 6, 30
LEAVES_MIN = 8
LEARNING_RATE, LEARNING_RATE_LARGE = 0.05, 0.1
LARGE_ROWS_MIN = 60_000  # development rows; split.CV_ROWS_MAX: hold-out validation from here
FIXED_PARAMS = {
    "objective": "binary",
    "metric": "auc",
    "verbosity": -1,
    "deterministic": True,
    "force_col_wise": True,
    "feature_pre_filter": False,
    "bagging_freq": 1,
}
SPACE = {
    "num_leaves": (4, 7, 15, 31, 63),
    "min_data_in_leaf": (10, 20, 40, 80, 160, 320, 640),
    "feature_fraction": (0.5, 0.7, 0.9),
    "bagging_fraction": (0.7, 0.85, 1.0),
    "lambda_l2": (0.0, 1.0, 5.0, 20.0, 50.0),
    "path_smooth": (0.0, 5.0, 20.0),
    "extra_trees": (False, True),
    "cat_smooth": (5.0, 10.0, 30.0),
    "min_data_per_group": (20, 50, 100),
}


def learning_rate(rows: int) -> float:
    return LEARNING_RATE_LARGE if rows >= LARGE_ROWS_MIN else LEARNING_RATE


def leaf_sizes(fit_rows: int) -> tuple[int, ...]:
    """Leaf sizes up to an eighth of a fold's training rows: on a thousand rows of weak signal the
    best trees are a handful of big leaves (Thomas: leaves of 100 rows beat leaves of 20)."""
    usable = tuple(size for size in SPACE["min_data_in_leaf"] if size <= max(10, fit_rows // LEAVES_MIN))
    return usable or (10,)


def presets(fit_rows: int) -> list[dict]:
    """What an analyst tries first: a moderate model, a strongly regularised one, a larger one."""
    sizes = leaf_sizes(fit_rows)
    middle = sizes[min(len(sizes) - 1, 2)]
    moderate = {
        "num_leaves": 15, "min_data_in_leaf": middle, "feature_fraction": 0.7, "bagging_fraction": 0.85,
        "lambda_l2": 1.0, "path_smooth": 0.0, "extra_trees": False, "cat_smooth": 10.0, "min_data_per_group": 50,
    }
    regularised = {
        **moderate, "num_leaves": 7, "min_data_in_leaf": sizes[min(len(sizes) - 1, 3)], "feature_fraction": 0.5,
        "lambda_l2": 20.0, "path_smooth": 20.0, "extra_trees": True,
    }
    larger = {**moderate, "num_leaves": 31, "min_data_in_leaf": sizes[-1] if fit_rows > 20_000 else middle, "lambda_l2": 5.0}
    return [moderate, regularised, larger]


def random_candidate(rng: np.random.Generator, fit_rows: int) -> dict:
    space = {**SPACE, "min_data_in_leaf": leaf_sizes(fit_rows)}
    return {name: choices[int(rng.integers(len(choices)))] for name, choices in space.items()}


def candidates(seed: int, fit_rows: int, count: int = TRIALS_MAX) -> list[dict]:
    """The first `count` settings the search may try, in order: the presets, then distinct random ones."""
    rng = np.random.default_rng(seed)
    found = presets(fit_rows)
    seen = {tuple(sorted(c.items())) for c in found}
    for _ in range(count * 20):
        if len(found) >= count:
            break
        candidate = random_candidate(rng, fit_rows)
        key = tuple(sorted(candidate.items()))
        if key not in seen:
            seen.add(key)
            found.append(candidate)
    return found


def trial_work(rounds_trained: list[int], fit_rows: list[int], features: int) -> float:
    """Work units of one trial: per fold, rounds × (rows × features + a fixed cost per round)."""
    return float(sum(r * (n * features + ROUND_OVERHEAD_UNITS) for r, n in zip(rounds_trained, fit_rows, strict=True)))
