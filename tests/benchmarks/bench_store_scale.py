"""The dashboard's queries on a county-sized PostgreSQL database, and a prune while they run.

Seeds (or, with --reuse, finds) a database of 153 schools, 3,100 cameras, 90 days of looks
(about 25 million rows) and 50,000 events with evidence, decisions and hazards
(tests.benchmarks.seed_county), then times, through the real API with a logged-in county
supervisor: the overview, the dashboard page, the events list with each filter, the statistics,
and a month's report. Then `patrol db prune --dry-run` (the command itself, as an operator runs
it), and a real prune of the oldest days in batches while a thread keeps reading the events list
and the overview; the pruned looks are put back afterwards, so the database stays reusable.

Run:
    .venv/bin/python -m tests.benchmarks.bench_store_scale --reuse
    .venv/bin/python -m tests.benchmarks.bench_store_scale --looks-days 7 --events 5000  # smaller
Prints a table (median and p95 per query); asserts nothing. --json FILE keeps the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api import ApiSettings, create_app
from patrol.accounts import Accounts, Jurisdiction, Jurisdictions
from patrol.store import Store
from patrol.store.retention import RetentionPolicy
from patrol.types import EventStatus, EventType, Role
from tests.api.support import log_in
from tests.benchmarks.seed_county import Scale, Seed, read_seed, restore_looks, seed
from tests.conftest import POSTGRES_ADMIN_URL, REPO

PASSWORD = "bench-password-1"
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
STATION_SCHOOLS = 8  # a police station's share of the county's schools
DRY_RUN_LOOKS_DAYS = 30  # the dry run counts everything older: two thirds of 90 days of looks


class StandingClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


@dataclass
class Timings:
    rows: list[tuple[str, list[float]]] = field(default_factory=list)

    def add(self, name: str, samples: list[float]) -> None:
        self.rows.append((name, samples))
        print(f"  {name}: median {_ms(statistics.median(samples))}, p95 {_ms(p95(samples))}", flush=True)


def p95(samples: list[float]) -> float:
    if len(samples) < 2:
        return max(samples)
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def timed(call: Callable[[], object], repeats: int, *, warm_up: int = 1) -> list[float]:
    for _ in range(warm_up):
        call()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def ok(client: TestClient, url: str, **params: str | int) -> Callable[[], object]:
    def call() -> object:
        response = client.get(url, params=params or None)
        assert response.status_code == 200, f"{url} {params}: {response.status_code} {response.text[:300]}"
        return response

    return call


def varying(client: TestClient, url: str, choices: list[dict[str, str | int]]) -> Callable[[], object]:
    """Each call with the next of `choices`, so the figures are not one cached row's."""
    turn = iter(range(10**9))

    def call() -> object:
        return ok(client, url, **choices[next(turn) % len(choices)])()

    return call


def main() -> None:
    args = _arguments()
    # A report that outgrows its memory fails here with MemoryError rather than starving the machine.
    cap = int(args.memory_gib * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    admin_url = POSTGRES_ADMIN_URL
    url = admin_url.rsplit("/", 1)[0] + f"/{args.database}"
    data_dir = Path(tempfile.gettempdir()) / args.database
    (data_dir / "evidence").mkdir(parents=True, exist_ok=True)
    scale = Scale(args.schools, args.cameras, args.looks_days, args.looks_per_day, args.events)
    made = _database(admin_url, url, scale, data_dir / "evidence", reuse=args.reuse)
    print(f"load average at start: {os.getloadavg()}, cores: {os.cpu_count()}", flush=True)
    store = Store(url, data_dir / "evidence")
    try:
        figures = {} if args.no_queries else _queries(store, made, args)
        figures.update(_prune(store, made, url, data_dir, args))
    finally:
        store.close()
    figures["load_average_end"] = os.getloadavg()
    figures["scale"] = made.scale.__dict__
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))
    _print_table(figures)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default="patrol_bench_scale")
    parser.add_argument("--reuse", action="store_true", help="keep a database seeded at this scale before")
    parser.add_argument("--schools", type=int, default=153)
    parser.add_argument("--cameras", type=int, default=3100)
    parser.add_argument("--looks-days", type=int, default=90)
    parser.add_argument("--looks-per-day", type=int, default=275_000)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=30, help="calls per list/overview query")
    parser.add_argument("--stats-repeats", type=int, default=5)
    parser.add_argument("--report-repeats", type=int, default=2)
    parser.add_argument(
        "--prune-days", type=int, default=7, help="oldest days of looks the real prune deletes"
    )
    parser.add_argument("--no-queries", action="store_true", help="only the prune")
    parser.add_argument("--no-prune", action="store_true")
    parser.add_argument(
        "--report-formats",
        default="csv,xlsx",
        help="formats of the county's month report (a PDF of 16,000 findings needs more memory than a "
        "2-core machine should give it; the station's month is always made as a PDF)",
    )
    parser.add_argument("--memory-gib", type=float, default=6.0, help="address-space cap for this process")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    return parser.parse_args()


def _database(admin_url: str, url: str, scale: Scale, evidence_dir: Path, *, reuse: bool) -> Seed:
    name = url.rsplit("/", 1)[1]
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if reuse and exists:
                engine = create_engine(url)
                found = read_seed(engine)
                engine.dispose()
                if found is not None and found.scale == scale:
                    print(f"reusing {name}, seeded up to {found.end:%Y-%m-%d %H:%M} UTC", flush=True)
                    from tests.benchmarks.seed_county import write_evidence_pictures

                    write_evidence_pictures(evidence_dir)
                    return found
                print(f"{name} holds another scale ({found}); seeding it again", flush=True)
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.dispose()
    print(f"seeding {name}: {scale}", flush=True)
    started = time.monotonic()
    engine = create_engine(url)
    try:
        end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        made = seed(engine, scale, evidence_dir, end=end)
    finally:
        engine.dispose()
    print(f"seeded in {time.monotonic() - started:.0f} s", flush=True)
    return made


def _app(store: Store, made: Seed) -> tuple[object, Accounts]:
    accounts = Accounts(store, hasher=CHEAP_HASHER)
    station_schools = frozenset(f"school-{n:03d}" for n in range(1, STATION_SCHOOLS + 1))
    jurisdictions = Jurisdictions(
        Jurisdiction("county", "县公安局", None),
        (Jurisdiction("north-station", "北关派出所", station_schools),),
    )
    for username, jurisdiction in (("bench-supervisor", "county"), ("station-supervisor", "north-station")):
        if accounts.get_user(username) is None:
            accounts.add_user(username, PASSWORD, Role.SUPERVISOR, jurisdiction, made.end)
    settings = ApiSettings(report_max_findings=1_000_000)
    app = create_app(
        settings, store, accounts=accounts, jurisdictions=jurisdictions, clock=StandingClock(made.end)
    )
    return app, accounts


def _client(app: object, accounts: Accounts, username: str, made: Seed) -> TestClient:
    client = TestClient(app)  # type: ignore[arg-type]
    client.headers["Authorization"] = "Bearer " + accounts.issue_token(username, made.end, label="bench")
    return client


def _queries(store: Store, made: Seed, args: argparse.Namespace) -> dict[str, object]:
    app, accounts = _app(store, made)
    county = _client(app, accounts, "bench-supervisor", made)
    station = _client(app, accounts, "station-supervisor", made)
    browser = TestClient(app)  # type: ignore[arg-type]
    log_in(browser, "bench-supervisor", PASSWORD)
    pick = random.Random(14)
    scale = made.scale
    schools = [f"school-{pick.randint(1, scale.schools):03d}" for _ in range(args.repeats)]
    cameras = [f"cam-{pick.randint(1, scale.cameras):05d}" for _ in range(args.repeats)]
    end = made.end
    day, week = (end - timedelta(days=1)).isoformat(), (end - timedelta(days=7)).isoformat()
    # A month that ended a fortnight ago: its events are decided, as a supervisor's report finds them.
    month_from = end - timedelta(days=min(45, scale.looks_days))
    month_to = month_from + timedelta(days=min(30, scale.looks_days))
    events = "/api/v1/events"
    timings = Timings()
    n = args.repeats
    print("queries:", flush=True)
    timings.add("overview", timed(ok(county, "/api/v1/overview"), n))
    timings.add("dashboard page (list + overview)", timed(ok(browser, "/"), n))
    timings.add("events: no filter", timed(ok(county, events), n))
    timings.add("events: school", timed(varying(county, events, [{"school": s} for s in schools]), n))
    timings.add("events: camera", timed(varying(county, events, [{"camera": c} for c in cameras]), n))
    types = [{"type": t.value} for t in EventType]
    timings.add("events: type", timed(varying(county, events, types), n))  # type: ignore[arg-type]
    statuses = [{"status": s.value} for s in EventStatus]
    timings.add("events: status", timed(varying(county, events, statuses), n))  # type: ignore[arg-type]
    timings.add("events: last 24 h", timed(ok(county, events, since=day), n))
    timings.add("events: last 7 days", timed(ok(county, events, since=week), n))
    combined = [{"school": s, "type": "guard_absent", "status": "new"} for s in schools]
    timings.add("events: school + type + status", timed(varying(county, events, combined), n))
    between = {"since": month_from.isoformat(), "until": month_to.isoformat()}
    timings.add("events: a month's window", timed(ok(county, events, **between), n))
    timings.add("events: page at offset 10000", timed(ok(county, events, offset=10_000), n))
    timings.add("station: overview", timed(ok(station, "/api/v1/overview"), n))
    timings.add("station: events, no filter", timed(ok(station, events), n))
    week_stats = {"from": week, "to": end.isoformat()}
    month = {"from": month_from.isoformat(), "to": month_to.isoformat()}
    timings.add("statistics: a week", timed(ok(county, "/api/v1/stats", **week_stats), args.stats_repeats))
    timings.add("statistics: a month", timed(ok(county, "/api/v1/stats", **month), args.stats_repeats))
    findings = county.get(events, params={**between, "limit": 1}).json()["count"]
    print(f"  a month's report holds about {findings} findings", flush=True)
    for fmt in args.report_formats.split(","):
        report = ok(county, "/api/v1/reports", **month, format=fmt)
        timings.add(f"report: a month, {fmt}", timed(report, args.report_repeats, warm_up=0))
    report = ok(station, "/api/v1/reports", **month, format="pdf")
    timings.add("station report: a month, pdf", timed(report, args.report_repeats, warm_up=0))
    return {"queries": timings.rows, "month_findings": findings}


def _prune(store: Store, made: Seed, url: str, data_dir: Path, args: argparse.Namespace) -> dict[str, object]:
    if args.no_prune:
        return {}
    print("prune:", flush=True)
    dry_run_s, dry_run_output = _dry_run_command(made, url, data_dir)
    print(f"  patrol db prune --dry-run: {dry_run_s:.1f} s\n    " + dry_run_output.replace("\n", "\n    "))
    app, accounts = _app(store, made)
    client = _client(app, accounts, "bench-supervisor", made)
    keep_days = made.scale.looks_days - args.prune_days
    policy = RetentionPolicy(looks_older_than=timedelta(days=keep_days), batch_size=5000)
    during: dict[str, list[float]] = {"events": [], "overview": []}
    pruning = threading.Event()
    pruning.set()

    def read_while_pruning() -> None:
        calls = [("events", ok(client, "/api/v1/events")), ("overview", ok(client, "/api/v1/overview"))]
        turn = 0
        while pruning.is_set():
            name, call = calls[turn % 2]
            started = time.perf_counter()
            call()
            during[name].append(time.perf_counter() - started)
            turn += 1

    reader = threading.Thread(target=read_while_pruning)
    reader.start()
    started = time.monotonic()
    try:
        report = store.prune(policy, made.end)
    finally:
        pruning.clear()
        reader.join()
    prune_s = time.monotonic() - started
    print(f"  real prune: {prune_s:.0f} s\n    " + report.describe().replace("\n", "\n    "))
    for name, samples in during.items():
        print(
            f"  {name} during the prune: {len(samples)} calls, median {_ms(statistics.median(samples))}, "
            f"p95 {_ms(p95(samples))}, max {_ms(max(samples))}"
        )
    started = time.monotonic()
    restored = restore_looks(store.engine, made, made.end - policy.looks_older_than)  # type: ignore[operator]
    print(f"  restored {restored} looks in {time.monotonic() - started:.0f} s", flush=True)
    return {
        "dry_run_s": dry_run_s,
        "dry_run_output": dry_run_output,
        "prune_s": prune_s,
        "pruned_looks": report.looks,
        "prune_batches": report.batches,
        "during_prune": during,
    }


def _dry_run_command(made: Seed, url: str, data_dir: Path) -> tuple[float, str]:
    """`patrol db prune --dry-run` as an operator runs it, counting looks older than 30 days
    before the seed's end and the evidence of events dismissed as long ago."""
    days = (datetime.now(UTC) - made.end) / timedelta(days=1) + DRY_RUN_LOOKS_DAYS
    config = data_dir / "bench-config.yaml"
    config.write_text(
        f"data_dir: {json.dumps(str(data_dir))}\n"
        f"database_url: {json.dumps(url)}\n"
        "schools: [{id: school-001, name: 第1小学}]\n"
        "cameras: []\n"
        f"retention: {{looks_days: {days:.4f}, dismissed_evidence_days: {days:.4f}}}\n"
    )
    started = time.monotonic()
    finished = subprocess.run(
        [sys.executable, "-m", "patrol.cli", "db", "prune", "--dry-run", "--config", str(config)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.monotonic() - started
    if finished.returncode != 0:
        raise SystemExit(f"patrol db prune --dry-run failed:\n{finished.stdout}\n{finished.stderr}")
    return elapsed, finished.stdout.strip()


def _print_table(figures: dict[str, object]) -> None:
    print("\n| query | calls | median | p95 |\n|---|---|---|---|")
    for name, samples in figures.get("queries", []):  # type: ignore[attr-defined]
        print(f"| {name} | {len(samples)} | {_ms(statistics.median(samples))} | {_ms(p95(samples))} |")
    if "dry_run_s" in figures:
        print(
            f"| `patrol db prune --dry-run` (process start included) | 1 | {figures['dry_run_s']:.1f} s | |"
        )
        for name, samples in figures["during_prune"].items():  # type: ignore[attr-defined]
            print(
                f"| {name} during the real prune | {len(samples)} | {_ms(statistics.median(samples))} | "
                f"{_ms(p95(samples))} |"
            )
    print(f"\nload average at the end: {figures['load_average_end']}")


if __name__ == "__main__":
    main()
