"""Run every benchmark module in bench/ (`bench_*.py` exposing `main(smoke: bool) -> list[dict]`)."""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import platform
import sys
from pathlib import Path

import bench


def machine() -> dict[str, str]:
    import os

    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_model": _cpu_model(),
        "cpus": str(os.cpu_count()),
        "python_loop_10m_cpu_s": f"{python_speed():.3f}",
    }


def python_speed() -> float:
    """CPU seconds of a fixed pure-Python loop (adding 10 million integers), the best of three: the
    machines these figures come from differ by up to 2x in this, so each run records it beside them."""
    import time

    best = float("inf")
    for _ in range(3):
        started, total = time.process_time(), 0
        for n in range(10_000_000):
            total += n
        best = min(best, time.process_time() - started)
    return best


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for CI")
    parser.add_argument("--only", default="", help="run only benchmarks whose module name contains this")
    args = parser.parse_args(argv)
    results = {"machine": machine(), "benchmarks": []}
    print("== machine", json.dumps(results["machine"]), flush=True)
    for module in sorted(pkgutil.iter_modules(bench.__path__), key=lambda m: m.name):
        if not module.name.startswith("bench_") or args.only not in module.name:
            continue
        mod = importlib.import_module(f"bench.{module.name}")
        print(f"== {module.name}", flush=True)
        for row in mod.main(smoke=args.smoke):
            print("   ", json.dumps(row), flush=True)
            results["benchmarks"].append({"module": module.name, **row})
    out = Path("bench/results")
    out.mkdir(parents=True, exist_ok=True)
    (out / ("smoke.json" if args.smoke else "latest.json")).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
