"""Reading generated PDFs back with poppler's tools, as a printer or another viewer would."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from tests.conftest import _missing

# A fontconfig with no font folders: poppler then finds no system font to stand in for one the
# PDF does not embed, as on a stock machine without CJK fonts.
_NO_FONTS = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><cachedir>{cache}</cachedir></fontconfig>
"""
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def _poppler(tool: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    if shutil.which(tool) is None:
        _missing(f"{tool} is missing (Debian poppler-utils; scripts/bootstrap --test installs it)")
    return subprocess.run([tool, *args], capture_output=True, check=True, text=True, env=env)


def pdf_file(pdf: bytes, tmp_path: Path, name: str = "out.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def pdf_text(pdf: bytes, tmp_path: Path, *, layout: bool = True) -> str:
    """The text as laid out on the page, or (layout=False) in the order it was drawn, which keeps
    a table cell's wrapped lines together."""
    mode = "-layout" if layout else "-raw"
    return _poppler("pdftotext", mode, str(pdf_file(pdf, tmp_path)), "-").stdout


@dataclass(frozen=True)
class PdfFont:
    name: str
    embedded: bool


def pdf_fonts(path: Path) -> list[PdfFont]:
    """`pdffonts`' table: the name is the first column, `emb` the fourth from the right."""
    lines = _poppler("pdffonts", str(path)).stdout.splitlines()[2:]
    return [PdfFont(line.split()[0], line.split()[-5] == "yes") for line in lines if line.strip()]


def pdf_image_count(path: Path) -> int:
    """Image XObjects drawn in the PDF (`pdfimages -list` prints two header lines)."""
    return len(_poppler("pdfimages", "-list", str(path)).stdout.splitlines()[2:])


@dataclass(frozen=True)
class Word:
    text: str
    box: tuple[float, float, float, float]  # points from the top left: x0, y0, x1, y1


def page_words(path: Path, page: int = 1) -> list[Word]:
    html = _poppler("pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path), "-").stdout
    return [
        Word(text, (float(x0), float(y0), float(x1), float(y1)))
        for x0, y0, x1, y1, text in _WORD.findall(html)
    ]


@dataclass(frozen=True)
class Raster:
    ink: np.ndarray  # bool per pixel: darker than mid-grey
    dpi: int
    warnings: str  # what poppler said while drawing (a missing font is reported here)

    def region(self, box: tuple[float, float, float, float]) -> np.ndarray:
        scale = self.dpi / 72
        x0, y0, x1, y1 = (round(v * scale) for v in box)
        return self.ink[y0:y1, x0:x1]


def raster_without_system_fonts(path: Path, tmp_path: Path, page: int = 1, dpi: int = 100) -> Raster:
    config = tmp_path / "no-fonts.conf"
    config.write_text(_NO_FONTS.format(cache=tmp_path / "fontconfig-cache"))
    out = tmp_path / "page"
    drawn = _poppler(
        "pdftoppm",
        "-r",
        str(dpi),
        "-gray",
        "-f",
        str(page),
        "-l",
        str(page),
        str(path),
        str(out),
        env={"FONTCONFIG_FILE": str(config), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    [image] = tmp_path.glob("page*.pgm")
    return Raster(cv2.imread(str(image), cv2.IMREAD_GRAYSCALE) < 128, dpi, drawn.stderr)
