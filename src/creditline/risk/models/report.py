"""The model report: one HTML page with PNG plots beside it, for a risk analyst or a validator.

Sections: data summary, test metrics of champion / booster / scorecard, ROC, KS, calibration by
decile, score distribution of goods and bads, feature importance, and the scorecard's bin tables.
Drawn from labelled data when given, else from the held-out sample stored with the model. The
page and its plots are written into a temporary folder beside the target and moved into place
only when all are written, so a failure leaves no half-written report.
"""

from __future__ import annotations

import html
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from creditline.risk.models.metrics import calibration_table, evaluate

IMPORTANCE_TOP = 20
STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}"
    "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
    "th{background:#f3f3f3}td.l,th.l{text-align:left}img{max-width:520px;margin:4px}"
)


def write_report(scorer, out: Path, labelled: tuple[np.ndarray, np.ndarray] | None = None) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    out = Path(out)
    if labelled is None:
        sample = scorer.metadata["report_sample"]
        target, pd_ = np.asarray(sample["bad"], dtype=float), np.asarray(sample["pd"], dtype=float)
        source = "held-out test sample stored with the model"
    else:
        target, features = labelled
        pd_ = scorer.score_features(features)["pd"].to_numpy()
        source = f"labelled data given to the report ({target.size} rows)"
    images = {
        "roc": plot_roc(target, pd_), "ks": plot_ks(target, pd_), "calibration": plot_calibration(target, pd_),
        "scores": plot_scores(target, pd_, scorer), "importance": plot_importance(scorer.metadata.get("importance", {})),
    }
    with staged_folder(out.parent) as folder:
        names = {}
        for key, figure in images.items():
            names[key] = f"{out.stem}_{key}.png"
            figure.savefig(folder / names[key], format="png", dpi=90, bbox_inches="tight")
        (folder / out.name).write_text(render(scorer, evaluate(target, pd_), source, names), encoding="utf-8")
    return out


@contextmanager
def staged_folder(folder: Path) -> Iterator[Path]:
    """A temporary folder whose files are moved into `folder` when the block ends without error.

    It sits in the nearest existing ancestor (same file system, so moves are renames); a `folder`
    that did not exist appears whole, at once, via the model registry's directory swap."""
    from creditline.risk.models.registry import replace_directory

    folder = folder.absolute()
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    staging = Path(tempfile.mkdtemp(prefix=".report.", dir=existing))
    try:
        inner = staging.joinpath(*folder.relative_to(existing).parts)
        inner.mkdir(parents=True, exist_ok=True)
        yield inner
        if folder == existing:
            for path in sorted(inner.iterdir(), key=lambda p: p.suffix == ".html"):  # the page last
                os.replace(path, folder / path.name)
        else:
            top = folder.relative_to(existing).parts[0]
            replace_directory(staging / top, existing / top)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def new_axes(title: str):
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(5.2, 3.8))
    axes.set_title(title)
    return figure, axes


def plot_roc(target, pd_):
    from sklearn.metrics import roc_curve

    false_positive, true_positive, _ = roc_curve(target, pd_)
    figure, axes = new_axes("ROC (bad = positive)")
    axes.plot(false_positive, true_positive, label="champion")
    axes.plot([0, 1], [0, 1], "--", color="grey")
    axes.set_xlabel("share of goods flagged")
    axes.set_ylabel("share of bads flagged")
    return figure


def plot_ks(target, pd_):
    order = np.argsort(-pd_)
    bads = np.cumsum(target[order]) / max(target.sum(), 1)
    goods = np.cumsum(1 - target[order]) / max((1 - target).sum(), 1)
    share = np.arange(1, target.size + 1) / target.size
    figure, axes = new_axes(f"KS = {np.max(np.abs(bads - goods)):.3f}")
    axes.plot(share, bads, label="bads")
    axes.plot(share, goods, label="goods")
    axes.set_xlabel("share of applicants, riskiest first")
    axes.legend()
    return figure


def plot_calibration(target, pd_):
    table = calibration_table(target, pd_)
    figure, axes = new_axes("Calibration by decile")
    predicted = [row["predicted"] for row in table]
    axes.plot(predicted, [row["observed"] for row in table], "o-", label="observed")
    top = max([*predicted, *[row["observed"] for row in table], 1e-3])
    axes.plot([0, top], [0, top], "--", color="grey", label="perfect")
    axes.set_xlabel("predicted PD")
    axes.set_ylabel("observed bad rate")
    axes.legend()
    return figure


def plot_scores(target, pd_, scorer):
    clipped = np.clip(pd_, 1e-12, 1 - 1e-12)
    scores = scorer.scaling.score(np.log(clipped / (1 - clipped)))
    figure, axes = new_axes("Score distribution")
    bins = np.linspace(350, 950, 41)
    axes.hist(scores[target == 0], bins=bins, alpha=0.6, density=True, label="goods")
    axes.hist(scores[target == 1], bins=bins, alpha=0.6, density=True, label="bads")
    axes.set_xlabel("score (600 at 50:1, 20 PDO)")
    axes.legend()
    return figure


def plot_importance(importance: dict):
    top = sorted(importance.items(), key=lambda item: item[1], reverse=True)[:IMPORTANCE_TOP]
    figure, axes = new_axes("Feature importance (LightGBM gain)")
    axes.barh([name for name, _ in reversed(top)], [value for _, value in reversed(top)])
    axes.tick_params(axis="y", labelsize=7)
    return figure


def cells(values, header: bool = False) -> str:
    tag = "th" if header else "td"
    return "<tr>" + "".join(
        f"<{tag}{' class=l' if isinstance(v, str) else ''}>{html.escape(fmt(v))}</{tag}>" for v in values
    ) + "</tr>"


def fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def render(scorer, metrics: dict, source: str, images: dict) -> str:
    meta = scorer.metadata
    test = meta["metrics"]["test"]
    parts = [f"<!doctype html><meta charset=utf-8><title>Model report {html.escape(scorer.model_id)}</title>",
             f"<style>{STYLE}</style><h1>PD model {html.escape(scorer.model_id)}</h1>",
             "<h2>Data</h2><table>"]
    data = meta["data"]
    for label, value in (("source", data["source"]), ("rows", data["rows"]), ("target", meta["target"]["column"]),
                         ("bad value", " | ".join(meta["target"].get("bad_values") or [meta["target"]["bad_value"]])),
                         ("good value", " | ".join(meta["target"].get("good_values") or ["every other value"])),
                         ("bad rate", meta["target"]["bad_rate"]),
                         ("split", meta["split"]["method"]), ("champion", meta["champion"]["kind"]),
                         ("booster weight", meta["champion"]["blend_weight"]),
                         ("calibration", meta["champion"]["calibration"]), ("created", meta["created_at"])):
        parts.append(cells([label, value if isinstance(value, (int, float)) else str(value)]))
    parts.append("</table><h2>Features</h2><table>" + cells(["column", "type", "missing codes", "categories", "median"], True))
    for f in meta["features"]:
        parts.append(cells([f["name"], f["kind"], ", ".join(map(str, f["missing_codes"])) or "-",
                            len(f["categories"]), f["median"] if f["median"] is not None else "-"]))
    parts.append("</table>" + "".join(f"<p>dropped <b>{html.escape(d['column'])}</b>: {html.escape(d['reason'])}</p>"
                                      for d in meta["dropped"]))
    parts.append("<h2>Held-out test metrics</h2><table>" + cells(["model", "AUC", "KS", "Brier"], True))
    for name in ("champion", "lightgbm", "scorecard"):
        parts.append(cells([name, test[name]["auc"], test[name]["ks"], test[name]["brier"]]))
    parts.append(f"</table><h2>Evaluation on the {html.escape(source)}</h2><table>"
                 + cells(["n", "AUC", "95% CI", "Gini", "KS", "Brier", "log loss"], True)
                 + cells([metrics["n"], metrics["auc"], f"{metrics['auc_ci95'][0]:.4f}–{metrics['auc_ci95'][1]:.4f}",
                          metrics["gini"], metrics["ks"], metrics["brier"], metrics["log_loss"]]) + "</table>")
    parts.append("".join(f"<img src='{html.escape(name)}' alt='{key}'>" for key, name in images.items()))
    parts.append(scorecard_tables(scorer))
    return "\n".join(parts)


def scorecard_tables(scorer) -> str:
    parts = ["<h2>Scorecard bins</h2>"]
    for variable in scorer.scorecard.variables:
        parts.append(f"<h3>{html.escape(variable.feature)}</h3><table>"
                     + cells(["bin", "count", "bad rate", "WoE", "points"], True))
        for row in zip(variable.labels, variable.counts, variable.event_rates, variable.woe, variable.points, strict=True):
            parts.append(cells([row[0], row[1], row[2], row[3], round(row[4], 1)]))
        parts.append("</table>")
    return "\n".join(parts)
