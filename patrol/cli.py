"""The `patrol` command."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from patrol.config import ConfigError, PatrolConfig, load_config
from patrol.logs import config_secrets, configure_logging

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

    from patrol.eval.command import add_parser as add_eval_parser

    add_eval_parser(commands)

    for name, handler, text in (
        ("run", _run, "patrol the configured cameras and serve the dashboard"),
        ("serve", _serve, "serve the API and dashboard only"),
        ("demo", _demo, "start the simulated cameras, patrol them, and serve the dashboard"),
        ("simulate", _simulate, "serve the config's simulated cameras over RTSP only"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument(
            "--config", type=Path, default=Path("config.yaml"), help="default: ./config.yaml"
        )
        command.set_defaults(handler=handler)
    return parser


def _load(path: Path) -> PatrolConfig:
    config = load_config(path)
    configure_logging(config_secrets(config))
    return config


def _validate_config(args: argparse.Namespace) -> int:
    config = load_config(args.file)
    print(f"{args.file}: OK ({len(config.schools)} schools, {len(config.cameras)} cameras)")
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


def _run(args: argparse.Namespace) -> int:
    from patrol.service import run

    run(_load(args.config), with_simulator=False)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from patrol.service import open_store, serve_api

    config = _load(args.config)
    store = open_store(config)
    try:
        serve_api(config, store, None)
    finally:
        store.close()
    return 0


def _demo(args: argparse.Namespace) -> int:
    from patrol.service import ensure_demo_password, run

    ensure_demo_password()
    config = _load(args.config)
    if config.simulator is None:
        print(f"{args.config}: the demo needs a `simulator:` section", file=sys.stderr)
        return 2
    run(config, with_simulator=True)
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
