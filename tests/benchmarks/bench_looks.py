"""What a look costs on this machine: RTSP snapshot opens, detector time per frame, whole looks.

Run: .venv/bin/python -m tests.benchmarks.bench_looks
Prints figures; asserts nothing (speed is reported, not tested).
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from patrol.cameras import build_sites
from patrol.clock import SystemClock
from patrol.config import load_config
from patrol.look import Looker
from patrol.types import LookKind
from streams.rtsp import RtspSource
from streams.simulator import SimulatorServer
from streams.simulator.scenarios import SCENARIOS, render
from tests.conftest import MODEL_NAME, MODELS_DIR, REPO, free_port

PASSWORD = "bench-password"


def _row(name: str, samples: list[float], unit: str = "s") -> str:
    return (
        f"| {name} | {len(samples)} | {statistics.median(samples):.3f} {unit} | "
        f"{min(samples):.3f} {unit} | {max(samples):.3f} {unit} |"
    )


def main() -> None:
    from detectors.yolo import YoloPersonDetector

    detector = YoloPersonDetector(MODELS_DIR, MODEL_NAME)
    port = free_port()
    os.environ["PATROL_CAMERA_PASSWORD"] = PASSWORD
    config_text = (REPO / "config.yaml").read_text().replace("127.0.0.1:8554", f"127.0.0.1:{port}")
    with tempfile.TemporaryDirectory() as work:
        config_path = Path(work) / "config.yaml"
        config_path.write_text(config_text.replace("port: 8554", f"port: {port}"))
        config = load_config(config_path)
        assert config.simulator is not None
        rows = []
        with SimulatorServer(
            config.simulator.paths,
            port=port,
            username="patrol",
            password=PASSWORD,
            cache_dir=Path(work) / "cache",
        ) as simulator:
            url = simulator.url("/xihe/gate")

            def snapshot() -> float:
                # Start at a random phase of the GOP, as the patrol does; back-to-back opens
                # would all start just after a keyframe and wait a whole GOP.
                time.sleep(random.uniform(0, 1))
                started = time.monotonic()
                with RtspSource(url).open() as stream:
                    stream.keyframe()
                return time.monotonic() - started

            rows.append(
                _row("RTSP open to first keyframe (GOP 1 s), one at a time", [snapshot() for _ in range(12)])
            )
            with ThreadPoolExecutor(16) as pool:
                started = time.monotonic()
                opens = list(pool.map(lambda _: snapshot(), range(48)))
                wall = time.monotonic() - started - 0.5 * 48 / 16  # less the mean random start delay
            rows.append(_row("RTSP open to first keyframe, 16 threads at once", opens))
            concurrent_rate = len(opens) / wall

            frame = render(SCENARIOS["gate_walk_in"], 3.0)
            detector.detect([frame])
            single = []
            for _ in range(10):
                started = time.monotonic()
                detector.detect([frame])
                single.append(time.monotonic() - started)
            rows.append(_row("detector, one 640x360 frame", single))
            started = time.monotonic()
            detector.detect([frame] * 20)
            batch_per_frame = (time.monotonic() - started) / 20

            _, cameras = build_sites(config)
            looker = Looker(detector, config.sampling, SystemClock())
            by_id = {camera.id: camera for camera in cameras}
            for camera_id, label in (
                ("xihe-booth", "snapshot only"),
                ("xihe-gate", "snapshot + 10 s clip at 2 fps"),
            ):
                durations = []
                for _ in range(3):
                    started = time.monotonic()
                    looker.look(by_id[camera_id], LookKind.RANDOM)
                    durations.append(time.monotonic() - started)
                rows.append(_row(f"whole look at {camera_id} ({label})", durations))

    print("| measure | n | median | min | max |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"\nconcurrent snapshot opens: {concurrent_rate:.1f} per second with 16 threads")
    print(f"detector in a batch of 20: {batch_per_frame:.3f} s per frame")


if __name__ == "__main__":
    main()
