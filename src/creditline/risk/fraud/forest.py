"""A fitted isolation forest compiled to flat numpy arrays, to score one application in microseconds.

scikit-learn's `score_samples` costs milliseconds per call on a single row (input validation and
a Python loop over trees); the origination budget is two milliseconds for everything. Here all
trees are stacked into one node table and walked level by level for all trees at once. The score
is the same number sklearn computes (a property test holds the two to 1e-12):
s(x) = 2^(−E[h(x)] / c(ψ)), h = leaf depth + c(samples at the leaf), c the average path length of
an unsuccessful binary-search-tree look-up (Liu, Ting & Zhou 2008).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EULER_GAMMA = 0.5772156649015329


def average_path_length(n: np.ndarray) -> np.ndarray:
    n = np.asarray(n, dtype=np.float64)
    result = np.zeros_like(n)
    result[n == 2] = 1.0
    big = n > 2
    result[big] = 2.0 * (np.log(n[big] - 1.0) + EULER_GAMMA) - 2.0 * (n[big] - 1.0) / n[big]
    return result


@dataclass(frozen=True, slots=True)
class CompiledForest:
    feature: np.ndarray  # per node: the input column it tests (0 at leaves)
    threshold: np.ndarray  # per node: go left when x <= threshold (+inf at leaves)
    left: np.ndarray  # per node: left child, a leaf points to itself
    right: np.ndarray
    leaf_value: np.ndarray  # per node: depth + c(samples) at leaves, 0 elsewhere
    roots: np.ndarray  # the root node of each tree
    depth_max: int
    normaliser: float  # trees × c(max_samples)

    def score(self, row: np.ndarray) -> float:
        """Anomaly score in (0, 1); about 0.5 is ordinary, near 1 is isolated quickly."""
        x = np.asarray(row, dtype=np.float32).astype(np.float64)
        node = self.roots
        for _ in range(self.depth_max):
            go_left = x[self.feature[node]] <= self.threshold[node]
            node = np.where(go_left, self.left[node], self.right[node])
        return float(2.0 ** (-self.leaf_value[node].sum() / self.normaliser))

    def score_batch(self, rows: np.ndarray) -> np.ndarray:
        x = np.asarray(rows, dtype=np.float32).astype(np.float64)
        node = np.broadcast_to(self.roots, (len(x), len(self.roots))).copy()
        row_index = np.arange(len(x))[:, None]
        for _ in range(self.depth_max):
            go_left = x[row_index, self.feature[node]] <= self.threshold[node]
            node = np.where(go_left, self.left[node], self.right[node])
        return 2.0 ** (-self.leaf_value[node].sum(axis=1) / self.normaliser)


def compile_forest(forest: object) -> CompiledForest:
    """Compile a fitted `sklearn.ensemble.IsolationForest`."""
    parts = []
    offset = 0
    for estimator, columns in zip(forest.estimators_, forest.estimators_features_, strict=True):
        tree = estimator.tree_
        is_leaf = tree.children_left == -1
        ids = np.arange(tree.node_count) + offset
        depth = _node_depths(tree.children_left, tree.children_right)
        parts.append(
            (
                np.where(is_leaf, 0, np.asarray(columns)[np.maximum(tree.feature, 0)]),
                np.where(is_leaf, np.inf, tree.threshold),
                np.where(is_leaf, ids, tree.children_left + offset),
                np.where(is_leaf, ids, tree.children_right + offset),
                np.where(is_leaf, depth + average_path_length(tree.n_node_samples), 0.0),
                int(depth.max()),
            )
        )
        offset += tree.node_count
    roots = np.cumsum([0] + [len(p[0]) for p in parts[:-1]])
    return CompiledForest(
        feature=np.concatenate([p[0] for p in parts]).astype(np.int64),
        threshold=np.concatenate([p[1] for p in parts]),
        left=np.concatenate([p[2] for p in parts]).astype(np.int64),
        right=np.concatenate([p[3] for p in parts]).astype(np.int64),
        leaf_value=np.concatenate([p[4] for p in parts]),
        roots=roots.astype(np.int64),
        depth_max=max(p[5] for p in parts),
        normaliser=len(parts) * float(average_path_length(np.array([forest.max_samples_]))[0]),
    )


def _node_depths(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    depth = np.zeros(len(left), dtype=np.float64)
    # Children always have larger ids than their parent in sklearn trees, so one pass suffices.
    for node in range(len(left)):
        if left[node] != -1:
            depth[left[node]] = depth[node] + 1
            depth[right[node]] = depth[node] + 1
    return depth
