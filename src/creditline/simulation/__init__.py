"""The portfolio simulator: a realistic applicant population, decided by the real origination path,
borrowing and repaying (through the simulated bank) with behaviour driven by each borrower's latent
risk, and end of day every day. It makes the demo's data (docs/simulation.md).

Modules: `population` (who applies, with what, how risky), `behaviour` (what each does with a loan),
`runner` (`simulate`: the days, through the app's use cases), `fingerprint` (a book's figures without
its random ids, to check that two runs with the same seed agree).
"""

from creditline.simulation.runner import SimulationConfig, SimulationInvalid, simulate

__all__ = ["SimulationConfig", "SimulationInvalid", "simulate"]
