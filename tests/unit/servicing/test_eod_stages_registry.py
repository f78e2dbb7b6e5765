"""The EOD stage registry: phases in order, one line to add a stage, placement by name."""

from __future__ import annotations

import pytest

from creditline.app import eod_stages
from creditline.app.eod_stages import CORE_STAGES, PIPELINE, Phase, Stage, register, stages


@pytest.fixture
def pipeline():  # type: ignore[no-untyped-def]
    saved = list(PIPELINE)
    yield PIPELINE
    PIPELINE[:] = saved


def test_the_core_stages_run_in_the_documented_order() -> None:
    names = [s.name for s in PIPELINE if s.name in CORE_STAGES]
    assert names == ["debit-returns", "auto-debit", "accrue", "classify", "provision", "snapshot", "publish-audit"]
    assert [s.name for s in stages(Phase.OPEN, CORE_STAGES)] == ["debit-returns", "auto-debit"]
    assert all(callable(s.function()) for s in PIPELINE)  # every target imports


def test_register_places_a_stage_by_name_once(pipeline) -> None:  # type: ignore[no-untyped-def]
    early = Stage("early", "creditline.app.eod_audit:publish_head", Phase.CLOSE)
    register(early, after="classify")
    register(early, after="classify")  # idempotent by name
    names = [s.name for s in pipeline]
    assert names.count("early") == 1 and names.index("early") == names.index("classify") + 1
    register(Stage("first", "creditline.app.eod_audit:publish_head", Phase.CLOSE), before="accrue")
    assert [s.name for s in pipeline].index("first") == [s.name for s in pipeline].index("accrue") - 1
    register(Stage("last-after", "creditline.app.eod_audit:publish_head", Phase.AFTER))
    assert pipeline[-1].name == "last-after"


def test_a_stage_out_of_its_phase_is_refused_and_changes_nothing(pipeline) -> None:  # type: ignore[no-untyped-def]
    before = list(pipeline)
    with pytest.raises(AssertionError):
        register(Stage("too-early", "creditline.app.eod_audit:publish_head", Phase.AFTER), before="auto-debit")
    assert before == eod_stages.PIPELINE
