"""A rule's finding details are typed: renaming a field without its users fails the type check.

The rule module is copied beside the project, once as it is and once with one field of its
details renamed, and mypy (with the project's configuration, as scripts/check runs it) judges it.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from patrol.rules.guard_absent import SPEC

ROOT = Path(__file__).resolve().parents[3]
RULE = ROOT / "patrol" / "rules" / "guard_absent.py"
FIELD = "    persons_in_zone: int\n"


def _mypy(program: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), str(program)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize(
    ("renamed", "passes"),
    [(None, True), ("    persons_seen: int\n", False)],
    ids=["as-declared", "field-renamed"],
)
def test_mypy_fails_when_a_details_field_is_renamed(
    tmp_path: Path, renamed: str | None, passes: bool
) -> None:
    source = RULE.read_text(encoding="utf-8")
    assert source.count(FIELD) == 1  # the field this test renames is still declared once
    program = tmp_path / "rule_copy.py"
    program.write_text(source if renamed is None else source.replace(FIELD, renamed), encoding="utf-8")

    result = _mypy(program)

    assert (result.returncode == 0) is passes, result.stdout + result.stderr
    if not passes:
        # The summaries and the rule still use the old name: each use is a type error.
        assert '"GuardAbsentDetails" has no attribute "persons_in_zone"' in result.stdout


def test_a_dashboard_label_for_a_detail_the_rule_lacks_is_refused() -> None:
    with pytest.raises(TypeError, match="persons_seen"):
        dataclasses.replace(SPEC, detail_labels={"persons_seen": ("区域内人数", "Persons in zone")})
