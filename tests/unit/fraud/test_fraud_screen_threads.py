"""One process's fraud screen is shared by a server's request threads: applications remembered and
assessed at the same time from many threads neither fail nor lose one (an IndexError from a read
racing an index's growth was an HTTP 500 under load)."""

from __future__ import annotations

import sys
import threading

from creditline.risk.fraud import FraudScreen, builtin_fraud_rules
from creditline.risk.fraud.assess import ApplicationSignals
from creditline.risk.fraud.graph import IdentityGraph
from creditline.risk.fraud.keys import SignalKind, signal_key

THREADS, EACH = 8, 150


def _signals(thread: int, n: int) -> ApplicationSignals:
    who = f"{thread}-{n}"
    keys = {
        SignalKind.ID_NUMBER: signal_key(SignalKind.ID_NUMBER, who),
        SignalKind.PHONE: signal_key(SignalKind.PHONE, who),
        SignalKind.DEVICE: signal_key(SignalKind.DEVICE, f"device-{n % 40}"),  # shared across threads
        SignalKind.IP: signal_key(SignalKind.IP, "127.0.0.1"),
    }
    contacts = (signal_key(SignalKind.PHONE, f"{(thread + 1) % THREADS}-{n}"),)
    return ApplicationSignals(applied_at_s=1_700_000_000 + n, keys=keys, contact_keys=contacts)


def test_many_threads_assess_and_remember_at_once() -> None:
    screen = FraudScreen(builtin_fraud_rules(), graph=IdentityGraph(capacity=8))  # grows many times
    failures: list[BaseException] = []

    def work(thread: int) -> None:
        try:
            for n in range(EACH):
                signals = _signals(thread, n)
                screen.assess(signals)
                screen.remember(signals)
        except BaseException as error:  # any failure in a thread is the test's failure
            failures.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: races show up at once
    try:
        threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert failures == []
    # every applicant remembered once: each with its own phone, the 40 devices shared by all
    expected_nodes = THREADS * EACH * 2 + 40
    assert len(screen.graph) >= expected_nodes
    one = _signals(0, 0)
    assert screen.velocity.count(SignalKind.IP, one.keys[SignalKind.IP], 0, 2_000_000_000) == THREADS * EACH
