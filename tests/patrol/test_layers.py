"""The layers contract in pyproject.toml: the CLI and the serving wiring on top, then the API, then
the patrol core, then streams and detectors (independent of each other). It holds on the tree, names
every module of the patrol core, and breaks as soon as a lower layer imports a higher one."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tests.patrol.import_contracts import REPO, copy_of_tree, lint_imports, needs_import_linter

CONTRACT = "layers: CLI, api, patrol core, streams | detectors"

pytestmark = needs_import_linter


def layers() -> list[set[str]]:
    """The contract's layers, top first, each as the set of its modules."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = (c for c in config["tool"]["importlinter"]["contracts"] if c["name"] == CONTRACT)
    return [{name.strip() for name in layer.replace("|", ":").split(":")} for layer in contract["layers"]]


def test_the_tree_keeps_the_layers() -> None:
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{CONTRACT} KEPT" in result.stdout


def test_every_module_of_patrol_is_in_a_layer() -> None:
    """A layer cannot contain another, so the core lists patrol's modules one by one: a new one
    left out would be checked by nothing."""
    in_layers = set().union(*layers())
    modules = {
        f"patrol.{path.stem if path.is_file() else path.name}"
        for path in (REPO / "patrol").iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").exists()
    }
    assert sorted(modules - in_layers) == []


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # The wiring of the patrol's parts stays below the API; serving it is patrol.serving's job.
        ("patrol/service.py", "from api.app import create_app", "patrol.service -> api.app"),
        ("patrol/look.py", "import api.deps", "patrol.look -> api.deps"),
        ("patrol/hazards/register.py", "from api import schemas", "patrol.hazards.register -> api.schemas"),
        ("streams/rtsp.py", "from patrol.clock import SystemClock", "streams.rtsp -> patrol.clock"),
        ("detectors/tracker.py", "import patrol.types", "detectors.tracker -> patrol.types"),
        ("api/routes/events.py", "from patrol import cli", "api.routes.events -> patrol.cli"),
        ("api/app.py", "import patrol.serving", "api.app -> patrol.serving"),
        # Streams and detectors are independent of each other.
        ("detectors/tracker.py", "import streams.types", "detectors.tracker -> streams.types"),
        ("streams/file.py", "from detectors.types import Detections", "streams.file -> detectors.types"),
    ],
)
def test_a_lower_layer_importing_a_higher_one_breaks_them(
    tmp_path: Path, module: str, line: str, broken: str
) -> None:
    root = copy_of_tree(tmp_path)
    path = root / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    result = lint_imports(root)
    assert result.returncode != 0, result.stdout
    assert f"{CONTRACT} BROKEN" in result.stdout
    assert f"- {broken} (l." in result.stdout
