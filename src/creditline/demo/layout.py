"""Where the demo keeps its files, and whether a demo built earlier can be reused.

A demo is a SQLite database (`--db`, by default `demo.sqlite` in the user's creditline data
directory) and, beside it, a folder named after it holding everything else the build made: the
trained model, the portfolio report, the securitisation tape, deal and results, the illustrative
balance sheet, and `demo.json`, the manifest. The manifest is written before the database is
created and marked complete only when every step has finished, so an interrupted build is known
as such and started again; a database with no manifest was not made by the demo and is never
touched.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from creditline.errors import DomainError

MANIFEST_VERSION = 1
BORROWERS_DEFAULT = 2_000
MONTHS_DEFAULT = 12
SEED_DEFAULT = 7
PORT_DEFAULT = 8000
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


class DemoInvalid(DomainError):
    code = "demo_invalid"


@dataclass(frozen=True, slots=True)
class DemoOptions:
    db: Path
    borrowers: int = BORROWERS_DEFAULT
    months: int = MONTHS_DEFAULT
    seed: int = SEED_DEFAULT
    port: int = PORT_DEFAULT
    serve: bool = True
    fresh: bool = False

    def __post_init__(self) -> None:
        from creditline.simulation import SimulationConfig

        SimulationConfig(
            self.borrowers, self.months, self.seed
        )  # the simulator's own limits, checked up front
        if not 1 <= self.port <= 65_535:
            raise DemoInvalid("must be 1 to 65535", field="port")

    @property
    def build(self) -> dict[str, int]:
        """What the built database depends on (the port and serving do not)."""
        return {"borrowers": self.borrowers, "months": self.months, "seed": self.seed}


def default_db_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("creditline", appauthor=False)) / "demo.sqlite"


def db_path(text: str | None) -> Path:
    """`--db`: a SQLite file path (or a `sqlite:///` URL); the demo is SQLite by design."""
    if text is None:
        return default_db_path()
    if text.startswith("sqlite:///"):
        text = text.removeprefix("sqlite:///")
    elif "://" in text:
        raise DemoInvalid("the demo runs on a SQLite file: give a path such as /tmp/demo.sqlite", field="db")
    path = Path(text).expanduser()
    if path.exists() and not path.is_file():
        raise DemoInvalid(f"{path} is not a file", field="db")
    return path.resolve()


@dataclass(frozen=True, slots=True)
class DemoLayout:
    db: Path

    @property
    def url(self) -> str:
        return f"sqlite:///{self.db}"

    @property
    def folder(self) -> Path:
        return self.db.parent / self.db.stem

    @property
    def manifest(self) -> Path:
        return self.folder / "demo.json"

    @property
    def population_csv(self) -> Path:
        return self.folder / "population.csv"

    @property
    def model_dir(self) -> Path:
        return self.folder / "model"

    @property
    def model_report(self) -> Path:
        return self.folder / "model-report" / "model.html"

    @property
    def report_dir(self) -> Path:
        return self.folder / "report"

    @property
    def abs_dir(self) -> Path:
        return self.folder / "abs"

    @property
    def balance_sheet(self) -> Path:
        return self.folder / "balance-sheet.json"

    def read_manifest(self) -> dict[str, Any] | None:
        try:
            found = json.loads(self.manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return found if isinstance(found, dict) and found.get("version") == MANIFEST_VERSION else None

    def write_manifest(self, data: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.manifest.with_name(".demo.json.partial")
        partial.write_text(json.dumps(data, indent=1, sort_keys=True, default=str), encoding="utf-8")
        os.replace(partial, self.manifest)

    def clear(self) -> None:
        """Remove the database and the demo folder; only ever called when the manifest says they are ours."""
        for suffix in ("", *SQLITE_SIDE_FILES):
            Path(f"{self.db}{suffix}").unlink(missing_ok=True)
        shutil.rmtree(self.folder, ignore_errors=True)


def plan(layout: DemoLayout, options: DemoOptions) -> str:
    """`new`, `reuse` or `rebuild` (`--fresh`, or the last build did not finish); refuses what is not ours."""
    manifest = layout.read_manifest()
    if manifest is None:
        if layout.db.exists():
            raise DemoInvalid(f"{layout.db} exists and was not made by creditline demo; choose another path",
                              field="db")  # fmt: skip
        return "new"
    if options.fresh or manifest.get("status") != "complete" or not layout.db.exists():
        return "rebuild"
    built = manifest.get("build")
    if built != options.build:
        raise DemoInvalid(
            f"the demo at {layout.db} was built with {_build_text(built)}; add --fresh to rebuild it with "
            f"{_build_text(options.build)}", field="fresh",
        )  # fmt: skip
    return "reuse"


def _build_text(build: Any) -> str:
    if not isinstance(build, dict):
        return "other settings"
    borrowers, months = build.get("borrowers", 0), build.get("months", 0)
    return (f"{borrowers:,} borrower{'' if borrowers == 1 else 's'} × {months} month{'' if months == 1 else 's'}, "
            f"seed {build.get('seed')}")  # fmt: skip
