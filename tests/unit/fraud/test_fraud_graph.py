import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from creditline.risk.fraud import IdentityGraph


def test_shared_device_joins_clusters_and_reuse_by_self_is_not_sharing():
    graph = IdentityGraph()
    graph.add(1, [100, 200])
    graph.add(1, [100, 201])  # the same person again, same device
    assert graph.features(1, [100]).shared_links == 0
    newcomer = graph.features(2, [100])
    assert (newcomer.cluster_size, newcomer.shared_links) == (2, 1)
    graph.add(2, [100])
    graph.add(3, [300])
    assert graph.features(3, [300]).cluster_size == 1
    assert graph.features(4, [300, 200]).cluster_size == 4  # bridges two clusters


def test_contacts_link_to_applicants_not_to_strangers():
    graph = IdentityGraph()
    graph.add(1, [11], contacts := [900])  # 900: a number nobody applied with
    graph.add(2, [22], [900])
    # Both list 900, but 900 is no applicant: no link, only fan-in.
    seen = graph.features(3, [33], [900])
    assert (seen.cluster_size, seen.shared_links, seen.contact_fan_in) == (1, 0, 2)
    assert contacts == [900]
    # Listing an applicant's own phone links to that applicant and counts as shared.
    knows = graph.features(4, [44], [11])
    assert (knows.cluster_size, knows.shared_links) == (2, 1)
    # Someone who later applies with phone 900 joins its first lister.
    graph.add(5, [900])
    assert graph.features(5, []).cluster_size == 2


def test_bad_outcomes_count_once_per_applicant_and_follow_unions():
    graph = IdentityGraph()
    graph.add(1, [10], bad=True)
    graph.mark_bad(1)
    graph.add(2, [20])
    assert graph.features(9, [10, 20]).cluster_bad == 1
    graph.add(9, [10, 20])
    graph.mark_bad(2)
    assert graph.features(9, []).cluster_bad == 2
    graph.mark_bad(12345)  # unknown applicant: nothing to record


def test_hubs_stop_merging():
    graph = IdentityGraph(hub_degree_max=3)
    for applicant in range(1, 7):
        graph.add(applicant, [500, 1000 + applicant])
    seen = graph.features(99, [500])
    assert seen.hub_links == 1
    assert seen.cluster_size == 1  # a hub links nobody
    assert graph.features(1, []).cluster_size == 3  # the three who used 500 before it became a hub
    assert graph.features(6, []).cluster_size == 1


def _bfs_cluster_sizes(history):
    """Reference: replay the same linking rules naively with Python sets."""
    own_users, first_lister, edges = {}, {}, []
    for applicant, links, contacts in history:
        for link in set(links):
            if link not in own_users and link in first_lister:
                edges.append((("a", applicant), ("a", first_lister[link])))
            own_users.setdefault(link, set()).add(applicant)
            edges.append((("a", applicant), ("l", link)))
        for contact in set(contacts) - set(links):
            first_lister.setdefault(contact, applicant)
            if contact in own_users:
                edges.append((("a", applicant), ("l", contact)))
    adjacency = {}
    for a, b in edges:
        adjacency.setdefault(a, set()).add(b)
        adjacency.setdefault(b, set()).add(a)
    sizes = {}
    for applicant, _, _ in history:
        start = ("a", applicant)
        seen, stack = {start}, [start]
        while stack:
            for nxt in adjacency.get(stack.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        sizes[applicant] = sum(1 for kind, _ in seen if kind == "a")
    return sizes


histories = st.lists(
    st.tuples(
        st.integers(1, 12),
        st.lists(st.integers(100, 115), max_size=3),
        st.lists(st.integers(100, 125), max_size=3),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=80)
@given(histories)
def test_incremental_and_bulk_graphs_agree_with_a_naive_replay(history):
    expected = _bfs_cluster_sizes(history)
    incremental = IdentityGraph(hub_degree_max=1000)
    for applicant, links, contacts in history:
        incremental.add(applicant, links, contacts)
    width = 3
    pad = lambda rows: np.array([row + [0] * (width - len(row)) for row in rows], dtype=np.int64)  # noqa: E731
    bulk = IdentityGraph.bulk_load(
        np.array([a for a, _, _ in history], dtype=np.int64),
        pad([links for _, links, _ in history]),
        pad([contacts for _, _, contacts in history]),
        np.zeros(len(history), dtype=bool),
        hub_degree_max=1000,
    )
    for applicant, size in expected.items():
        assert incremental.features(applicant, []).cluster_size == size
        assert bulk.features(applicant, []).cluster_size == size
    probe_links, probe_contacts = [100, 101], [102, 120]
    assert incremental.features(77, probe_links, probe_contacts) == bulk.features(77, probe_links, probe_contacts)
