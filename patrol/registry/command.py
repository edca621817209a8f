"""`patrol cameras import`, `remove` and `probe`: a registry sheet into the database, imported
cameras out of it, and what an ONVIF device offers.

The modules that do the work load only when a command runs, so other commands start fast.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

EXIT_BAD_ROWS = 1
EXIT_UNUSABLE = 2


def add_camera_commands(actions: Any) -> None:
    """Adds `import`, `remove` and `probe` to the `patrol cameras` group."""
    from streams.onvif import StreamChoice

    sheet = actions.add_parser(
        "import",
        help="import cameras from a registry sheet (CSV or XLSX) into the database",
        description="Columns: id, school, name, role, stream (rtsp://, ${VAR} placeholders allowed) or "
        "onvif (host:port), and optionally username, credentials (the NAME of an environment variable "
        "holding the password) and template (a name under templates:). Every row is checked; a sheet with "
        "a bad row imports nothing unless --skip-bad.",
    )
    sheet.add_argument("file", type=Path, help="a .csv or .xlsx file; the first row names the columns")
    sheet.add_argument("--config", type=Path, default=Path("config.yaml"), help="default: ./config.yaml")
    sheet.add_argument("--skip-bad", action="store_true", help="import the good rows and report the others")
    sheet.add_argument(
        "--onvif-stream",
        choices=[choice.value for choice in StreamChoice],
        default=StreamChoice.SUB.value,
        help="which stream of an ONVIF camera to take (default: sub, the patrol's choice)",
    )
    sheet.set_defaults(handler=_import)

    remove = actions.add_parser(
        "remove",
        help="remove imported cameras from the database; a running patrol stops looking at them",
        description="The cameras' looks and events stay. Cameras of the config are changed in its file.",
    )
    remove.add_argument("ids", nargs="+", metavar="ID", help="ids of imported cameras")
    remove.add_argument("--config", type=Path, default=Path("config.yaml"), help="default: ./config.yaml")
    remove.set_defaults(handler=_remove)

    probe = actions.add_parser(
        "probe",
        help="list an ONVIF device's media profiles: resolution, codec, stream and snapshot addresses",
    )
    probe.add_argument(
        "--onvif", required=True, metavar="HOST[:PORT]", help="the device (port 80 by default)"
    )
    probe.add_argument("--user", required=True, help="user name on the device")
    probe.add_argument(
        "--password-env", required=True, metavar="VAR", help="environment variable holding the password"
    )
    probe.add_argument("--timeout", type=float, default=5.0, help="seconds each request may take (default 5)")
    probe.add_argument("--json", action="store_true", help="print the device as JSON")
    probe.set_defaults(handler=_probe)


def _remove(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from patrol.config import config_secrets, load_config
    from patrol.logs import configure_logging
    from patrol.records import AuditEntry
    from patrol.service import open_store
    from patrol.store.camera_imports import CameraImports
    from patrol.types import AuditAction

    config = load_config(args.config)
    configure_logging(config_secrets(config))
    store = open_store(config, config_path=args.config)
    try:
        imports = CameraImports(store)
        schools = {record.camera.id: record.camera.school_id for record in imports.list()}
        unknown = [camera_id for camera_id in args.ids if camera_id not in schools]
        for camera_id in unknown:
            print(f"{args.config}: no imported camera {camera_id!r}", file=sys.stderr)
        by_school: dict[str, list[str]] = {}
        for camera_id in dict.fromkeys(args.ids):
            if camera_id in schools:
                by_school.setdefault(schools[camera_id], []).append(camera_id)
        now = datetime.now(UTC)
        audit = [
            AuditEntry(
                at=now,
                username=_os_user(),
                role="command line",
                action=AuditAction.CAMERAS_REMOVED,
                target=f"school:{school}",
                school_id=school,
                client="patrol cameras remove",
                detail={"cameras": ids},
            )
            for school, ids in sorted(by_school.items())
        ]
        removed = imports.remove([i for ids in by_school.values() for i in ids], audit)
    finally:
        store.close()
    if removed:
        print(f"removed {len(removed)} imported cameras: {', '.join(removed)}")
    return EXIT_BAD_ROWS if unknown else 0


def _import(args: argparse.Namespace) -> int:
    from patrol.config import config_secrets, load_config
    from patrol.logs import configure_logging
    from patrol.registry.actor import Actor
    from patrol.registry.sheet import HEADER_ROW, SheetError
    from patrol.service import camera_importer, open_store
    from streams.onvif import StreamChoice

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"{args.file}: cannot read the file: {exc.strerror}", file=sys.stderr)
        return EXIT_UNUSABLE
    config = load_config(args.config)
    configure_logging(config_secrets(config))
    store = open_store(config, config_path=args.config)
    try:
        report = camera_importer(config, store).run(
            data,
            Actor(username=_os_user(), role="command line", client="patrol cameras import"),
            source=args.file.name,
            skip_bad=args.skip_bad,
            stream_choice=StreamChoice(args.onvif_stream),
        )
    except SheetError as exc:
        print(f"{args.file}: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    finally:
        store.close()
    for issue in report.issues:
        print(f"{args.file}: {issue}", file=sys.stderr)
    if report.imported:
        print(
            f"{args.file}: imported {report.imported} cameras ({report.created} new, {report.updated} updated) "
            f"from {report.rows} rows in {report.seconds:.1f} s"
            + (f"; skipped {len(report.skipped_rows)} bad rows" if report.skipped_rows else "")
        )
    elif any(issue.row == HEADER_ROW for issue in report.issues):
        print(f"{args.file}: nothing imported: the header row names the columns wrongly", file=sys.stderr)
    elif report.issues:
        rows = len(report.skipped_rows)
        print(
            f"{args.file}: nothing imported: {len(report.issues)} problems in {rows} rows"
            + ("" if args.skip_bad else "; --skip-bad imports the other rows"),
            file=sys.stderr,
        )
    else:
        print(f"{args.file}: no cameras in the sheet", file=sys.stderr)
    return EXIT_BAD_ROWS if report.issues else 0


def _probe(args: argparse.Namespace) -> int:
    from patrol.logs import configure_logging
    from streams.onvif import OnvifAddress, OnvifClient, OnvifError, StreamChoice, choose_profile
    from streams.redact import Secrets

    password = os.environ.get(args.password_env)
    if password is None:
        print(f"patrol cameras probe: environment variable {args.password_env} is not set", file=sys.stderr)
        return EXIT_UNUSABLE
    secrets = Secrets.of([password])
    configure_logging(secrets)
    try:
        address = OnvifAddress.parse(args.onvif)
    except ValueError as exc:
        print(f"patrol cameras probe: --onvif {args.onvif!r}: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    try:
        device = OnvifClient(timeout_s=args.timeout).probe(address, args.user, password)
    except OnvifError as exc:
        print(f"patrol cameras probe: {secrets.mask(str(exc))}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({**asdict(device), "address": str(address)}, indent=2, ensure_ascii=False))
        return 0
    info = device.information
    print(f"{address}: {info.manufacturer} {info.model} (firmware {info.firmware}, serial {info.serial})")
    print(f"{'profile':<12} {'codec':<6} {'resolution':<11} {'fps':>5}  stream / snapshot")
    for profile in device.profiles:
        fps = f"{profile.fps:g}" if profile.fps else "-"
        print(
            f"{profile.token:<12} {profile.encoding or '-':<6} {profile.resolution:<11} {fps:>5}  {profile.stream_uri or '-'}"
        )
        print(f"{'':<38}{profile.snapshot_uri or '(no snapshot)'}")
    try:
        chosen = {choice: choose_profile(device.profiles, choice).token for choice in StreamChoice}
    except OnvifError as exc:
        print(f"no stream to import: {exc}")
        return 0
    print(
        f"main stream: {chosen[StreamChoice.MAIN]}; sub stream (what import takes): {chosen[StreamChoice.SUB]}"
    )
    return 0


def _os_user() -> str:
    try:
        return getpass.getuser()[:64]
    except (KeyError, OSError):
        return f"uid {os.getuid()}"
