"""Only patrol.store reaches the ORM: the import-linter contract in pyproject.toml holds on the tree,
and breaks as soon as a module elsewhere imports sqlalchemy.orm."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.patrol.import_contracts import PACKAGES, REPO, copy_of_tree, lint_imports, needs_import_linter

# What only patrol.store may touch: the ORM's sessions, under their old name or the Database's.
SESSION_USE = re.compile(r"\borm_sessions\b|\.database\.sessions\b")

pytestmark = needs_import_linter


def test_the_tree_keeps_the_contract() -> None:
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "only patrol.store imports sqlalchemy.orm KEPT" in result.stdout


@pytest.mark.parametrize(
    "module",
    [
        "patrol/hazards/leak.py",  # a domain package
        "patrol/leak.py",  # a module directly in patrol
        "api/routes/leak.py",
    ],
)
def test_a_module_outside_the_store_importing_the_orm_breaks_it(tmp_path: Path, module: str) -> None:
    root = copy_of_tree(tmp_path)
    (root / module).write_text("from sqlalchemy.orm import Session\n\nSESSION = Session\n")
    result = lint_imports(root)
    assert result.returncode != 0, result.stdout
    dotted = module.removesuffix(".py").replace("/", ".")
    assert f"{dotted} -> sqlalchemy.orm" in result.stdout


def test_a_store_module_may_import_the_orm(tmp_path: Path) -> None:
    root = copy_of_tree(tmp_path)
    (root / "patrol/store/extra.py").write_text("from sqlalchemy.orm import Session\n\nSESSION = Session\n")
    result = lint_imports(root)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_module_outside_the_store_opens_an_orm_session() -> None:
    """What the linter cannot see: a session reached through an attribute rather than an import."""
    offenders = [
        f"{path.relative_to(REPO)}:{number}"
        for package in PACKAGES
        for path in sorted((REPO / package).rglob("*.py"))
        if not path.is_relative_to(REPO / "patrol" / "store")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if SESSION_USE.search(line)
    ]
    assert offenders == []
