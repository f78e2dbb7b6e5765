"""The console's charts: matplotlib figures rendered to SVG on the server, cached by their data.

Charts are plain `<img>` files, so the page's CSP needs no script for them and a page renders
without waiting for one. Each chart function takes plain rows (the read models' output) and
returns SVG bytes; `svg_for` keys a small cache on the chart name and a digest of its data, so a
figure is drawn once per change of the numbers behind it. Titles and axis names are in the page,
in the visitor's language; the SVG carries numbers only.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

CACHED_CHARTS_MAX = 64
WIDTH_IN, HEIGHT_IN = 6.4, 3.0
COLOURS = ("#1d5fa7", "#d9822b", "#2e9e5b", "#b23b3b", "#7a4fb5", "#5b6770", "#c2a01a", "#2aa1b3")

_cache: OrderedDict[str, bytes] = OrderedDict()
_lock = threading.Lock()
# matplotlib's pyplot state is global: draw one figure at a time (charts are cached, so this is rare)
_draw_lock = threading.Lock()


def svg_for(name: str, data: Any, draw: Callable[[Any, Any], None]) -> bytes:
    digest = hashlib.sha256(json.dumps([name, data], sort_keys=True, default=str).encode()).hexdigest()
    with _lock:
        if digest in _cache:
            _cache.move_to_end(digest)
            return _cache[digest]
    svg = _render(data, draw)
    with _lock:
        _cache[digest] = svg
        while len(_cache) > CACHED_CHARTS_MAX:
            _cache.popitem(last=False)
    return svg


def _render(data: Any, draw: Callable[[Any, Any], None]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    with _draw_lock:
        figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), layout="constrained")
        axes = figure.add_subplot()
        axes.spines[["top", "right"]].set_visible(False)
        axes.grid(axis="y", alpha=0.3)
        draw(axes, data)
        out = io.BytesIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


def warm() -> None:
    """Import matplotlib and draw once (its font cache), off the request path."""
    _render({"labels": ["M0"], "values": [0]}, bars)


def bars(axes: Any, data: dict[str, Any]) -> None:
    """{"labels": [...], "values": [...], "reference": optional horizontal line}."""
    axes.bar(data["labels"], data["values"], color=COLOURS[0])
    if data.get("reference") is not None:
        axes.axhline(data["reference"], color=COLOURS[3], linestyle="--", linewidth=1)
    axes.tick_params(axis="x", labelrotation=data.get("rotation", 0))


def grouped_bars(axes: Any, data: dict[str, Any]) -> None:
    """{"labels": [...], "series": [[name, [values]], ...], "minimums": optional [values]}."""
    count = max(len(data["series"]), 1)
    width = 0.8 / count
    for n, (name, values) in enumerate(data["series"]):
        offsets = [i + (n - (count - 1) / 2) * width for i in range(len(data["labels"]))]
        axes.bar(offsets, values, width=width, label=name, color=COLOURS[n % len(COLOURS)])
    axes.set_xticks(range(len(data["labels"])), data["labels"])
    if len(data["series"]) > 1:
        axes.legend(frameon=False, fontsize="small")


def lines(axes: Any, data: dict[str, Any]) -> None:
    """{"series": [[name, [x...], [y...]], ...]}: one line per series (vintages: MOB → rate)."""
    for n, (name, xs, ys) in enumerate(data["series"]):
        axes.plot(xs, ys, label=name, color=COLOURS[n % len(COLOURS)], linewidth=1.5, marker="o", markersize=2.5)
    if data["series"]:
        axes.legend(frameon=False, fontsize="x-small", ncol=2)


def percent_axis(axes: Any) -> None:
    from matplotlib.ticker import PercentFormatter

    axes.yaxis.set_major_formatter(PercentFormatter(1.0))


def as_fractions(values: Sequence[Any]) -> list[float]:
    """Chart coordinates only: the exact figures are in the tables beside the chart."""
    return [float(v) if v is not None else 0.0 for v in values]
