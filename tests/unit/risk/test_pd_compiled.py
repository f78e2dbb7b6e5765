"""The compiled batch path: the booster's raw log-odds equal LightGBM's own predict, bit for bit."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest
from pd_synthetic import applicants

from creditline.risk.models import Scorer, load_model
from creditline.risk.models.compiled import ZERO, compile_trees
from creditline.risk.models.scorer import COMPILED_ROWS_MIN


def data(rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Numbers with NaNs and exact zeros, a 70-level category (a bitset of three words), a small one."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 6))
    x[:, 2] = rng.integers(0, 70, rows)
    x[:, 3] = rng.integers(0, 4, rows)
    x[rng.random(rows) < 0.1, 0] = np.nan
    x[rng.random(rows) < 0.1, 2] = np.nan
    x[rng.random(rows) < 0.3, 4] = 0.0
    x[rng.random(rows) < 0.5, 5] = 0.0
    y = x[:, 1] + (np.nan_to_num(x[:, 2]) % 7 == 3) + 0.5 * np.nan_to_num(x[:, 0]) + (x[:, 4] == 0) + rng.normal(size=rows)
    return x, (y > 0.5).astype(int)


def awkward(rows: int, seed: int) -> np.ndarray:
    """Values the training never saw: unseen and negative categories, fractions of codes, all-missing
    rows, minus zero, a value below LightGBM's zero threshold, infinities."""
    x, _ = data(rows, seed)
    rng = np.random.default_rng(seed + 1)
    x[:, 2] = rng.integers(-3, 100, rows)
    x[:, 3] = rng.integers(0, 6, rows)
    x[rng.random(rows) < 0.1, 2] = -0.5
    x[rng.random(rows) < 0.1, 3] = 2.7
    x[rng.random(rows) < 0.2] = np.nan
    x[rng.random(rows) < 0.05, 4] = -0.0
    x[rng.random(rows) < 0.05, 1] = ZERO / 10
    x[rng.random(rows) < 0.02, 5] = np.inf
    x[rng.random(rows) < 0.02, 0] = -np.inf
    return x


@pytest.mark.parametrize("params", [
    {},
    {"zero_as_missing": True},
    {"use_missing": False},
    {"extra_trees": True, "num_leaves": 63},
    {"num_leaves": 100, "min_data_in_leaf": 5},  # more leaves than bits: those trees are walked
    {"min_data_in_leaf": 3000},  # trees of a single leaf
])
def test_raw_scores_equal_lightgbm_predict(params):
    x, y = data(4000, seed=1)
    booster = lgb.train(
        {"objective": "binary", "verbosity": -1, "num_leaves": 15, "min_data_per_group": 5, "cat_smooth": 1.0,
         "max_cat_to_onehot": 2, "num_threads": 1, **params},
        lgb.Dataset(x, y, categorical_feature=[2, 3]), 40,
    )
    trees = compile_trees(booster.model_to_string())
    assert trees is not None
    for matrix in (x, awkward(3000, seed=2)):
        expected = booster.predict(matrix, raw_score=True)
        assert np.array_equal(trees.raw(matrix, threads=1), expected)
        assert np.array_equal(trees.raw(matrix, threads=2), expected)


def test_prefix_snapshots_give_the_same_leaves():
    """Numbers only (no tree is walked) and hundreds of splits per feature: most values take a snapshot."""
    x, y = data(4000, seed=3)
    booster = lgb.train({"objective": "binary", "verbosity": -1, "num_leaves": 31, "num_threads": 1},
                        lgb.Dataset(x, y), 120)
    trees = compile_trees(booster.model_to_string())
    assert trees.snapshots.shape[0] >= 10 and not trees.walked.any()
    for matrix in (x, awkward(3000, seed=4)):
        assert np.array_equal(trees.raw(matrix, threads=2), booster.predict(matrix, raw_score=True))
    with pytest.raises(ValueError, match="at least 6 features"):
        trees.raw(x[:, :5])


def test_a_batch_scores_the_same_through_either_path(trained):
    _, directory = trained
    scorer = Scorer(load_model(directory))
    frame = applicants(COMPILED_ROWS_MIN + 500, seed=13)
    compiled = scorer.score_batch(frame)
    assert scorer.compiled() is not None
    scorer._compiled = None  # as if numba were absent: LightGBM's predict
    assert compiled.equals(scorer.score_batch(frame))


def test_the_kernel_compiles_in_memory_where_no_cache_location_is_writable(tmp_path):
    """numba refuses `cache=True` when neither the package's folder nor a user cache is writable (a
    read-only install); the batch path must then compile without the cache, not fail."""
    import os
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(
        """
        import numba.core.caching as caching
        impl = getattr(caching, "CacheImpl", None) or caching._CacheImpl  # renamed in numba 0.59
        impl._locator_classes = []  # as on a read-only install run as a user: nowhere to keep the cache
        import numpy as np
        from creditline.risk.models import compiled
        kernel = compiled.load_kernel()
        print(type(kernel).__name__, kernel._cache.__class__.__name__)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env={**os.environ}, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["CPUDispatcher", "NullCache"]
