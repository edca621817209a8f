"""The CJK font every PDF embeds, so a notice prints the same on any viewer or printer.

WenQuanYi Micro Hei (Debian `fonts-wqy-microhei`, Apache-2.0 or GPLv3) has TrueType outlines,
which reportlab subsets and embeds; Noto CJK ships CFF outlines, which reportlab cannot embed.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT = "WenQuanYiMicroHei"
FONT_PACKAGE = "fonts-wqy-microhei"
FONT_FILE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


class FontMissing(RuntimeError):
    """The CJK font file is not installed, so no PDF can be made."""


@cache
def cjk_font(path: Path = FONT_FILE) -> str:
    """Registers the font with reportlab once and returns its name for styles."""
    if not path.is_file():
        raise FontMissing(
            f"PDFs need the CJK font {path}: install the Debian package {FONT_PACKAGE} "
            f"(apt-get install {FONT_PACKAGE})"
        )
    # Face 0 of the collection is Micro Hei; face 1 is its monospaced twin.
    pdfmetrics.registerFont(TTFont(FONT, str(path), subfontIndex=0))
    return FONT
