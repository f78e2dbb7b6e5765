"""Vectorised construction of the identity graph from a history of applications in time order.

It reproduces what adding the applications one by one does (see `graph.py`): own links join
applicant and value; a contact joins the lister to a phone already claimed as someone's own; a
phone claimed after it was listed joins its claimant to the first lister. The one difference is
for hubs, judged here on the final count of users rather than the count at each moment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_NO_OWNER = -1
_MANY = -2


@dataclass(frozen=True, slots=True)
class BulkGraph:
    keys: np.ndarray  # sorted node keys; a node's id is its position
    parent: np.ndarray
    applicants: np.ndarray
    bad: np.ndarray
    degree: np.ndarray
    owner: np.ndarray
    is_bad: np.ndarray
    listed: np.ndarray
    first_lister: np.ndarray


def _pairs(nodes: np.ndarray, keys: np.ndarray, applicant_node: np.ndarray, size: int) -> np.ndarray:
    """Distinct (application index, node, applicant node) triples for the non-zero keys."""
    n, width = keys.shape
    present = (keys != 0).ravel()
    index = np.repeat(np.arange(n, dtype=np.int64), width)[present]
    # One int64 code per (index, node) pair: a 1-D unique is far faster than unique(axis=0).
    codes = np.unique(index * size + nodes.ravel()[present])
    index, node = np.divmod(codes, size)
    return np.stack([index, node, applicant_node[index]], axis=1)


def components(
    applicant_keys: np.ndarray, link_keys: np.ndarray, contact_keys: np.ndarray, bad: np.ndarray, hub_degree_max: int
) -> BulkGraph:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(applicant_keys)
    every = np.concatenate([applicant_keys, link_keys.ravel(), contact_keys.ravel()])
    keys, inverse = np.unique(every[every != 0], return_inverse=True)
    size = len(keys)
    node_of = np.full(len(every), -1, dtype=np.int64)
    node_of[every != 0] = inverse
    applicant_node = node_of[:n]
    link_node = node_of[n : n + link_keys.size].reshape(link_keys.shape)
    contact_node = node_of[n + link_keys.size :].reshape(contact_keys.shape)

    own = _pairs(link_node, link_keys, applicant_node, size)
    contacts = _pairs(contact_node, contact_keys, applicant_node, size)
    # A phone an application gives as its own is not also its contact.
    own_set = own[:, 0] * size + own[:, 1]
    contacts = contacts[~np.isin(contacts[:, 0] * size + contacts[:, 1], own_set)]

    degree, owner, claim_index = _ownership(own, size)
    listed = np.bincount(contacts[:, 1], minlength=size).astype(np.int64)
    first_index = np.full(size, n, dtype=np.int64)
    np.minimum.at(first_index, contacts[:, 1], contacts[:, 0])
    first_lister = np.full(size, _NO_OWNER, dtype=np.int64)
    has_lister = first_index < n
    first_lister[has_lister] = applicant_node[first_index[has_lister]]

    mergeable = degree <= hub_degree_max
    edges = [own[mergeable[own[:, 1]]][:, [2, 1]]]
    forward = contacts[(claim_index[contacts[:, 1]] < contacts[:, 0]) & mergeable[contacts[:, 1]]]
    edges.append(forward[:, [2, 1]])
    reverse_nodes = np.flatnonzero((first_index < claim_index) & (claim_index < n))
    edges.append(np.stack([applicant_node[claim_index[reverse_nodes]], first_lister[reverse_nodes]], axis=1))
    edge = np.concatenate(edges)
    graph = coo_matrix((np.ones(len(edge), dtype=np.int8), (edge[:, 0], edge[:, 1])), shape=(size, size))
    count, labels = connected_components(graph, directed=False)
    root_of_label = np.full(count, size, dtype=np.int64)
    np.minimum.at(root_of_label, labels, np.arange(size, dtype=np.int64))
    parent = root_of_label[labels]

    is_applicant = np.zeros(size, dtype=bool)
    is_applicant[applicant_node] = True
    is_bad = np.zeros(size, dtype=bool)
    is_bad[applicant_node[np.asarray(bad, dtype=bool)]] = True
    applicants = np.bincount(parent, weights=is_applicant, minlength=size).astype(np.int64)
    bad_count = np.bincount(parent, weights=is_bad, minlength=size).astype(np.int64)
    return BulkGraph(keys, parent, applicants, bad_count, degree, owner, is_bad, listed, first_lister)


def _ownership(own: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per link node: distinct applicants using it, the sole user (or many), first use index."""
    claim_index = np.full(size, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(claim_index, own[:, 1], own[:, 0])
    node, user = np.divmod(np.unique(own[:, 1] * size + own[:, 2]), size)
    degree = np.bincount(node, minlength=size).astype(np.int64)
    owner = np.full(size, _NO_OWNER, dtype=np.int64)
    owner[node] = user
    owner[degree >= 2] = _MANY
    return degree, owner, claim_index
