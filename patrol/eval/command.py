"""`patrol eval`: run scenario files through the real patrol and report its finding quality.

The evaluation modules load only when the command runs, so other commands start fast.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from patrol.config.issues import ConfigIssue
from patrol.config.load import ConfigError, validation_issues
from patrol.config.schema import DetectorConfig, SamplingConfig
from patrol.logs import configure_logging

if TYPE_CHECKING:
    from collections.abc import Sequence

    from detectors.types import PersonDetector
    from patrol.eval.harness import EvalResult, EvalSettings, ScenarioRun
    from patrol.eval.scenario_file import EvalScenario

DEFAULT_CACHE_DIR = Path("data") / "eval-cache"


class _EvalSections(BaseModel):
    """The parts of a config.yaml an evaluation uses; the rest of the file is not read."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    timezone: str = "Asia/Shanghai"
    detector: DetectorConfig = Field(default_factory=DetectorConfig)
    sampling: SamplingConfig = Field(default_factory=SamplingConfig)


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "eval",
        help="run scenario files through the real patrol and score its findings",
        description=(
            "Plays each scenario of a folder on a simulated RTSP camera, patrols it with the real "
            "planner, detector, tracker and rules (time jumps between looks, runs in real time "
            "during them), and scores the events against the findings each file expects."
        ),
    )
    parser.add_argument("--scenarios", type=Path, required=True, help="folder of scenario .yaml files")
    parser.add_argument(
        "--json", action="store_true", help="print the results as JSON (the table goes to stderr)"
    )
    parser.add_argument("--min-precision", type=float, help="exit 1 when a rule's precision is below this")
    parser.add_argument("--min-recall", type=float, help="exit 1 when a rule's recall is below this")
    parser.add_argument(
        "--workers", type=int, default=3, help="scenarios run at once, one at a time each (default 3)"
    )
    parser.add_argument(
        "--together",
        action="store_true",
        help=(
            "make every scenario a camera of one county and patrol them all at once in real time "
            "with the production dispatcher, so looks compete for workers as they would at scale"
        ),
    )
    parser.add_argument(
        "--look-workers",
        type=int,
        help="with --together: looks at once (default: the config's sampling.workers)",
    )
    parser.add_argument(
        "--distributed",
        action="store_true",
        help=(
            "with --together: send the looks over the broker to worker processes, each with its own "
            "detector, as a county's planner and worker machines do (needs --broker-url and --postgres-url)"
        ),
    )
    parser.add_argument(
        "--worker-processes",
        type=int,
        default=2,
        help="with --distributed: worker processes sharing the look workers (default 2)",
    )
    parser.add_argument(
        "--broker-url",
        help=(
            "with --distributed: RabbitMQ, on a virtual host the run has to itself "
            "(e.g. amqp://guest:guest@127.0.0.1:5672/patrol-eval)"
        ),
    )
    parser.add_argument(
        "--postgres-url",
        help=(
            "with --distributed: a PostgreSQL server (any database URL on it) where the run creates a "
            "database of its own, dropped afterwards unless --keep"
        ),
    )
    parser.add_argument(
        "--config",
        type=Path,
        help="take timezone, detector and sampling from this config file (default: built-in defaults)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the random look times (default 0)")
    parser.add_argument(
        "--random-seed",
        action="store_true",
        help="draw look times from the secure random source, as in production",
    )
    parser.add_argument(
        "--repeats", type=int, default=1, help="run each scenario this many times (default 1)"
    )
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only the scenarios with these names")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=DEFAULT_CACHE_DIR,
        help=f"encoded scenarios (default {DEFAULT_CACHE_DIR})",
    )
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="keep the events database and evidence pictures here"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every look")
    parser.set_defaults(handler=run)


def load_sections(path: Path | None) -> _EvalSections:
    if path is None:
        return _EvalSections()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(str(path), [ConfigIssue("", f"cannot read the file: {exc.strerror}")]) from None
    except yaml.YAMLError:
        raise ConfigError(str(path), [ConfigIssue("", "not valid YAML")]) from None
    if not isinstance(raw, dict):
        raise ConfigError(str(path), [ConfigIssue("", "the file must hold a mapping of sections")])
    try:
        return _EvalSections.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(str(path), list(validation_issues(exc, raw))) from None


def run(args: argparse.Namespace) -> int:
    from patrol.eval.harness import EvalSettings, Evaluation
    from patrol.eval.report import result_json, table
    from patrol.eval.scenario_file import load_scenarios

    configure_logging(level=logging.INFO if args.verbose else logging.WARNING)
    if args.workers < 1 or args.repeats < 1 or (args.look_workers is not None and args.look_workers < 1):
        print("patrol eval: --workers, --look-workers and --repeats must be at least 1", file=sys.stderr)
        return 2
    if args.look_workers is not None and not args.together:
        print("patrol eval: --look-workers goes with --together", file=sys.stderr)
        return 2
    if args.together and args.repeats != 1:
        print("patrol eval: --together plays each scenario once", file=sys.stderr)
        return 2
    problem = _distributed_problem(args)
    if problem is not None:
        print(f"patrol eval: {problem}", file=sys.stderr)
        return 2
    sections = load_sections(args.config)
    scenarios = load_scenarios(args.scenarios)
    if args.only:
        unknown = sorted(set(args.only) - {s.name for s in scenarios})
        if unknown:
            print(f"patrol eval: no scenario named {', '.join(unknown)} in {args.scenarios}", file=sys.stderr)
            return 2
        scenarios = [s for s in scenarios if s.name in args.only]

    from detectors.manifest import ModelError
    from patrol.detection import build_detector  # loads the runtime: only once the files are known good

    detector = None
    if not args.distributed:  # the worker processes load their own
        try:
            detector = build_detector(sections.detector)
        except ModelError as exc:
            print(f"patrol eval: {exc}", file=sys.stderr)
            return 2

    with ExitStack() as stack:
        work_dir = args.keep or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="patrol-eval-")))
        settings = EvalSettings(
            cache_dir=args.cache_dir,
            work_dir=work_dir,
            sampling=sections.sampling,
            detector=sections.detector,
            timezone=sections.timezone,
            workers=args.workers,
            seed=None if args.random_seed else args.seed,
            repeats=args.repeats,
        )
        if args.together:
            try:
                result = _together(args, scenarios, detector, settings, stack)
            except CannotRun as exc:
                print(f"patrol eval: {exc}", file=sys.stderr)
                return 2
        else:
            assert detector is not None
            result = Evaluation(scenarios, detector, settings, progress=_progress).run()

    if args.json:
        print(table(result), file=sys.stderr)
        print(json.dumps(result_json(result), indent=2, ensure_ascii=False))
    else:
        print(table(result))
    short = [
        problem
        for summary in result.summaries.values()
        for problem in summary.below(args.min_precision, args.min_recall)
    ]
    errors = [run for run in result.runs if run.outcome == "error"]
    for problem in short:
        print(f"patrol eval: below threshold: {problem}", file=sys.stderr)
    if errors:
        print(f"patrol eval: {len(errors)} scenario run(s) failed to run", file=sys.stderr)
    return 1 if short or errors else 0


class CannotRun(Exception):
    """The broker or database of a distributed run is not there, or not the run's alone."""


def _distributed_problem(args: argparse.Namespace) -> str | None:
    if not args.distributed:
        if args.broker_url or args.postgres_url:
            return "--broker-url and --postgres-url go with --distributed"
        return None
    if not args.together:
        return "--distributed goes with --together"
    if args.worker_processes < 1:
        return "--worker-processes must be at least 1"
    if not args.broker_url or not args.postgres_url:
        return "--distributed needs --broker-url (RabbitMQ) and --postgres-url (a PostgreSQL server)"
    return None


def _progress(run: ScenarioRun, done: int, total: int) -> None:
    from patrol.eval.report import describe

    print(f"[{done:>3}/{total}] {run.outcome:<7} {run.scenario.name}: {describe(run)}", file=sys.stderr)


def _together(
    args: argparse.Namespace,
    scenarios: Sequence[EvalScenario],
    detector: PersonDetector | None,
    settings: EvalSettings,
    stack: ExitStack,
) -> EvalResult:
    from kombu.exceptions import OperationalError as BrokerUnreachable
    from sqlalchemy.exc import OperationalError as DatabaseUnreachable

    from patrol.eval.county_looks import BrokerBusy, CountyRun
    from patrol.eval.together import TogetherEvaluation
    from patrol.store.scratch_database import scratch_database

    look_workers = args.look_workers or settings.sampling.workers
    county = None
    if args.distributed:
        try:
            database_url = stack.enter_context(
                scratch_database(args.postgres_url, "patrol_eval", keep=args.keep is not None)
            )
        except DatabaseUnreachable as exc:
            raise CannotRun(f"cannot create the run's database: {exc.orig}") from None
        fate = "kept" if args.keep is not None else "dropped at the end"
        print(f"patrol eval: the run's database: {_without_password(database_url)} ({fate})", file=sys.stderr)
        county = CountyRun(args.broker_url, database_url, args.worker_processes, verbose=args.verbose)
    together = TogetherEvaluation(
        scenarios, detector, settings, look_workers=look_workers, distributed=county, progress=_progress
    )
    try:
        return together.run()
    except BrokerBusy as exc:
        raise CannotRun(str(exc)) from None
    except BrokerUnreachable as exc:
        raise CannotRun(f"cannot reach the broker: {exc}") from None


def _without_password(url: str) -> str:
    from sqlalchemy import make_url

    return make_url(url).render_as_string(hide_password=True)
