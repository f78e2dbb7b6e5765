from datetime import date

from creditline.identity import BureauReport, SimulatedBureau, SimulatedFaceMatcher, SimulatedTelco

ON = date(2025, 6, 30)


def test_simulated_bureau_is_deterministic_and_overridable():
    bureau = SimulatedBureau()
    first = bureau.report("11010519491231002X", "张三", on=ON)
    assert first == SimulatedBureau().report("11010519491231002X", "张三", on=ON)
    pinned = BureauReport(True, 3, 1, 500_000, 0, False)
    assert SimulatedBureau(overrides={"X1": pinned}).report("X1", "n", on=ON) is pinned


def test_simulated_bureau_population_shape():
    bureau = SimulatedBureau()
    reports = [bureau.report(f"{i:018d}", "n", on=ON) for i in range(4000)]
    thin = sum(not r.found for r in reports) / len(reports)
    delinquent = sum(r.delinquencies_24m > 0 for r in reports) / len(reports)
    assert 0.05 < thin < 0.11
    assert 0.08 < delinquent < 0.20
    assert all(r.obligations_monthly_minor % 100 == 0 for r in reports)


def test_face_and_telco_simulators_are_deterministic():
    face = SimulatedFaceMatcher().match("id", "selfie-1")
    assert face == SimulatedFaceMatcher().match("id", "selfie-1")
    assert 0 <= face.similarity <= 1
    telco = SimulatedTelco().check("+8613800138000", "id", "n")
    assert telco == SimulatedTelco().check("+8613800138000", "id", "n")
