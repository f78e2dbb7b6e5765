"""Vectorised construction of the identity graph's arrays from a history of applications."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class BulkGraph:
    keys: np.ndarray  # sorted node keys; a node's id is its position
    parent: np.ndarray
    applicants: np.ndarray
    bad: np.ndarray
    degree: np.ndarray
    owner: np.ndarray
    is_bad: np.ndarray


def components(applicant_keys: np.ndarray, link_keys: np.ndarray, bad: np.ndarray, hub_degree_max: int) -> BulkGraph:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n, m = link_keys.shape
    keys, inverse = np.unique(np.concatenate([applicant_keys, link_keys.ravel()]), return_inverse=True)
    applicant_node = inverse[:n]
    link_node = inverse[n:].reshape(n, m)
    present = link_keys != 0
    edge_applicant = np.repeat(applicant_node, m)[present.ravel()]
    edge_link = link_node[present]
    # Distinct (link, applicant) pairs give each link's degree and, for degree 1, its owner.
    pairs = np.unique(np.stack([edge_link, edge_applicant], axis=1), axis=0)
    size = len(keys)
    degree = np.bincount(pairs[:, 0], minlength=size).astype(np.int64)
    owner = np.full(size, -1, dtype=np.int64)
    owner[pairs[:, 0]] = pairs[:, 1]
    owner[degree >= 2] = -2
    mergeable = degree[pairs[:, 0]] <= hub_degree_max
    edges = pairs[mergeable]
    graph = coo_matrix((np.ones(len(edges), dtype=np.int8), (edges[:, 0], edges[:, 1])), shape=(size, size))
    count, labels = connected_components(graph, directed=False)
    root_of_label = np.full(count, size, dtype=np.int64)
    np.minimum.at(root_of_label, labels, np.arange(size, dtype=np.int64))
    parent = root_of_label[labels]
    is_applicant = np.zeros(size, dtype=bool)
    is_applicant[applicant_node] = True
    is_bad = np.zeros(size, dtype=bool)
    is_bad[applicant_node[bad.astype(bool)]] = True
    applicants = np.zeros(size, dtype=np.int64)
    np.add.at(applicants, parent, is_applicant.astype(np.int64))
    bad_count = np.zeros(size, dtype=np.int64)
    np.add.at(bad_count, parent, is_bad.astype(np.int64))
    degree[is_applicant] = 0
    owner[is_applicant] = -1
    return BulkGraph(keys, parent, applicants, bad_count, degree, owner, is_bad)
