"""A reason's sentence, written in English when the decision is made, read in another language."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from creditline.risk.models.columns import CATEGORY, FLAG, NUMBER, ColumnSpec
from creditline.risk.models.reasons import reworded, wording

ZH = {
    "%(label)s is high (%(value)s)": "%(label)s偏高（%(value)s）",
    "%(label)s is missing": "%(label)s缺失",
    "%(label)s is %(quoted)s": "%(label)s为%(quoted)s",
    "%(label)s: yes": "%(label)s：是",
    "Debt to income": "负债收入比",
    "Employment": "就业情况",
    "student": "学生",
}


def zh(text: str) -> str:
    return ZH.get(text, text)


def test_each_kind_of_sentence_reads_in_chinese_and_an_unknown_one_stays():
    ratio = ColumnSpec("dti", "dti", NUMBER, "Debt to income", median=0.3)
    employment = ColumnSpec("employment", "employment", CATEGORY, "Employment", categories=("student", "retired"))
    owner = ColumnSpec("owner", "owner", FLAG, "Home owner")
    assert reworded(wording(ratio, 0.45, "0.45"), zh) == "负债收入比偏高（0.45）"
    assert reworded(wording(ratio, math.nan, ""), zh) == "负债收入比缺失"
    assert reworded(wording(employment, 0.0, "student"), zh) == "就业情况为'学生'"
    assert reworded(wording(owner, 1.0, "Y"), zh) == "Home owner：是"  # a label with no translation stays
    assert reworded("Something else entirely", zh) == "Something else entirely"
    assert reworded("Employment is 'it's'", zh) == "Employment is 'it's'"  # not a quoting `wording` writes
    broken = {"%(label)s is low (%(value)s)": "%(标签)s偏低"}  # a translation that lost its placeholder
    assert reworded(wording(ratio, 0.1, "0.1"), lambda t: broken.get(t, t)) == "Debt to income is low (0.1)"


labels = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20).filter(lambda s: s.strip() == s)


@given(label=labels, value=st.one_of(st.floats(-1e6, 1e6), st.just(math.nan)), median=st.floats(-1e6, 1e6),
       raw=st.text(max_size=12), kind=st.sampled_from([NUMBER, CATEGORY, FLAG]))
def test_a_sentence_reworded_without_a_translation_is_itself(label, value, median, raw, kind):
    """`reworded` parses every sentence `wording` writes: with no translation, it gives it back unchanged."""
    spec = ColumnSpec("c", "c", kind, label, median=median, categories=(raw,) if kind == CATEGORY else ())
    feature = value if kind == NUMBER or math.isnan(value) else float(value > 0)
    text = wording(spec, feature, raw)
    assert reworded(text, lambda t: t) == text
