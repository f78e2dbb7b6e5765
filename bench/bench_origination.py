"""Origination speed: a full decision on SQLite, fraud look-ups at a million prior applications,
rebuilding the fraud index from the store, and the policy engine (plain Python against zen-engine).

Run: `python -m bench.run --only origination` (full) or `--smoke` (seconds, for CI).
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

BUSINESS_DATE = date(2025, 6, 30)


def _percentiles(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 3),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000, 3),
        "n": len(ordered),
    }


def synthetic_history(count: int, seed: int = 3) -> dict[str, np.ndarray]:
    """`count` prior applications with realistic sharing: re-applications, shared devices and contacts."""
    rng = np.random.default_rng(seed)
    people = max(count * 4 // 5, 1)
    person = rng.integers(0, people, size=count)  # a fifth of applications are repeat applications
    ident = rng.integers(1, 2**62, size=people, dtype=np.int64)
    phone = rng.integers(1, 2**62, size=people, dtype=np.int64)
    device = rng.integers(1, 2**62, size=people, dtype=np.int64)
    share = rng.random(people) < 0.03  # 3% use a family member's device
    device[share] = device[rng.integers(0, people, size=int(share.sum()))]
    card = rng.integers(1, 2**62, size=people, dtype=np.int64)
    pool = np.concatenate([phone, rng.integers(1, 2**62, size=people * 20, dtype=np.int64)])
    contacts = pool[rng.integers(0, len(pool), size=(count, 5))]
    times = np.sort(rng.integers(1_700_000_000, 1_751_000_000, size=count))
    return {
        "id": ident[person], "phone": phone[person], "device": device[person], "card": card[person],
        "ip": rng.integers(1, 2**20, size=count, dtype=np.int64), "contacts": contacts, "times": times,
    }


def build_screen(history: dict[str, np.ndarray]):  # type: ignore[no-untyped-def]
    from creditline.app.apply_setup import anomaly_model
    from creditline.risk.fraud import (
        FraudScreen,
        IdentityGraph,
        SignalKind,
        VelocityIndex,
        builtin_fraud_rules,
    )

    times = history["times"]
    velocity = VelocityIndex.bulk_load({
        SignalKind.ID_NUMBER: (history["id"], times), SignalKind.PHONE: (history["phone"], times),
        SignalKind.DEVICE: (history["device"], times), SignalKind.BANK_CARD: (history["card"], times),
        SignalKind.IP: (history["ip"], times),
    })
    links = np.stack([history["phone"], history["device"], history["card"]], axis=1)
    bad = np.zeros(len(times), dtype=bool)
    bad[::50] = True
    graph = IdentityGraph.bulk_load(history["id"], links, history["contacts"], bad)
    return FraudScreen(builtin_fraud_rules(), velocity, graph, anomaly=anomaly_model())


def bench_fraud_index(count: int, probes: int) -> dict:
    from creditline.app.apply_setup import anomaly_model
    from creditline.risk.fraud import ApplicationSignals, SignalKind

    history = synthetic_history(count)
    anomaly_model()  # fitted once per process; not part of the index build
    started = time.perf_counter()
    screen = build_screen(history)
    build_s = time.perf_counter() - started
    index_mb = _index_bytes(screen) / 2**20
    rng = np.random.default_rng(9)
    seconds = []
    row = np.array([35, 4.0, 12, 14, 60, 0.95])
    for index in range(probes):
        # Half the probes reuse stored keys, so look-ups hit real postings lists and clusters.
        source = int(rng.integers(0, count)) if index % 2 else None
        names = ("id", "phone", "device", "card", "ip")
        if source is None:
            values = [int(v) for v in rng.integers(1, 2**62, size=len(names))]
        else:
            values = [int(history[name][source]) for name in names]
        kinds = (SignalKind.ID_NUMBER, SignalKind.PHONE, SignalKind.DEVICE, SignalKind.BANK_CARD, SignalKind.IP)
        signals = ApplicationSignals(
            int(history["times"][-1]) + index,
            dict(zip(kinds, values, strict=True)),
            tuple(int(c) for c in history["contacts"][source if source is not None else 0]),
            row,
        )
        t0 = time.perf_counter()
        screen.assess(signals)
        screen.remember(signals)
        seconds.append(time.perf_counter() - t0)
    return {"name": f"fraud assess+remember at {count:,} prior applications", "build_s": round(build_s, 2),
            "index_mb": round(index_mb, 1), **_percentiles(seconds)}, screen


def _index_bytes(screen) -> int:  # type: ignore[no-untyped-def]
    arrays = [getattr(screen.graph, name) for name in vars(screen.graph) if isinstance(getattr(screen.graph, name), np.ndarray)]
    runs = [array for run in screen.velocity._runs.values() for array in (run.keys, run.times)]
    return sum(array.nbytes for array in arrays + runs)


def bench_decisions(count: int, screen) -> dict:  # type: ignore[no-untyped-def]
    from tests.integration.test_origination_forms import application

    from creditline.app import apply_setup
    from creditline.app.apply import ApplyForCredit, apply
    from creditline.app.setup import initialise
    from creditline.store import make_engine

    folder = Path(tempfile.mkdtemp(prefix="bench-origination-"))
    engine = make_engine(f"sqlite:///{folder / 'bench.sqlite'}")
    initialise(engine, BUSINESS_DATE)
    apply_setup.forget_screens()
    if screen is not None:
        # Built at the fresh database's erasure count (0) and checked now: the index is used, not reloaded.
        apply_setup._SCREENS[(str(engine.url), "fraud_rules")] = apply_setup.CachedScreen(screen, 0, time.monotonic())
    apply(engine, ApplyForCredit("warm-up", application(10_000_000)))  # loads model, data, index
    seconds, cpu, outcomes = [], [], {}
    for serial in range(1, count + 1):
        form = application(serial)
        t0, c0 = time.perf_counter(), time.process_time()
        view = apply(engine, ApplyForCredit(f"bench-{serial}", form))
        cpu.append(time.process_time() - c0)
        seconds.append(time.perf_counter() - t0)
        outcomes[view["outcome"]] = outcomes.get(view["outcome"], 0) + 1
    prior = "an empty store" if screen is None else f"{len(screen.graph):,} graph nodes in the index"
    cpu_figures = {f"cpu_{k}": v for k, v in _percentiles(cpu).items() if k != "n"}
    result = {"name": f"full decision on SQLite ({prior})", **_percentiles(seconds), **cpu_figures, "outcomes": outcomes}
    engine.dispose()
    return result


def bench_rebuild(engine_count: int) -> dict:
    from creditline.app.apply_setup import OriginationConfig, load_screen
    from creditline.store import UnitOfWork, make_engine, upgrade
    from creditline.store.tables_origination import OriginationRepository, origination_signals

    history = synthetic_history(engine_count, seed=5)
    folder = Path(tempfile.mkdtemp(prefix="bench-rebuild-"))
    engine = make_engine(f"sqlite:///{folder / 'rebuild.sqlite'}")
    upgrade(engine)
    rows = []
    for i in range(engine_count):
        decision = f"D{i}"
        at = int(history["times"][i])
        rows += [{"decision_id": decision, "applied_at_s": at, "kind": kind, "signal_key": int(history[name][i])}
                 for kind, name in (("id_number", "id"), ("phone", "phone"), ("device", "device"), ("ip", "ip"), ("bank_card", "card"))]
        rows += [{"decision_id": decision, "applied_at_s": at, "kind": "contact", "signal_key": int(c)} for c in history["contacts"][i]]
    with engine.begin() as connection:
        connection.execute(origination_signals.insert(), rows)
    started = time.perf_counter()
    with UnitOfWork(engine, read_only=True) as uow:
        screen = load_screen(OriginationRepository(uow.connection), OriginationConfig(anomaly=False))
    seconds = time.perf_counter() - started
    engine.dispose()
    return {"name": f"rebuild fraud index from {engine_count:,} stored applications", "seconds": round(seconds, 2),
            "graph_nodes": len(screen.graph)}


def bench_policy(evaluations: int) -> list[dict]:
    from creditline.risk.policy import builtin_policy

    table = builtin_policy("origination_cn").table("knockout")
    rng = np.random.default_rng(1)
    facts = [_random_facts(rng) for _ in range(200)]
    t0 = time.perf_counter()
    for i in range(evaluations):
        table.evaluate(facts[i % len(facts)])
    ours = (time.perf_counter() - t0) / evaluations
    rows = [{"name": "policy table, plain Python (compiled unary tests)", "us_per_evaluation": round(ours * 1e6, 1)}]
    try:
        import zen
    except ImportError:
        return [*rows, {"name": "policy table, zen-engine", "skipped": "zen-engine is not installed"}]
    decision = zen.ZenEngine().create_decision(json.dumps(to_jdm(table.spec)))
    plain = [{k: (float(v) if hasattr(v, "as_tuple") else v) for k, v in f.items()} for f in facts]
    t0 = time.perf_counter()
    for i in range(evaluations):
        decision.evaluate(plain[i % len(plain)])
    theirs = (time.perf_counter() - t0) / evaluations
    agree = sum(_same(table.evaluate(f), decision.evaluate(p)["result"]) for f, p in zip(facts, plain, strict=True))
    rows.append({"name": "policy table, zen-engine (same table as JDM)", "us_per_evaluation": round(theirs * 1e6, 1),
                 "agreement": f"{agree}/{len(facts)}"})
    return rows


def _random_facts(rng: np.random.Generator) -> dict:
    from decimal import Decimal

    delinquencies = None if rng.random() < 0.1 else int(rng.integers(0, 5))
    return {
        "age_years": int(rng.integers(18, 70)), "blacklisted": bool(rng.random() < 0.02),
        "court_dishonest": bool(rng.random() < 0.02), "telco_match": bool(rng.random() > 0.03),
        "face_live": bool(rng.random() > 0.02), "face_similarity": Decimal(str(round(rng.uniform(0.7, 1), 4))),
        "fraud_score": Decimal(str(round(rng.uniform(0, 1), 4))), "bureau_found": delinquencies is not None,
        "bureau_delinquencies_24m": delinquencies, "bureau_inquiries_3m": int(rng.integers(0, 12)),
        "debt_to_income": Decimal(str(round(rng.uniform(0, 1), 4))), "income_monthly": int(rng.integers(500, 40000)),
    }


def _same(hits, zen_result) -> bool:  # type: ignore[no-untyped-def]
    ours = [dict(h.outputs) for h in hits]
    return ours == (zen_result if isinstance(zen_result, list) else [zen_result] if zen_result else [])


def to_jdm(spec) -> dict:  # type: ignore[no-untyped-def]
    """Our table as a GoRules JSON Decision Model: the cells carry over unchanged."""
    inputs = [{"id": f"i_{i.name}", "name": i.name, "field": i.name} for i in spec.inputs]
    outputs = [{"id": f"o_{o}", "name": o, "field": o} for o in spec.outputs]
    rules = [
        {"_id": r.id, **{f"i_{i.name}": str(r.when.get(i.name, "")) for i in spec.inputs},
         **{f"o_{o}": json.dumps(r.then[o]) for o in spec.outputs}}
        for r in spec.rules
    ]
    node = {"hitPolicy": spec.hit_policy, "inputs": inputs, "outputs": outputs, "rules": rules}
    return {
        "contentType": "application/vnd.gorules.decision",
        "nodes": [
            {"id": "in", "type": "inputNode", "name": "request", "position": {"x": 0, "y": 0}},
            {"id": "t", "type": "decisionTableNode", "name": spec.name, "position": {"x": 0, "y": 0}, "content": node},
            {"id": "out", "type": "outputNode", "name": "response", "position": {"x": 0, "y": 0}},
        ],
        "edges": [{"id": "e1", "sourceId": "in", "targetId": "t", "type": "edge"},
                  {"id": "e2", "sourceId": "t", "targetId": "out", "type": "edge"}],
    }


def main(smoke: bool) -> list[dict]:
    prior = 5_000 if smoke else 1_000_000
    fraud, screen = bench_fraud_index(prior, 200 if smoke else 5_000)
    rows = [fraud]
    rows.append(bench_decisions(30 if smoke else 2_000, None))
    rows.append(bench_decisions(30 if smoke else 2_000, screen))
    rows.append(bench_rebuild(500 if smoke else 100_000))
    rows.extend(bench_policy(2_000 if smoke else 50_000))
    return rows
