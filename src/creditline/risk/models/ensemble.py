"""Several LightGBM models averaged in log-odds, stored and served as one LightGBM text model.

The champion is an ensemble of the best few settings of the search. A boosted model's log-odds
is the sum of its trees' leaf values, so the average of k models is one model holding all their
trees with every leaf value divided by k. Writing it that way keeps everything downstream
unchanged: one `model.txt` in the registry, one `pred_leaf` lookup per applicant, and path
credits that still add up exactly to the log-odds. Node values (`internal_value`) are scaled
alike, so each split's credit is the member's credit divided by k.
"""

from __future__ import annotations

import re

import lightgbm as lgb

TREES_END = "end of trees"
SCALED_KEYS = ("leaf_value=", "internal_value=")
TREE_HEADER = re.compile(r"^Tree=\d+$", re.M)


def split_model(text: str) -> tuple[str, list[str], str]:
    """(header, tree blocks, the rest from `end of trees` on) of a LightGBM text model."""
    end = text.index(TREES_END)
    body, rest = text[:end], text[end:]
    starts = [m.start() for m in TREE_HEADER.finditer(body)]
    assert starts, "a LightGBM model without trees"
    header = body[: starts[0]]
    blocks = [body[a:b].strip("\n") for a, b in zip(starts, [*starts[1:], len(body)], strict=True)]
    return header, blocks, rest


def scale_block(block: str, weight: float, number: int) -> str:
    lines = []
    for line in block.splitlines():
        if line.startswith("Tree="):
            line = f"Tree={number}"
        else:
            for key in SCALED_KEYS:
                if line.startswith(key):
                    values = [float(v) * weight for v in line[len(key):].split()]
                    line = key + " ".join(repr(v) for v in values)
        lines.append(line)
    return "\n".join(lines)


def parameters_section(rest: str) -> str:
    """The informational parameters block and the pandas line; feature importances are recomputed."""
    start = rest.find("parameters:")
    return rest[start:] if start >= 0 else "pandas_categorical:null\n"


def average_models(texts: list[str]) -> str:
    """One LightGBM text model whose log-odds is the mean of the members' log-odds."""
    assert texts, "an ensemble needs at least one member"
    if len(texts) == 1:
        return texts[0]
    weight = 1.0 / len(texts)
    header, _, rest = split_model(texts[0])
    # The tree byte sizes in the header are an index for parallel loading; without them LightGBM
    # reads the trees one after another, which is what a rewritten body needs.
    header = "\n".join(line for line in header.splitlines() if not line.startswith("tree_sizes="))
    blocks = []
    for text in texts:
        member_header, member_blocks, _ = split_model(text)
        assert feature_line(member_header) == feature_line(header), "ensemble members must share their features"
        blocks.extend(member_blocks)
    trees = "\n\n".join(scale_block(block, weight, number) for number, block in enumerate(blocks))
    merged = f"{header.rstrip()}\n\n{trees}\n\n{TREES_END}\n\n{parameters_section(rest)}"
    lgb.Booster(model_str=merged)  # refuse here, not at load time, if LightGBM cannot read it
    return merged


def feature_line(header: str) -> str:
    return next((line for line in header.splitlines() if line.startswith("feature_names=")), "")
