"""The notice and the report as printed: text from data shown verbatim, never read as markup, and
a CJK font embedded so the Chinese prints on a machine that has no CJK font of its own."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from patrol.reports.fonts import FONT_PACKAGE, FontMissing, cjk_font
from patrol.store import Store
from tests.api.pdfs import (
    page_words,
    pdf_file,
    pdf_fonts,
    pdf_image_count,
    pdf_text,
    raster_without_system_fonts,
)
from tests.api.support import DECIDED_AT, T0, Site, bearer_client, make_app, site_config, site_records

API = "/api/v1"
HOSTILE = '<img src="/etc/passwd"/> & <b>'
PERIOD = {"from": T0.isoformat(), "to": (T0 + timedelta(days=1)).isoformat()}


def _documents(store: Store, event_id: int, owner: str = "王校长") -> tuple[bytes, bytes]:
    """A notice for a new hazard on the event, and the period's PDF report."""
    app = make_app(store)
    with bearer_client(app, "supervisor") as boss:
        created = boss.post(
            f"{API}/hazards",
            json={
                "event_id": event_id,
                "level": "notice",
                "deadline": (DECIDED_AT + timedelta(days=3)).isoformat(),
                "owner": owner,
            },
        )
        assert created.status_code == 201, created.text
        notice = boss.get(f"{API}/hazards/{created.json()['id']}/notice.pdf")
        report = boss.get(f"{API}/reports", params={**PERIOD, "format": "pdf"})
    assert notice.status_code == 200, notice.text  # 503 names the font package when it is missing
    assert report.status_code == 200, report.text
    return notice.content, report.content


def _words(text: str) -> str:
    return " ".join(text.split())


def test_markup_in_names_and_owner_is_printed_verbatim_and_draws_no_image(site: Site, tmp_path: Path) -> None:
    schools, cameras = site_records(site_config())
    site.store.sync_sites(
        [replace(s, name=f"{s.name}{HOSTILE}") for s in schools],
        [replace(c, name=f"{c.name}{HOSTILE}") for c in cameras],
    )
    notice, report = _documents(site.store, site.b.id, owner=HOSTILE)

    notice_path = pdf_file(notice, tmp_path, "notice.pdf")
    text = _words(pdf_text(notice, tmp_path, layout=False))
    assert f"责任人 {HOSTILE}" in text and f"北关小学{HOSTILE}" in text and f"北门外{HOSTILE}" in text
    pictures = len(site.store.get_event(site.b.id).evidence)
    assert pictures >= 1 and pdf_image_count(notice_path) == min(pictures, 3)

    report_path = pdf_file(report, tmp_path, "report.pdf")
    text = _words(pdf_text(report, tmp_path, layout=False))
    assert f"南街中学{HOSTILE}" in text and f"北门外{HOSTILE}" in text
    assert pdf_image_count(report_path) == 4  # the thumbnails of the four findings with a picture


@pytest.mark.parametrize(
    ("document", "title"), [("notice", "隐患整改通知书"), ("report", "视频巡查工作报告")]
)
def test_every_pdf_embeds_its_cjk_font_and_prints_the_chinese_without_system_fonts(
    site: Site, tmp_path: Path, document: str, title: str
) -> None:
    notice, report = _documents(site.store, site.b.id)
    path = pdf_file(notice if document == "notice" else report, tmp_path)

    fonts = pdf_fonts(path)
    assert [f.embedded for f in fonts] == [True] * len(fonts) and len(fonts) >= 1, fonts
    assert any(f.name.endswith("+WenQuanYiMicroHei-0") for f in fonts), fonts  # a subset, by its tag

    [heading] = [w for w in page_words(path) if w.text == title]
    raster = raster_without_system_fonts(path, tmp_path)
    assert raster.warnings == ""  # poppler reports a font it had to find and could not
    # The title is set in full-width glyphs: one equal cell each. Every cell has ink, and no two
    # hold the same picture, as they would if a missing glyph were drawn as the .notdef box.
    cells = np.array_split(raster.region(heading.box), len(title), axis=1)
    inked = [cell.mean() for cell in cells]
    assert min(inked) > 0.04, inked
    glyphs = [_trimmed(cell) for cell in cells]
    for i, a in enumerate(glyphs):
        for b in glyphs[i + 1 :]:
            height, width = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
            assert (a[:height, :width] != b[:height, :width]).mean() > 0.2


def _trimmed(ink: np.ndarray) -> np.ndarray:
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    return ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def test_a_machine_without_the_font_is_told_which_package_to_install(tmp_path: Path) -> None:
    with pytest.raises(FontMissing, match=f"install the Debian package {FONT_PACKAGE}"):
        cjk_font(tmp_path / "wqy-microhei.ttc")
