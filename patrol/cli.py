"""The `patrol` command."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from patrol.config import ConfigError, PatrolConfig, config_secrets, load_config
from patrol.logs import configure_logging

if TYPE_CHECKING:
    from patrol.county.status import StatusPort

log = logging.getLogger("patrol")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        result: int = args.handler(args)
        return result
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if not _refused_schema(exc):
            raise
        print(f"patrol: {exc}", file=sys.stderr)
        return 2


def _refused_schema(exc: Exception) -> bool:
    # Looked up, not imported: the migrations load only for commands that open the database.
    schema = sys.modules.get("patrol.store.schema")
    return schema is not None and isinstance(exc, schema.SchemaNotReady)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="patrol", description="Random-time video patrol of school cameras.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    validate = commands.add_parser("validate-config", help="check a config file and report every problem")
    validate.add_argument("file", type=Path)
    validate.set_defaults(handler=_validate_config)

    models = commands.add_parser("models", help="detector models")
    model_commands = models.add_subparsers(required=True, metavar="ACTION")
    pull = model_commands.add_parser("pull", help="fetch a model listed in the manifest and verify its hash")
    pull.add_argument("name", nargs="?", default="person-fall-v8")
    pull.add_argument("--models-dir", type=Path, default=Path("models"))
    pull.set_defaults(handler=_models_pull)
    export = model_commands.add_parser(
        "export",
        help="export a model's verified weights for another runtime, recorded with both hashes",
        description="Export the manifest's verified weights into another runtime's format beside them, "
        "with a record of the export's sha256 and the weights' sha256; a detector loads the export only "
        "while both match. --int8 calibrates on the simulator's scenes and the shared footage.",
    )
    export.add_argument("name", nargs="?", default="person-fall-v8")
    export.add_argument("--backend", required=True, help="onnxruntime, openvino or tensorrt")
    precision = export.add_mutually_exclusive_group()
    precision.add_argument("--half", action="store_true", help="FP16")
    precision.add_argument(
        "--int8", action="store_true", help="INT8 (OpenVINO, NNCF post-training quantization)"
    )
    export.add_argument("--device", default="cpu", help="where the export will run (tensorrt: cuda:0)")
    export.add_argument("--batch", type=_positive_int, default=8, help="largest batch (tensorrt engines)")
    export.add_argument(
        "--calibration-frames", type=_positive_int, default=300, help="frames INT8 is calibrated on"
    )
    export.add_argument("--models-dir", type=Path, default=Path("models"))
    export.set_defaults(handler=_models_export)

    bench = commands.add_parser("bench", help="benchmarks")
    bench_commands = bench.add_subparsers(required=True, metavar="WHAT")
    bench_detector = bench_commands.add_parser(
        "detector",
        help="frames per second and agreement with PyTorch of every detector backend available here",
        description="Runs the same frames (the simulator's scenes and the shared footage) through every "
        "backend and exported precision available, at each batch size, and compares their persons with "
        "PyTorch's: agreement is the share of its boxes matched at IoU >= 0.5, extra_share the boxes it "
        "did not find, as a share of its boxes.",
    )
    bench_detector.add_argument("--backends", nargs="+", metavar="NAME", help="default: all available")
    bench_detector.add_argument("--frames", type=_positive_int, default=64)
    bench_detector.add_argument("--batches", type=_positive_int, nargs="+", default=[1, 8])
    bench_detector.add_argument("--device", default="cpu")
    bench_detector.add_argument("--model", default="person-fall-v8")
    bench_detector.add_argument("--models-dir", type=Path, default=Path("models"))
    bench_detector.add_argument("--json", action="store_true", help="print the figures as JSON")
    bench_detector.set_defaults(handler=_bench_detector)

    cameras = commands.add_parser("cameras", help="camera administration")
    camera_commands = cameras.add_subparsers(required=True, metavar="ACTION")
    reset = camera_commands.add_parser(
        "reset-reference", help="forget a camera's reference view; its next good look takes a new one"
    )
    reset.add_argument("camera")
    reset.add_argument("--config", type=Path, default=Path("config.yaml"), help="default: ./config.yaml")
    reset.set_defaults(handler=_reset_reference)
    take_view = camera_commands.add_parser(
        "take-view",
        help="take a labelled reference view from a snapshot now, for the rules that compare with it "
        "(a gate's closed and open)",
    )
    take_view.add_argument("camera")
    take_view.add_argument("label", help="a label a rule declares (closed, open)")
    take_view.add_argument("--config", type=Path, default=Path("config.yaml"), help="default: ./config.yaml")
    take_view.set_defaults(handler=_take_view)
    gate_reference = camera_commands.add_parser(
        "gate-reference",
        help="take the gate_open rule's view of the gate closed or open from a snapshot now "
        "(take-view with that label)",
    )
    gate_reference.add_argument("camera")
    gate_reference.add_argument(
        "--state", dest="label", required=True, choices=("closed", "open"), help="the gate as it stands now"
    )
    gate_reference.add_argument(
        "--config", type=Path, default=Path("config.yaml"), help="default: ./config.yaml"
    )
    gate_reference.set_defaults(handler=_take_view)
    from patrol.registry.command import add_camera_commands

    add_camera_commands(camera_commands)
    _users_parser(commands)

    plan = commands.add_parser("plan", help="the patrol planner")
    plan_commands = plan.add_subparsers(required=True, metavar="ACTION")
    simulate = plan_commands.add_parser(
        "simulate",
        help="run the real planner over a simulated county in virtual time",
        description="Run the real planner over a simulated county in virtual time (no sleeping) "
        "against N simulated workers, with the built-in school timetable, and report coverage, "
        "capacity and how random the visit times are.",
    )
    simulate.add_argument("--schools", type=_positive_int, default=153)
    simulate.add_argument("--cameras", type=_positive_int, default=3100)
    simulate.add_argument("--hours", type=_positive_float, default=24.0)
    simulate.add_argument("--capacity", type=_positive_int, required=True, help="looks at once, in all")
    simulate.add_argument(
        "--per-school", type=_positive_int, default=None, help="looks at once at one school (default: 2)"
    )
    simulate.add_argument("--seed", type=int, default=None, help="default: a fresh random seed")
    simulate.add_argument(
        "--start",
        default=None,
        help="ISO date-time, local to --timezone unless it has an offset (default: next Monday 00:00)",
    )
    simulate.add_argument("--timezone", default="Asia/Shanghai")
    simulate.add_argument(
        "--detector-fps",
        type=_positive_float,
        default=None,
        help="frames a second one worker machine's detector analyses (from patrol bench detector); "
        "looks then share their machine's detector and stretch when it is overloaded",
    )
    simulate.add_argument(
        "--machines",
        type=_positive_int,
        default=None,
        help="worker machines, with --detector-fps (default: the fewest with no shortfall)",
    )
    simulate.add_argument("--json", action="store_true", help="print the figures as JSON")
    simulate.set_defaults(handler=_plan_simulate)

    from patrol.eval.command import add_parser as add_eval_parser

    add_eval_parser(commands)

    from patrol.db_command import add_parser as add_db_parser

    add_db_parser(commands)

    for name, handler, text in (
        ("run", _run, "patrol the configured cameras and serve the dashboard"),
        ("serve", _serve, "serve the API and dashboard only"),
        ("demo", _demo, "start the simulated cameras, patrol them, and serve the dashboard"),
        ("simulate", _simulate, "serve the config's simulated cameras over RTSP only"),
        (
            "planner",
            _planner,
            "plan looks and send them to workers over the broker (one active, others standby)",
        ),
        ("worker", _worker, "take looks from the broker: look, judge, record"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument(
            "--config", type=Path, default=Path("config.yaml"), help="default: ./config.yaml"
        )
        if name != "simulate":
            command.add_argument(
                "--migrate",
                action="store_true",
                help="upgrade an older database schema first (the demo always does)",
            )
        if name in ("planner", "worker"):
            command.add_argument(
                "--status-port",
                type=int,
                help="answer /healthz, /readyz and /metrics (with api.metrics_token) on this port",
            )
            command.add_argument(
                "--status-host", default="127.0.0.1", help="address of --status-port (default 127.0.0.1)"
            )
        if name == "worker":
            command.add_argument(
                "--concurrency",
                type=int,
                default=2,
                help="looks at the same time in this process (default 2)",
            )
        command.set_defaults(handler=handler)
    return parser


def _users_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from patrol.types import Role

    users = commands.add_parser("users", help="user accounts: add, passwd, disable, token, list")
    actions = users.add_subparsers(required=True, metavar="ACTION")

    def action(name: str, handler: Any, text: str, *, username: bool = True) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=text)
        if username:
            parser.add_argument("username")
        parser.add_argument("--config", type=Path, default=Path("config.yaml"), help="default: ./config.yaml")
        parser.set_defaults(handler=handler)
        return parser

    add = action("add", _users_add, "add a user; the password is asked for (or read from stdin)")
    add.add_argument("--role", required=True, choices=[role.value for role in Role])
    add.add_argument("--jurisdiction", required=True, help="the county's id or a station's id")
    add.add_argument("--name", default="", help="display name")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    passwd = action("passwd", _users_passwd, "set a new password; ends the user's sessions")
    passwd.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    action("disable", _users_disable, "stop a user logging in; ends sessions and revokes tokens")
    token = action("token", _users_token, "issue an API token (printed once)")
    token.add_argument("--label", default="", help="what the token is for")
    token.add_argument("--days", type=float, default=None, help="expire after this many days")
    action("list", _users_list, "list users", username=False)


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise SystemExit("patrol users: the two passwords differ")
    return first


def _accounts(args: argparse.Namespace) -> tuple[PatrolConfig, Any, Any]:
    from patrol.service import open_accounts, open_store

    config = _load(args.config)
    store = open_store(config, config_path=args.config)
    return config, store, open_accounts(config, store)


def _users_add(args: argparse.Namespace) -> int:
    from patrol.accounts import AccountError, Jurisdictions
    from patrol.clock import SystemClock
    from patrol.types import Role

    config, store, accounts = _accounts(args)
    try:
        jurisdictions = Jurisdictions.from_config(config.jurisdictions)
        if jurisdictions.get(args.jurisdiction) is None:
            known = ", ".join(j.id for j in jurisdictions.all())
            print(f"patrol users add: no jurisdiction {args.jurisdiction!r}; known: {known}", file=sys.stderr)
            return 2
        password = _read_password(args)
        user = accounts.add_user(
            args.username,
            password,
            Role(args.role),
            args.jurisdiction,
            SystemClock().now(),
            display_name=args.name,
        )
    except AccountError as exc:
        print(f"patrol users add: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"added {user.username} ({user.role.value}, {user.jurisdiction_id})")
    return 0


def _users_passwd(args: argparse.Namespace) -> int:
    from patrol.accounts import AccountError
    from patrol.clock import SystemClock

    _, store, accounts = _accounts(args)
    try:
        accounts.set_password(args.username, _read_password(args), SystemClock().now())
    except AccountError as exc:
        print(f"patrol users passwd: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"password of {args.username} changed; their sessions ended")
    return 0


def _users_disable(args: argparse.Namespace) -> int:
    from patrol.accounts import AccountError
    from patrol.clock import SystemClock

    _, store, accounts = _accounts(args)
    try:
        accounts.disable(args.username, SystemClock().now())
    except AccountError as exc:
        print(f"patrol users disable: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"{args.username} disabled; sessions ended, tokens revoked")
    return 0


def _users_token(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from patrol.accounts import AccountError
    from patrol.clock import SystemClock

    _, store, accounts = _accounts(args)
    try:
        lifetime = timedelta(days=args.days) if args.days else None
        token = accounts.issue_token(args.username, SystemClock().now(), label=args.label, lifetime=lifetime)
    except AccountError as exc:
        print(f"patrol users token: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    # The only time the token exists outside the caller's hands: stored only as its hash.
    print(token)
    return 0


def _users_list(args: argparse.Namespace) -> int:
    _, store, accounts = _accounts(args)
    try:
        for user in accounts.list_users():
            state = " (disabled)" if user.disabled else ""
            print(f"{user.username:<20} {user.role.value:<14} {user.jurisdiction_id}{state}")
    finally:
        store.close()
    return 0


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {text}")
    return value


def _load(path: Path) -> PatrolConfig:
    config = load_config(path)
    configure_logging(config_secrets(config))
    return config


def _validate_config(args: argparse.Namespace) -> int:
    config = load_config(args.file)
    print(f"{args.file}: OK ({len(config.schools)} schools, {len(config.cameras)} cameras)")
    return 0


def _plan_simulate(args: argparse.Namespace) -> int:
    import json
    import random
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from patrol.config.schema import SamplingConfig, default_calendar
    from patrol.planner import SchoolCalendar
    from patrol.planner.detector_pool import DetectorPool
    from patrol.planner.simulate import build_county, fewest_machines, render, simulate

    try:
        zone = ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        print(f"patrol plan simulate: unknown time zone {args.timezone!r}", file=sys.stderr)
        return 2
    if args.start is None:
        today = datetime.now(zone).replace(hour=0, minute=0, second=0, microsecond=0)
        start = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    else:
        try:
            start = datetime.fromisoformat(args.start)
        except ValueError:
            print(f"patrol plan simulate: --start is not an ISO date-time: {args.start!r}", file=sys.stderr)
            return 2
        if start.tzinfo is None:
            start = start.replace(tzinfo=zone)
    sampling = SamplingConfig()
    calendar_config = default_calendar()
    calendar = SchoolCalendar.from_config(calendar_config, sampling, args.timezone)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    try:
        paces = build_county(
            args.schools, args.cameras, rng=random.Random(seed), timetable=calendar_config.default_timetable
        )
    except ValueError as exc:
        print(f"patrol plan simulate: {exc}", file=sys.stderr)
        return 2
    if args.machines is not None and args.detector_fps is None:
        print("patrol plan simulate: --machines needs --detector-fps", file=sys.stderr)
        return 2

    def run(machines: int | None) -> dict[str, Any]:
        return simulate(
            paces,
            calendar,
            capacity=args.capacity,
            max_per_school=args.per_school or sampling.max_streams_per_school,
            start=start.timestamp(),
            hours=args.hours,
            seed=seed,
            detectors=None if machines is None else DetectorPool(machines, args.detector_fps),
        )

    if args.detector_fps is None:
        result = run(None)
    elif args.machines is not None:
        result = run(args.machines)
    else:
        result = fewest_machines(run, most=args.capacity)
    result = {"start": start.isoformat(), **result}
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 0


def _models_pull(args: argparse.Namespace) -> int:
    from detectors.manifest import ModelError
    from patrol.models_pull import pull_model

    try:
        path = pull_model(args.models_dir, args.name)
    except ModelError as exc:
        print(f"patrol models pull: {exc}", file=sys.stderr)
        return 1
    print(f"{args.name}: {path} (sha256 verified)")
    return 0


def _models_export(args: argparse.Namespace) -> int:
    from detectors.backends import DetectorSpec
    from detectors.export_model import export_model
    from detectors.exports import Precision
    from detectors.manifest import ModelError

    precision = Precision.INT8 if args.int8 else Precision.FP16 if args.half else Precision.FP32
    spec = DetectorSpec(
        args.models_dir, args.name, device=args.device, precision=precision, max_batch=args.batch
    )
    calibration = []
    if args.int8:
        from patrol.detector_bench.frames import bench_frames

        frames = bench_frames(args.calibration_frames)
        if frames.footage_missing:
            print(
                f"patrol models export: calibrating without footage: {frames.footage_missing}",
                file=sys.stderr,
            )
        print(
            f"calibrating on {frames.scene_frames} scene frames and {frames.footage_frames} footage frames",
            file=sys.stderr,
        )
        calibration = frames.images
    try:
        record = export_model(spec, args.backend, calibration)
    except ModelError as exc:
        print(f"patrol models export: {exc}", file=sys.stderr)
        return 1
    print(
        f"{args.name}: {args.models_dir / record.file} ({record.backend} {record.precision}, "
        f"sha256 {record.sha256}, from weights {record.source_sha256})"
    )
    return 0


def _bench_detector(args: argparse.Namespace) -> int:
    from detectors.backends import DetectorSpec, registered_backends
    from patrol.detector_bench.frames import bench_frames
    from patrol.detector_bench.run import bench

    unknown = sorted(set(args.backends or ()) - set(registered_backends()))
    if unknown:
        print(f"patrol bench detector: no backend {', '.join(unknown)}", file=sys.stderr)
        return 2
    frames = bench_frames(args.frames)
    if frames.footage_missing:
        print(f"bench: no footage frames: {frames.footage_missing}", file=sys.stderr)
    print(
        f"bench: {frames.scene_frames} scene frames, {frames.footage_frames} footage frames", file=sys.stderr
    )
    spec = DetectorSpec(args.models_dir, args.model, device=args.device, max_batch=max(args.batches))
    results = bench(spec, frames.images, backends=args.backends, batches=args.batches)
    if args.json:
        print(json.dumps({"frames": len(frames.images), "results": [asdict(r) for r in results]}, indent=2))
    else:
        print(
            f"{'backend':<12} {'precision':<9} {'batch':>5} {'fps':>7} {'ms/frame':>9} {'agreement':>9} {'extra':>6}"
        )
        for r in results:
            print(
                f"{r.backend:<12} {r.precision:<9} {r.batch:>5} {r.fps:>7.1f} {r.ms_per_frame:>9.1f} "
                f"{r.agreement:>9.3f} {r.extra_share:>6.3f}"
            )
    return 0


def _reset_reference(args: argparse.Namespace) -> int:
    from patrol.service import open_store
    from patrol.store.camera_imports import CameraImports

    config = _load(args.config)
    store = open_store(config, config_path=args.config)
    try:
        imported = {record.camera.id for record in CameraImports(store).list()}
        if args.camera not in {camera.id for camera in config.cameras} | imported:
            print(
                f"{args.config}: no camera {args.camera!r}, neither in the file nor imported", file=sys.stderr
            )
            return 2
        had = store.reset_reference(args.camera)
    finally:
        store.close()
    print(
        f"{args.camera}: reference view {'reset' if had else 'was not taken yet'}; the next good look takes one"
    )
    return 0


def _take_view(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from patrol.cameras import build_sites
    from patrol.rules.registry import RULES
    from patrol.service import open_store
    from patrol.snapshots import CameraSnapshots
    from patrol.store.labelled_views import LabelledView
    from streams.errors import StreamError

    labels = tuple(dict.fromkeys(label for spec in RULES for label in spec.needs.reference_views))
    if args.label not in labels:
        print(
            f"no rule declares a reference view {args.label!r}; known: {', '.join(labels)}", file=sys.stderr
        )
        return 2
    config = _load(args.config)
    if args.camera not in {camera.id for camera in config.cameras}:
        print(f"{args.config}: no camera {args.camera!r}", file=sys.stderr)
        return 2
    try:
        picture = CameraSnapshots.from_config(config).snapshot(args.camera)
    except StreamError as exc:
        print(f"{args.camera}: no picture: {exc}", file=sys.stderr)
        return 1
    store = open_store(config, config_path=args.config)
    try:
        # The view belongs to the camera's row, which the patrol writes at its start: a view
        # taken before the patrol first ran writes the config's sites as that start would.
        schools, cameras = build_sites(config)
        store.sync_sites(schools, [camera.record() for camera in cameras])
        view = LabelledView(args.camera, args.label, picture, datetime.now(UTC), "cli")
        store.views.save(view)
    finally:
        store.close()
    print(f"{args.camera}: reference view {args.label!r} taken ({view.sha256[:12]})")
    return 0


def _run(args: argparse.Namespace) -> int:
    from patrol.serving import run

    run(_load(args.config), with_simulator=False, migrate=args.migrate, config_path=args.config)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from patrol.registry.refresh import CameraUser, start_camera_refresh
    from patrol.service import camera_importer, include_imported_cameras, open_accounts, open_store
    from patrol.serving import serve_api
    from patrol.snapshots import CameraSnapshots

    file_config = _load(args.config)
    store = open_store(file_config, migrate=args.migrate, config_path=args.config)
    refresh = None
    try:
        config, directory = include_imported_cameras(file_config, store)
        importer = camera_importer(file_config, store)
        snapshots = CameraSnapshots.from_config(config)
        users: list[CameraUser] = [snapshots]
        planner = None
        if config.broker_url is not None:
            from patrol.county.roles import PlannerByBroker

            planner = PlannerByBroker(config, store)
            users.append(planner)
        refresh = start_camera_refresh(config, directory, users)
        serve_api(
            config, store, open_accounts(config, store), planner, camera_import=importer, snapshots=snapshots
        )
    finally:
        if refresh is not None:
            refresh.stop()
        store.close()
    return 0


def _planner(args: argparse.Namespace) -> int:
    from patrol.county.roles import run_planner
    from patrol.service import include_imported_cameras, open_store

    file_config = _load(args.config)
    store = open_store(file_config, migrate=args.migrate, config_path=args.config)
    try:
        config, directory = include_imported_cameras(file_config, store)
        run_planner(config, store, directory, _status_port(args, config))
    finally:
        store.close()
    return 0


def _worker(args: argparse.Namespace) -> int:
    from patrol.county.roles import start_worker
    from patrol.service import include_imported_cameras, open_store

    if not 1 <= args.concurrency <= 64:
        print("--concurrency must be from 1 to 64", file=sys.stderr)
        return 2
    file_config = _load(args.config)
    store = open_store(file_config, migrate=args.migrate, config_path=args.config)
    try:
        config, directory = include_imported_cameras(file_config, store)
        start_worker(config, store, args.concurrency, directory, _status_port(args, config))
    finally:
        store.close()
    return 0


def _status_port(args: argparse.Namespace, config: PatrolConfig) -> StatusPort | None:
    from patrol.county.status import StatusPort
    from patrol.service import metrics_token

    if args.status_port is None:
        return None
    if not 0 <= args.status_port <= 65535:
        raise SystemExit(f"--status-port must be from 0 to 65535, not {args.status_port}")
    return StatusPort(args.status_host, args.status_port, metrics_token(config))


def _demo(args: argparse.Namespace) -> int:
    from patrol.service import ensure_demo_metrics_token, ensure_demo_password, metrics_token
    from patrol.serving import run

    ensure_demo_password()
    new_token = ensure_demo_metrics_token()
    config = _load(args.config)
    if config.simulator is None:
        print(f"{args.config}: the demo needs a `simulator:` section", file=sys.stderr)
        return 2
    if new_token is not None and metrics_token(config) == new_token:
        # On the terminal only, like the demo users' passwords: the log masks it.
        print(f"Prometheus reads /metrics with this bearer token: {new_token}", flush=True)
    # The demo's database is its own: it follows the release without asking.
    run(config, with_simulator=True, migrate=True, config_path=args.config)
    return 0


def _simulate(args: argparse.Namespace) -> int:
    import signal
    import threading

    from patrol.service import ensure_demo_password, start_simulator

    ensure_demo_password()
    config = _load(args.config)
    simulator = start_simulator(config)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        simulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
