"""The identity graph: applicants linked by shared devices, phones and cards, and by their contacts.

Nodes are applicants and link values (a device id, a phone, a card), all as 64-bit keys. An
application joins its applicant to each of its own link values; connected components (union-find,
union by size with path halving) are the clusters. Per cluster root we keep how many applicants it
holds and how many of them have a bad outcome; per link value, how many applicants used it and
which one first, so "shared" means shared with someone else, not reused by the same person.

Contacts link only to people: listing a phone joins the lister to the applicant who owns that
phone (whichever applies first; before its owner applies, the first lister is remembered). Two
strangers who both list the same non-applicant do not merge - with millions of applicants the
common-friend links would otherwise chain everyone into one cluster - but how many applicants list
a number (`contact_fan_in`) is a feature: a ring all lists its organiser.

Two more guards keep honest people out of fraud rings: IP addresses are not links (carrier NAT
puts thousands behind one), and a link value used by more than `hub_degree_max` applicants (a
company switchboard, a shared family tablet in a dormitory) stops merging clusters.

Bulk loading a million applications is vectorised (scipy's connected components) and gives the
same graph as adding them one by one in order; additions after that are incremental.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

HUB_DEGREE_MAX_DEFAULT = 50
_NO_OWNER = -1
_MANY = -2


@dataclass(frozen=True, slots=True)
class GraphFeatures:
    cluster_size: int  # applicants in the cluster this application joins, itself included
    cluster_bad: int  # of them, applicants with a bad outcome (fraud confirmed, early default)
    shared_links: int  # own links used by another applicant + contacts who are other applicants
    hub_links: int  # link values too common to merge on
    contact_fan_in: int  # most other applications listing any one of this application's contacts


class IdentityGraph:
    def __init__(self, *, capacity: int = 1024, hub_degree_max: int = HUB_DEGREE_MAX_DEFAULT) -> None:
        self._bulk_keys = np.empty(0, dtype=np.int64)
        self._recent: dict[int, int] = {}
        self._size = 0
        self._parent = np.arange(capacity, dtype=np.int64)
        self._applicants = np.zeros(capacity, dtype=np.int64)  # at roots: applicant nodes in the cluster
        self._bad = np.zeros(capacity, dtype=np.int64)  # at roots: bad applicants in the cluster
        self._degree = np.zeros(capacity, dtype=np.int64)  # at link nodes: applicants that used it
        self._owner = np.full(capacity, _NO_OWNER, dtype=np.int64)  # at link nodes: the sole user
        self._is_bad = np.zeros(capacity, dtype=bool)  # at applicant nodes
        self._listed = np.zeros(capacity, dtype=np.int64)  # at phone nodes: times listed as a contact
        self._first_lister = np.full(capacity, _NO_OWNER, dtype=np.int64)  # applicant who listed it first
        self.hub_degree_max = hub_degree_max

    # -- node bookkeeping -----------------------------------------------------------------------
    def __len__(self) -> int:
        return self._size

    def _lookup(self, key: int) -> int | None:
        found = self._recent.get(key)
        if found is not None:
            return found
        position = int(np.searchsorted(self._bulk_keys, key))
        if position < len(self._bulk_keys) and self._bulk_keys[position] == key:
            return position
        return None

    def _new_node(self, key: int) -> int:
        if self._size == len(self._parent):
            self._grow()
        node = self._size
        self._size += 1
        self._parent[node] = node
        self._recent[key] = node
        return node

    def _grow(self) -> None:
        self._reserve(max(1024, 2 * len(self._parent)))

    def _reserve(self, capacity: int) -> None:
        extra = capacity - len(self._parent)
        self._parent = np.concatenate([self._parent, np.arange(len(self._parent), capacity)])
        self._applicants = np.concatenate([self._applicants, np.zeros(extra, dtype=np.int64)])
        self._bad = np.concatenate([self._bad, np.zeros(extra, dtype=np.int64)])
        self._degree = np.concatenate([self._degree, np.zeros(extra, dtype=np.int64)])
        self._owner = np.concatenate([self._owner, np.full(extra, _NO_OWNER, dtype=np.int64)])
        self._is_bad = np.concatenate([self._is_bad, np.zeros(extra, dtype=bool)])
        self._listed = np.concatenate([self._listed, np.zeros(extra, dtype=np.int64)])
        self._first_lister = np.concatenate([self._first_lister, np.full(extra, _NO_OWNER, dtype=np.int64)])

    def find(self, node: int) -> int:
        parent = self._parent
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = int(parent[node])
        return node

    def _union(self, a: int, b: int) -> int:
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return root_a
        if self._applicants[root_a] < self._applicants[root_b]:
            root_a, root_b = root_b, root_a
        self._parent[root_b] = root_a
        self._applicants[root_a] += self._applicants[root_b]
        self._bad[root_a] += self._bad[root_b]
        return root_a

    # -- queries and updates --------------------------------------------------------------------
    def features(
        self, applicant_key: int, link_keys: Sequence[int], contact_keys: Sequence[int] = ()
    ) -> GraphFeatures:
        """What this application would see on joining, without changing the graph."""
        applicant = self._lookup(applicant_key)
        roots: set[int] = set()
        shared = hubs = fan_in = 0
        if applicant is not None:
            roots.add(self.find(applicant))
        for key in set(link_keys):
            node = self._lookup(key)
            if node is None:
                continue
            owner = int(self._owner[node])
            if owner == _MANY or owner not in (_NO_OWNER, applicant):
                shared += 1
            if self._degree[node] >= self.hub_degree_max:
                hubs += 1
                continue
            if owner != _NO_OWNER:
                roots.add(self.find(node))
            elif self._first_lister[node] != _NO_OWNER:
                roots.add(self.find(int(self._first_lister[node])))
        for key in set(contact_keys) - set(link_keys):
            node = self._lookup(key)
            if node is None:
                continue
            fan_in = max(fan_in, int(self._listed[node]))
            owner = int(self._owner[node])
            if owner != _NO_OWNER and owner != applicant and self._degree[node] <= self.hub_degree_max:
                shared += 1
                roots.add(self.find(node))
        size = sum(int(self._applicants[r]) for r in roots) + (1 if applicant is None else 0)
        bad = sum(int(self._bad[r]) for r in roots)
        return GraphFeatures(size, bad, shared, hubs, fan_in)

    def add(
        self, applicant_key: int, link_keys: Sequence[int], contact_keys: Sequence[int] = (), *, bad: bool = False
    ) -> None:
        applicant = self._lookup(applicant_key)
        if applicant is None:
            applicant = self._new_node(applicant_key)
            self._applicants[applicant] = 1
        for key in set(link_keys):
            self._add_own_link(applicant, key)
        for key in set(contact_keys) - set(link_keys):
            self._add_contact(applicant, key)
        if bad:
            self.mark_bad(applicant_key)

    def _add_own_link(self, applicant: int, key: int) -> None:
        node = self._lookup(key)
        if node is None:
            node = self._new_node(key)
        owner = int(self._owner[node])
        if owner == _NO_OWNER:
            self._owner[node], self._degree[node] = applicant, 1
            if self._first_lister[node] != _NO_OWNER:
                self._union(applicant, int(self._first_lister[node]))
        elif owner not in (applicant, _MANY):
            self._owner[node], self._degree[node] = _MANY, 2
        elif owner == _MANY:
            self._degree[node] += 1  # counts applications past two: an upper bound on applicants
        if self._degree[node] <= self.hub_degree_max:
            self._union(applicant, node)

    def _add_contact(self, applicant: int, key: int) -> None:
        node = self._lookup(key)
        if node is None:
            node = self._new_node(key)
        self._listed[node] += 1
        if self._first_lister[node] == _NO_OWNER:
            self._first_lister[node] = applicant
        if self._owner[node] != _NO_OWNER and self._degree[node] <= self.hub_degree_max:
            self._union(applicant, node)

    def mark_bad(self, applicant_key: int) -> None:
        """Record a bad outcome (confirmed fraud, first-payment default) once per applicant."""
        node = self._lookup(applicant_key)
        if node is None or self._is_bad[node]:
            return
        self._is_bad[node] = True
        self._bad[self.find(node)] += 1

    # -- bulk -----------------------------------------------------------------------------------
    @classmethod
    def bulk_load(
        cls,
        applicant_keys: np.ndarray,
        link_keys: np.ndarray,
        contact_keys: np.ndarray,
        bad: np.ndarray,
        **options: int,
    ) -> IdentityGraph:
        """Build from n applications in time order: applicant keys (n,), own link keys (n, m) and
        contact keys (n, k) with 0 for none, bad outcome (n,)."""
        from creditline.risk.fraud.graph_bulk import components

        graph = cls(**options)
        if len(applicant_keys) == 0:
            return graph
        built = components(applicant_keys, link_keys, contact_keys, bad, graph.hub_degree_max)
        graph._bulk_keys = built.keys
        size = len(built.keys)
        graph._size = size
        graph._parent = built.parent
        graph._applicants = built.applicants
        graph._bad = built.bad
        graph._degree = built.degree
        graph._owner = built.owner
        graph._is_bad = built.is_bad
        graph._listed = built.listed
        graph._first_lister = built.first_lister
        graph._reserve(size + max(1024, size // 4))  # room for growth without an early full copy
        return graph
