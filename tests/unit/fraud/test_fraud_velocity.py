import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from creditline.risk.fraud import SignalKind, VelocityIndex, signal_key

DEVICE = SignalKind.DEVICE


def test_counts_in_half_open_windows_across_bulk_and_recent_parts():
    keys = np.array([5, 5, 5, 7, 0], dtype=np.int64)
    times = np.array([100, 200, 300, 150, 999], dtype=np.int64)
    index = VelocityIndex.bulk_load({DEVICE: (keys, times)}, merge_threshold=3)
    assert len(index) == 4  # key 0 means "absent" and is dropped
    assert index.count(DEVICE, 5, 100, 300) == 2
    assert index.count(DEVICE, 5, 101, 301) == 2
    assert index.count(DEVICE, 7, 0, 1000) == 1
    assert index.count(DEVICE, 9, 0, 1000) == 0
    assert index.count(SignalKind.PHONE, 5, 0, 1000) == 0
    index.add(DEVICE, 5, 250)
    index.add(DEVICE, 5, 50)
    assert index.count(DEVICE, 5, 0, 260) == 4
    index.add(DEVICE, 9, 10)  # third recent addition: merged into the run
    assert index.count(DEVICE, 5, 0, 1000) == 5
    assert index.count(DEVICE, 9, 0, 11) == 1


events = st.lists(st.tuples(st.integers(1, 6), st.integers(0, 1000)), max_size=60)


@settings(max_examples=60)
@given(bulk=events, recent=events, key=st.integers(1, 6), since=st.integers(0, 1000), width=st.integers(0, 500))
def test_count_equals_brute_force(bulk, recent, key, since, width):
    keys = np.array([k for k, _ in bulk], dtype=np.int64)
    times = np.array([t for _, t in bulk], dtype=np.int64)
    index = VelocityIndex.bulk_load({DEVICE: (keys, times)}, merge_threshold=7)
    for k, t in recent:
        index.add(DEVICE, k, t)
    expected = sum(1 for k, t in bulk + recent if k == key and since <= t < since + width)
    assert index.count(DEVICE, key, since, since + width) == expected


def test_signal_keys_are_namespaced_and_never_zero():
    assert signal_key(SignalKind.PHONE, "+8613800138000") != signal_key(SignalKind.DEVICE, "+8613800138000")
    assert signal_key(SignalKind.PHONE, "x") == signal_key(SignalKind.PHONE, "x")
    assert signal_key(SignalKind.PHONE, "x", salt=b"other") != signal_key(SignalKind.PHONE, "x")
