"""`patrol db`: the database schema's migrations, seen and applied by an operator."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_parser(commands: Any) -> None:
    db = commands.add_parser("db", help="database schema: upgrade, current, check")
    actions = db.add_subparsers(required=True, metavar="ACTION")

    def action(name: str, handler: Any, text: str) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=text, description=text)
        parser.add_argument("--config", type=Path, default=Path("config.yaml"), help="default: ./config.yaml")
        parser.set_defaults(handler=handler)
        return parser

    upgrade = action(
        "upgrade",
        _upgrade,
        "bring the database to this release's schema (a database made before migrations is stamped "
        "with the baseline first, never created again)",
    )
    upgrade.add_argument("--revision", default="head", help="target revision (default: head)")
    action("current", _current, "print the database's schema revision and this release's")
    action("check", _check, "compare the database with this release's models; exit 1 on any difference")
    prune = action(
        "prune",
        _prune,
        "delete what retention: says has aged out (looks, evidence of dismissed events), in batches; "
        "events, decisions, hazards and the audit log are never deleted",
    )
    prune.add_argument("--dry-run", action="store_true", help="count what would be deleted; delete nothing")


def _config(args: argparse.Namespace) -> Any:
    from patrol.config import config_secrets, load_config
    from patrol.logs import configure_logging

    config = load_config(args.config)
    configure_logging(config_secrets(config))
    return config


def _migrations(args: argparse.Namespace) -> tuple[Any, Any]:
    from patrol.service import connect_store
    from patrol.store.schema import Migrations

    store = connect_store(_config(args))
    return store, Migrations(store.engine)


def _upgrade(args: argparse.Namespace) -> int:
    from patrol.store.schema import SchemaNotReady

    store, migrations = _migrations(args)
    try:
        before = migrations.status()
        after = migrations.upgrade(args.revision)
    except SchemaNotReady as exc:
        print(f"patrol db upgrade: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"before: {before.describe()}")
    print(f"now:    {after.describe()}")
    return 0


def _current(args: argparse.Namespace) -> int:
    from patrol.store.schema import SchemaState

    store, migrations = _migrations(args)
    try:
        status = migrations.status()
    finally:
        store.close()
    print(f"database: {status.describe()}")
    print(f"release:  {status.head}")
    if status.state in (SchemaState.UNVERSIONED, SchemaState.BEHIND):
        print(f"run `patrol db upgrade --config {args.config}` to bring it to {status.head}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from patrol.store.schema import SchemaState

    store, migrations = _migrations(args)
    try:
        status = migrations.status()
        differences = migrations.drift() if status.state is not SchemaState.EMPTY else []
    finally:
        store.close()
    problems = [] if status.state is SchemaState.CURRENT else [f"schema revision: {status.describe()}"]
    problems.extend(differences)
    if not problems:
        print(f"no drift: the database matches this release's models at {status.head}")
        return 0
    print(f"{len(problems)} difference(s) between the database and this release's models:")
    for line in problems:
        print(f"  {line}")
    return 1


def _prune(args: argparse.Namespace) -> int:
    from patrol.clock import SystemClock
    from patrol.service import open_store, retention_policy

    config = _config(args)
    policy = retention_policy(config)
    store = open_store(config, config_path=args.config)
    try:
        report = store.prune(policy, SystemClock().now(), dry_run=args.dry_run)
    finally:
        store.close()
    print(report.describe())
    return 0
