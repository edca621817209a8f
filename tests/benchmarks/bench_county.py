"""The county's roles with 1, 2 and 4 worker processes against the same simulated cameras.

Run: .venv/bin/python -m tests.benchmarks.bench_county [--workers 1 2 4] [--seconds 180] [--cameras 40]
Each setting starts its own simulator, planner and workers on a fresh PostgreSQL database and
RabbitMQ virtual host, lets them patrol for `--seconds` (after a warm-up minute), and reads
back looks per minute, detector frames per second (snapshot and clip frames of the looks done)
and the planner's shortfall (random looks shed). Each worker process runs two looks at a time;
the planner's credits are two per worker. Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.conftest import postgres_database
from tests.patrol.county.county_site import Processes, county_config, rabbitmq_vhost

_WARM_UP_S = 60


def measure(workers: int, seconds: float, cameras: int) -> dict[str, float]:
    with (
        tempfile.TemporaryDirectory() as scratch,
        postgres_database() as database_url,
        rabbitmq_vhost() as broker_url,
    ):
        work = Path(scratch)
        (work / "logs").mkdir()
        config = county_config(work, database_url, broker_url, extra_booths=cameras - 6, workers=2 * workers)
        processes = Processes(config, work / "logs")
        database = create_engine(database_url)
        try:
            processes.start("simulator", "simulate")
            time.sleep(20)
            processes.start("planner", "planner")
            for n in range(workers):
                processes.start(f"worker-{n + 1}", "worker", "--concurrency", "2")
            time.sleep(_WARM_UP_S)
            since = datetime.now(UTC)
            time.sleep(seconds)
            until = datetime.now(UTC)
            with database.connect() as connection:
                looks, frames = connection.execute(
                    text(
                        "SELECT count(*), coalesce(sum(frames), 0) FROM looks "
                        "WHERE finished_at > :since AND finished_at <= :until"
                    ),
                    {"since": since, "until": until},
                ).one()
        finally:
            processes.stop_all()
            database.dispose()
        planner_log = processes.log("planner")
        figures = json.loads(re.findall(r"planner figures: (\{.*\})", planner_log)[-1])
        if "planner lost the broker" in planner_log:
            print("  (the planner lost its broker connection during this run)")
    shortfall = figures["shortfall"]
    return {
        "looks_per_min": looks / seconds * 60,
        "frames_per_s": frames / seconds,
        "shed_share": shortfall["shed_share"],
        "demand_workers": shortfall["demand_workers"],
        "coverage": figures["coverage"],
        "lost": figures["looks_lost"],
        "waiting": figures["orders_waiting_in_broker"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--cameras", type=int, default=40)
    args = parser.parse_args()
    print(f"{args.cameras} simulated cameras, {args.seconds:.0f} s measured after a {_WARM_UP_S} s warm-up")
    print(
        "worker processes | looks/min | detector frames/s | random looks shed | demand (looks at once) | coverage | lost"
    )
    for workers in args.workers:
        row = measure(workers, args.seconds, args.cameras)
        print(
            f"{workers:>16} | {row['looks_per_min']:>9.1f} | {row['frames_per_s']:>17.2f} | "
            f"{row['shed_share']:>17.1%} | {row['demand_workers']:>22.1f} | {row['coverage']:>8.3f} | {row['lost']:>4.0f} | {row['waiting']:.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
