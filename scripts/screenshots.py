"""Takes the README's screenshots with Debian's headless Chromium: the dashboard (a new event just
arrived) and an event page, over a temporary store of the demo county.

Usage: .venv/bin/python scripts/screenshots.py   (needs the test extras and `apt-get install chromium`)
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PIL import Image  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from patrol.accounts import Jurisdictions  # noqa: E402
from patrol.clock import SystemClock  # noqa: E402
from patrol.records import LookRecord  # noqa: E402
from patrol.store import Store, sqlite_url  # noqa: E402
from patrol.types import DecisionReason, EventStatus, LookKind, LookOutcome  # noqa: E402
from tests.api import scenes  # noqa: E402
from tests.api.live import served  # noqa: E402
from tests.api.support import PASSWORD, make_app  # noqa: E402
from tests.api.test_browser import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402

OUT = REPO / "docs" / "screenshots"


def _save(png: bytes, name: str) -> None:
    # 256 colours keep the files small; the pages are flat colours and text.
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    OUT.mkdir(parents=True, exist_ok=True)
    image.save(OUT / name, optimize=True)
    print(f"{OUT / name}: {(OUT / name).stat().st_size // 1024} KiB")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        store = Store(sqlite_url(work), work / "evidence")
        store.create_schema()
        cameras = scenes.county_site(store)
        now = datetime.now(UTC)
        old = store.record_finding(scenes.loitering(cameras["xihe-street"], now - timedelta(hours=3)))
        store.end_condition("xihe-street", old.type, now - timedelta(hours=2, minutes=50))
        store.decide(
            old.id,
            EventStatus.DISMISSED,
            "家长接孩子",
            now - timedelta(hours=2),
            reason=DecisionReason.AUTHORISED_PERSON,
            decided_by="officer",
            role="officer",
        )
        store.record_finding(scenes.unreachable(cameras["dongcheng-street"], now - timedelta(minutes=50)))
        store.record_finding(scenes.loitering(cameras["xihe-street"], now - timedelta(minutes=35)))
        walk_in = store.record_finding(scenes.walk_in(cameras["xihe-gate"], now - timedelta(minutes=12)))
        for camera_id in cameras:
            outcome = LookOutcome.UNREACHABLE if camera_id == "dongcheng-street" else LookOutcome.OK
            at = now - timedelta(minutes=2)
            store.record_look(LookRecord(camera_id, LookKind.RANDOM, at, at, outcome))
        jurisdictions = Jurisdictions.from_config(scenes.county_config().jurisdictions)
        app = make_app(store, clock=SystemClock(), jurisdictions=jurisdictions)
        with served(app) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1440, "height": 860}, locale="zh-CN")
            page.goto(base + "/")
            page.fill("input[name=username]", "officer")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_selector("#state.live")
            new = store.record_finding(scenes.guard_absent(cameras["xihe-booth"], datetime.now(UTC)))
            page.wait_for_selector(f'tr[data-event-id="{new.id}"]')
            page.wait_for_function(
                f"document.querySelector('tr[data-event-id=\"{new.id}\"] img').naturalWidth > 0"
            )
            time.sleep(0.8)  # into the row's flash, as the wall screen shows it
            _save(page.screenshot(), "dashboard.png")
            page.set_viewport_size({"width": 1440, "height": 1000})
            page.goto(f"{base}/events/{walk_in.id}")
            page.wait_for_function(
                "[...document.querySelectorAll('img.evidence-image')].every(img => img.naturalWidth > 0)"
            )
            page.check('input[name=reason][value="authorised_person"]')
            page.fill("textarea[name=note]", "核实中：已联系学校门卫")
            _save(page.screenshot(), "event.png")
            browser.close()
        store.close()


if __name__ == "__main__":
    main()
