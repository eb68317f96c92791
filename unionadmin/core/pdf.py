"""HTML -> PDF with xhtml2pdf and the bundled Noto Sans font (OFL, static/fonts/OFL.txt).

xhtml2pdf's default Helvetica has no Vietnamese glyphs ("Nguy■n"), so every text family a
document may name is mapped to Noto Sans, registered with reportlab once per process (faster
than @font-face: docs/architecture.md#pdfs-and-card-printing). Rendering runs under a
ResourceAccessPolicy that fetches nothing remote and reads local files only below `base_dir`
and the font folder: a blocked resource is only a log warning in xhtml2pdf, so tests capture
the `xhtml2pdf` logger.
"""

from __future__ import annotations

import io
import logging
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from xhtml2pdf import default as x2p_default
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

FONT_DIR = Path(__file__).resolve().parent / "static" / "fonts"
FONT_FAMILY = "NotoSans"
FONT_BOLD = "NotoSans-Bold"

# Every text family name xhtml2pdf knows: mapped to Noto Sans so that no document (a report
# table, a plugin's card template) falls back to a face without Vietnamese letters.
_TEXT_FAMILIES = (
    "notosans", "noto sans", "helvetica", "arial", "sans", "sansserif", "sans-serif", "verdana",
    "geneva", "ui-sans-serif", "system-ui", "times", "times-roman", "times new roman", "georgia",
    "serif", "ui-serif",
)
_BOLD_ALIASES = ("helvetica-bold", "times-bold", "notosans-bold")

_lock = threading.Lock()
_registered = False
_default_css: str | None = None

log = logging.getLogger(__name__)


class PdfError(RuntimeError):
    """xhtml2pdf could not render the document."""


def register_fonts() -> None:
    """Register Noto Sans with reportlab and xhtml2pdf (idempotent, thread-safe)."""
    global _registered, _default_css
    if _registered:
        return
    with _lock:
        if _registered:
            return
        pdfmetrics.registerFont(TTFont(FONT_FAMILY, str(FONT_DIR / "NotoSans-Regular.ttf")))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONT_DIR / "NotoSans-Bold.ttf")))
        # No italic face is bundled: italics use the upright one rather than Helvetica.
        pdfmetrics.registerFontFamily(FONT_FAMILY, normal=FONT_FAMILY, bold=FONT_BOLD,
                                      italic=FONT_FAMILY, boldItalic=FONT_BOLD)
        for family in _TEXT_FAMILIES:
            x2p_default.DEFAULT_FONT[family] = FONT_FAMILY
        for family in _BOLD_ALIASES:
            x2p_default.DEFAULT_FONT[family] = FONT_BOLD
        # xhtml2pdf resolves bold/italic through reportlab's mapping of the family name.
        for name in (FONT_FAMILY, FONT_FAMILY.lower()):
            addMapping(name, 0, 0, FONT_FAMILY)
            addMapping(name, 1, 0, FONT_BOLD)
            addMapping(name, 0, 1, FONT_FAMILY)
            addMapping(name, 1, 1, FONT_BOLD)
        _default_css = x2p_default.DEFAULT_CSS.replace("font-family: Helvetica",
                                                       f"font-family: {FONT_FAMILY}")
        _registered = True


def resource_policy(base_dir: str | Path | None = None, **overrides: Any) -> ResourceAccessPolicy:
    """No network; local reads only below `base_dir` and the font folder; generous limits
    (a sheet of a thousand cards with photos is a large, slow document)."""
    policy = ResourceAccessPolicy.server(base_dir=base_dir, extra_roots=(FONT_DIR,),
                                         allow_remote=False)
    limits: dict[str, Any] = {"max_render_seconds": 600, "max_document_bytes": 200 * 1024 * 1024,
                              "max_depth": 400}
    limits.update(overrides)
    return replace(policy, **limits)


def html_to_pdf(html: str, base_dir: str | None = None, **policy_overrides: Any) -> bytes:
    """Render an HTML document to PDF bytes with the bundled font.

    `base_dir` is the folder relative `src`/`url()` references resolve against (and the only
    one besides the fonts they may read); None allows no local files. Raises PdfError when
    xhtml2pdf reports errors.
    """
    register_fonts()
    out = io.BytesIO()
    try:
        status = pisa.CreatePDF(
            html,
            dest=out,
            path=str(Path(base_dir) / "document.html") if base_dir else "",
            encoding="utf-8",
            default_css=_default_css,
            resource_policy=resource_policy(base_dir, **policy_overrides),
            raise_exception=True,
        )
    except Exception as exc:  # noqa: BLE001 - xhtml2pdf raises anything from deep inside
        raise PdfError(f"{type(exc).__name__}: {exc}") from exc
    if status.err:
        messages = [str(e[2]) for e in status.log if e[0] == x2p_default.PML_ERROR]
        raise PdfError("; ".join(messages) or "xhtml2pdf reported an error")
    return out.getvalue()
