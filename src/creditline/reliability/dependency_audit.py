"""The dependency audit of CI: `pip-audit` over the installed environment, with a stated policy.

* A known vulnerability in any installed package fails the build (exit 1), each one listed with
  the versions that fix it.
* When the vulnerability database cannot be reached — no network, the service down, pip-audit
  giving up, or every package skipped because the index answered nothing — the step says so
  plainly and does not fail the build (exit 0): a network outage must not block every change, and
  the next run with the network audits again.
* pip-audit missing is a broken environment (it is in the dev extras): exit 1.

Run it as `python -m creditline.reliability.dependency_audit` (what .ci/run does).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

AUDIT_S_MAX = 300
PASSED, FAILED = 0, 1


@dataclass(frozen=True, slots=True)
class Verdict:
    exit_code: int
    message: str


def judge(report: dict | None, returncode: int, stderr: str = "") -> Verdict:
    """The policy, on pip-audit's JSON report (None when it produced none) and its exit code."""
    if report is None:
        reason = stderr.strip().splitlines()[-1] if stderr.strip() else f"exit code {returncode}"
        return Verdict(PASSED, f"dependency audit: vulnerability database unreachable ({reason}); not audited this run")
    dependencies = report.get("dependencies", [])
    audited = [d for d in dependencies if "skip_reason" not in d]
    vulnerable = [(d, v) for d in audited for v in d.get("vulns", [])]
    if vulnerable:
        lines = [f"  {d['name']} {d['version']}: {v['id']} (fixed in {', '.join(v.get('fix_versions') or ['no release yet'])})"
                 for d, v in vulnerable]  # fmt: skip
        return Verdict(FAILED, f"dependency audit: {len(vulnerable)} known vulnerabilities\n" + "\n".join(lines))
    if dependencies and not audited:
        return Verdict(PASSED, f"dependency audit: none of {len(dependencies)} packages could be looked up "
                               "(the index or vulnerability service did not answer); not audited this run")  # fmt: skip
    skipped = len(dependencies) - len(audited)
    return Verdict(PASSED, f"dependency audit: {len(audited)} packages audited, no known vulnerabilities"
                           + (f" ({skipped} could not be looked up)" if skipped else ""))  # fmt: skip


def run_pip_audit(executable: str) -> tuple[dict | None, int, str]:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "audit.json"
        command = [executable, "--format", "json", "--output", str(out), "--skip-editable", "--progress-spinner", "off"]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=AUDIT_S_MAX, check=False)
        except subprocess.TimeoutExpired:
            return None, -1, f"no answer in {AUDIT_S_MAX} s"
        try:
            report = json.loads(out.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            report = None
        return report, done.returncode, done.stderr


def main(argv: list[str] | None = None) -> int:
    executable = shutil.which("pip-audit", path=str(Path(sys.executable).parent)) or shutil.which("pip-audit")
    if executable is None:
        print("dependency audit: pip-audit is not installed (pip install -e '.[dev]')", file=sys.stderr)
        return FAILED
    verdict = judge(*run_pip_audit(executable))
    print(verdict.message, file=sys.stderr if verdict.exit_code else sys.stdout)
    return verdict.exit_code


if __name__ == "__main__":
    raise SystemExit(main())
