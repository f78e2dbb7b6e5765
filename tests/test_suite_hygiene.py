"""Guards for a suite many people add to at once.

Test directories have no __init__.py, so pytest imports test modules by basename: two files with the
same name in different folders make collection fail. And `from conftest import ...` resolves to
whichever conftest.py happens to be first on sys.path.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parent
CONFTEST_IMPORT = re.compile(r"^\s*(from conftest import|import conftest\b)", re.MULTILINE)


def test_test_module_basenames_are_unique() -> None:
    names = Counter(path.name for path in TESTS.rglob("test_*.py"))
    clashes = sorted(name for name, count in names.items() if count > 1)
    assert clashes == [], f"rename these test modules, their basenames clash: {clashes}"


def test_helper_module_basenames_are_unique() -> None:
    helpers = [p for p in TESTS.rglob("*.py") if not p.name.startswith("test_") and p.name != "__init__.py"]
    names = Counter(p.name for p in helpers if p.name != "conftest.py")
    clashes = sorted(name for name, count in names.items() if count > 1)
    assert clashes == [], f"helper modules imported by basename clash: {clashes}"


def test_nothing_imports_from_conftest() -> None:
    offenders = [
        str(path.relative_to(TESTS))
        for path in TESTS.rglob("*.py")
        if CONFTEST_IMPORT.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], f"import from a uniquely named module instead of conftest: {offenders}"
