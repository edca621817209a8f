"""`patrol cameras import` of a generated county: 3,100 cameras at 153 schools, timed as a command.

Run: .venv/bin/python -m tests.benchmarks.bench_import [--schools 153] [--cameras 3100]
     [--format csv|xlsx] [--postgres ADMIN_URL] [--dir DIR]
Writes the county's config.yaml and sheet into DIR (a fresh temporary folder by default), then
runs the real command twice in its own process (the first import creates every camera, the
second updates them) and prints the wall time of each, process start included, and the
command line to run it again by hand. With --postgres it imports into a database of its own
made on that server (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) and dropped after;
otherwise into SQLite in DIR. Asserts nothing (speed is reported, not tested).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import postgres_database
from tests.patrol.registry.county import PASSWORD_VARIABLE, County, county, csv_bytes, xlsx_bytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=153)
    parser.add_argument("--cameras", type=int, default=3100)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("--postgres", default=None, metavar="ADMIN_URL", help="a PostgreSQL server to use")
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()

    folder = args.dir or Path(tempfile.mkdtemp(prefix="bench-import-"))
    folder.mkdir(parents=True, exist_ok=True)
    generated = county(args.schools, args.cameras)
    with _database(args.postgres) as database_url:
        extra: dict[str, object] = {"data_dir": str(folder / "data")}
        if database_url:
            extra["database_url"] = database_url
        config = generated.write_config(folder / "config.yaml", **extra)
        _run(folder, config, generated, args)


def _run(folder: Path, config: Path, generated: County, args: argparse.Namespace) -> None:
    sheet = folder / f"county.{args.format}"
    sheet.write_bytes(csv_bytes(generated.rows) if args.format == "csv" else xlsx_bytes(generated.rows))
    command = [sys.executable, "-m", "patrol.cli", "cameras", "import", str(sheet), "--config", str(config)]
    environ = {**os.environ, PASSWORD_VARIABLE: "bench-only-password"}
    print(f"{args.cameras} cameras at {args.schools} schools, {args.format}, {sheet.stat().st_size} bytes")
    print(f"command: {PASSWORD_VARIABLE}=... {' '.join(command)}")
    for attempt in ("first import (creates)", "second import (updates)"):
        started = time.perf_counter()
        done = subprocess.run(command, env=environ, capture_output=True, text=True, check=False)
        took = time.perf_counter() - started
        said = (done.stdout.strip() or done.stderr.strip()).splitlines()[-1]
        print(f"{attempt}: exit {done.returncode}, {took:.1f} s wall; {said}")


@contextmanager
def _database(admin_url: str | None) -> Iterator[str | None]:
    """A fresh PostgreSQL database on `admin_url`'s server, dropped afterwards; None: SQLite."""
    if admin_url is None:
        yield None
        return
    with postgres_database(admin_url, prefix="patrol_bench") as url:
        yield url


if __name__ == "__main__":
    main()
