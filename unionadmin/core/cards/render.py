"""Card PDFs: card-size pages (one card, or many for cutting) and A4 print sheets.

This module renders; `pdf_objects` makes the PDF objects it places and `imposition` lays the
pages out.

Rendering takes plain data (`CardData`), so it needs no database. How it stays fast:
a template with text boxes (the core one) has xhtml2pdf lay out only its background,
once per document, and each card's text drawn by reportlab straight into its boxes (one canvas
per batch); other templates have the cards' text rendered by xhtml2pdf in batches of card-size
pages in ONE document per batch. The photo (a ready JPEG, embedded as it is) and the QR code (a
ready PNG, embedded as a 1-bit image) are then placed at the template's layout positions
directly in PDF, and the card pages are reused as form XObjects: once as card-size pages, or
imposed N-up on A4 sheets with cut marks (fronts and backs on alternate sheets, the backs
mirrored for duplex printing on the long edge). xhtml2pdf holds a global lock: parallel printing
needs processes (docs/architecture.md#pdfs-and-card-printing).
"""

from __future__ import annotations

import io
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pypdf import PdfReader, PdfWriter
from reportlab.lib.colors import toColor
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from unionadmin.core.cards.context import (  # CardData: also imported from here
    CardData,
    background_names,
    card_names,
    sample_card,
    union_name_of,
)
from unionadmin.core.cards.imposition import sheet_grid, write_card_pages, write_sheets
from unionadmin.core.cards.pdf_objects import (
    MM,
    CardPage,
    Images,
    bitmap_image,
    box_rect,
    circle_ops,
    image_ops,
    jpeg_image,
    logo_image,
    page_form,
    placeholder_ops,
    shared_resources,
)
from unionadmin.core.cards.templates import CardTemplate, TemplateError
from unionadmin.core.pdf import FONT_FAMILY, PdfError, html_to_pdf, register_fonts

BATCH_SIZE = 200
#: Below this many cards, starting processes costs more than it saves.
PARALLEL_MIN = 100
#: Between two cards in the HTML: back to the first page template, then a new page.
CARD_BREAK = '<pdf:nexttemplate name="body"></pdf:nexttemplate><pdf:nextpage></pdf:nextpage>\n'


def cards_html(cards: Sequence[CardData], template: CardTemplate) -> str:
    """The HTML document of a batch of cards (Vietnamese, whatever the user's language)."""
    compiled = template.compiled
    with force_locale("vi"):
        try:
            static = template.compiled_static.render(background_names(union_name_of(cards[0])))
            body = CARD_BREAK.join(compiled.render(card_names(c)) for c in cards)
        except Exception as exc:  # noqa: BLE001 - a template's own error, reported with its name
            raise TemplateError(template.name, _l("the HTML failed: %(error)s",
                                                  error=f"{type(exc).__name__}: {exc}")) from exc
    return (f'<html><head><meta charset="utf-8"/><style>{template.css}</style></head>'
            f"<body>{static}{body}</body></html>")


def background_html(template: CardTemplate, union_name: str) -> str:
    """The HTML of what every card of a text-box template shares (one card's pages)."""
    with force_locale("vi"):
        try:
            static = template.compiled_static.render(background_names(union_name))
            body = template.compiled.render(background_names(union_name))
        except Exception as exc:  # noqa: BLE001 - a template's own error, reported with its name
            raise TemplateError(template.name, _l("the HTML failed: %(error)s",
                                                  error=f"{type(exc).__name__}: {exc}")) from exc
    return (f'<html><head><meta charset="utf-8"/><style>{template.css}</style></head>'
            f"<body>{static}{body}</body></html>")


def render_background(template: CardTemplate, union_name: str) -> bytes:
    """xhtml2pdf's PDF of a text-box template's background: `template.pages` pages."""
    try:
        pdf = html_to_pdf(background_html(template, union_name))
    except PdfError as exc:
        raise TemplateError(template.name, _l("xhtml2pdf failed: %(error)s", error=str(exc))) from exc
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    if pages != template.pages:
        raise TemplateError(template.name, _l(
            "the background has %(pages)s pages instead of %(expected)s: content overflows a "
            "frame or the page breaks are wrong", pages=pages, expected=template.pages))
    return pdf


def _text_style(template: CardTemplate, index: int, box: dict[str, Any]) -> ParagraphStyle:
    size = float(box.get("size_pt", 7))
    try:
        color = toColor(box.get("color", "#111111"))
    except ValueError:
        raise TemplateError(template.name, _l("text box %(n)s: the color is not a color",
                                              n=index + 1)) from None
    return ParagraphStyle(f"box{index}", fontName=FONT_FAMILY, fontSize=size,
                          leading=float(box.get("leading_pt", size * 1.3)), textColor=color,
                          autoLeading="max")


def draw_text_pages(cards: Sequence[CardData], template: CardTemplate) -> bytes:
    """reportlab's PDF of the batch's text boxes: `template.pages` card-size pages per card."""
    register_fonts()
    layout = template.layout
    width, height = float(layout["width_mm"]) * MM, float(layout["height_mm"]) * MM
    boxes = [(int(box.get("page", 0)), index, box_rect(box, height), compiled,
              _text_style(template, index, box))
             for index, (box, compiled) in enumerate(template.compiled_text)]
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(width, height), pageCompression=1)
    with force_locale("vi"):
        for card in cards:
            names = card_names(card)
            for side in range(template.pages):
                for page, index, (x, y, w, h), compiled, style in boxes:
                    if page == side:
                        _draw_box(canvas, template, index, _render_box(template, index, compiled,
                                                                       names),
                                  style, (x, y, w, h))
                canvas.showPage()
    canvas.save()
    return out.getvalue()


def _render_box(template: CardTemplate, index: int, compiled: Any, names: dict[str, Any]) -> str:
    try:
        return compiled.render(names)
    except Exception as exc:  # noqa: BLE001 - a template's own error, reported with its name
        raise TemplateError(template.name, _l("text box %(n)s failed: %(error)s", n=index + 1,
                                              error=f"{type(exc).__name__}: {exc}")) from exc


def _draw_box(canvas: Canvas, template: CardTemplate, index: int, markup: str,
              style: ParagraphStyle, box: tuple[float, float, float, float]) -> None:
    x, y, w, h = box
    try:
        para = Paragraph(markup.strip(), style)
    except Exception as exc:  # noqa: BLE001 - reportlab's markup errors are ValueErrors and more
        raise TemplateError(template.name, _l("text box %(n)s: bad markup: %(error)s",
                                              n=index + 1, error=str(exc))) from exc
    _, used = para.wrap(w, h)
    if used > h + 0.5:
        raise TemplateError(template.name, _l("text box %(n)s overflows its height",
                                              n=index + 1))
    para.drawOn(canvas, x, y + h - used)


def render_text_pages(cards: Sequence[CardData], template: CardTemplate) -> bytes:
    """The PDF of the batch's text: `template.pages` card-size pages per card."""
    if template.compiled_text:
        return draw_text_pages(cards, template)
    try:
        pdf = html_to_pdf(cards_html(cards, template))
    except PdfError as exc:
        raise TemplateError(template.name, _l("xhtml2pdf failed: %(error)s", error=str(exc))) from exc
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    if pages != len(cards) * template.pages:
        raise TemplateError(template.name, _l(
            "the cards take %(pages)s pages instead of %(expected)s (%(per)s per card): content "
            "overflows a frame or the page breaks are wrong", pages=pages,
            expected=len(cards) * template.pages, per=template.pages))
    return pdf


def _background_forms(writer: PdfWriter, template: CardTemplate, union_name: str,
                      images: Images) -> list[str]:
    """The background of each side as a form XObject, by its name in `images`."""
    reader = PdfReader(io.BytesIO(render_background(template, union_name)))
    width = float(template.layout["width_mm"]) * MM
    height = float(template.layout["height_mm"]) * MM
    cache: dict[tuple, Any] = {}
    names = []
    for side, page in enumerate(reader.pages):
        names.append(f"/B{side}")
        images.names[names[-1]] = page_form(writer, page, width, height,
                                             shared_resources(writer, page, cache))
    return names


def _card_pages(writer: PdfWriter, text_pdf: bytes, cards: Sequence[CardData],
                template: CardTemplate, images: Images,
                backgrounds: Sequence[str] = ()) -> list[CardPage]:
    reader = PdfReader(io.BytesIO(text_pdf))
    layout = template.layout
    width, height = float(layout["width_mm"]) * MM, float(layout["height_mm"]) * MM
    per = template.pages
    result = []
    cache: dict[tuple, Any] = {}
    for index, page in enumerate(reader.pages):
        card, side = cards[index // per], index % per
        form = page_form(writer, page, width, height, shared_resources(writer, page, cache))
        ops, names, underlay = [], {}, ""
        if backgrounds:
            underlay = f"{backgrounds[side]} Do "
            names[backgrounds[side]] = images.names[backgrounds[side]]
        if "photo" in layout and int(layout["photo"].get("page", 0)) == side:
            box = box_rect(layout["photo"], height)
            if card.photo:
                stream = jpeg_image(card.photo)
                name = images.add(stream)
                names[name] = images.names[name]
                ops.append(image_ops(name, box, (stream["/Width"], stream["/Height"])))
            else:
                ops.append(placeholder_ops(box))
        if "qr" in layout and card.qr_png and int(layout["qr"].get("page", 0)) == side:
            stream = bitmap_image(card.qr_png)
            name = images.add(stream)
            names[name] = images.names[name]
            ops.append(image_ops(name, box_rect(layout["qr"], height), (1, 1)))
        if "logo" in layout and int(layout["logo"].get("page", 0)) == side:
            box = box_rect(layout["logo"], height)
            if images.logo is not None:
                name, size = images.logo
                names[name] = images.names[name]
                ops.append(image_ops(name, box, size))
            else:
                ops.append(circle_ops(box))
        result.append(CardPage(form, "".join(ops), names, underlay))
    return result


#: What forked workers render (inherited through fork: a template's compiled parts do not pickle).
_JOB: dict[str, Any] = {}


def _render_slice(bounds: tuple[int, int]) -> bytes:
    start, end = bounds
    return render(_JOB["cards"][start:end], _JOB["template"], sheets=_JOB["sheets"],
                  logo=_JOB["logo"], batch_size=_JOB["batch_size"])


def _render_parallel(cards: Sequence[CardData], template: CardTemplate, sheets: bool,
                     logo: bytes | None, batch_size: int, jobs: int,
                     progress: Callable[[int], None] | None) -> bytes:
    """Slices of whole sheets rendered by forked processes (xhtml2pdf and reportlab hold
    global state, so threads would not help), joined in order."""
    step = sheet_grid(template).per_sheet if sheets else 1
    size = -(-len(cards) // jobs)
    size = -(-size // step) * step
    bounds = [(start, min(start + size, len(cards))) for start in range(0, len(cards), size)]
    _JOB.update(cards=cards, template=template, sheets=sheets, logo=logo, batch_size=batch_size)
    writer = PdfWriter()
    try:
        with ProcessPoolExecutor(len(bounds), mp_context=multiprocessing.get_context("fork")) as pool:
            for (start, end), pdf in zip(bounds, pool.map(_render_slice, bounds), strict=True):
                writer.append(io.BytesIO(pdf))
                if progress:
                    progress(end - start)
    finally:
        _JOB.clear()
    writer.add_metadata({"/Producer": "UnionAdmin", "/Title": _("Member cards")})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render(cards: Sequence[CardData], template: CardTemplate, *, sheets: bool = False,
           logo: bytes | None = None, batch_size: int = BATCH_SIZE,
           progress: Callable[[int], None] | None = None, jobs: int = 1) -> bytes:
    """The PDF of `cards`: card-size pages (front, back, next card...) or A4 sheets.

    `progress(n)` is called after each batch with the number of cards it rendered. `jobs` > 1
    renders large runs in that many processes (POSIX fork; a bulk-printing speed-up, one core
    each).
    """
    template.check()
    if not cards:
        raise ValueError("no cards to print")
    if jobs > 1 and len(cards) >= PARALLEL_MIN:
        return _render_parallel(cards, template, sheets, logo, batch_size, jobs, progress)
    writer = PdfWriter()
    images = Images(writer)
    if logo:
        stream = logo_image(logo)
        images.logo = (images.add(stream), (stream["/Width"], stream["/Height"]))
    backgrounds = (_background_forms(writer, template, union_name_of(cards[0]), images)
                   if template.compiled_text else [])
    pages: list[CardPage] = []
    for start in range(0, len(cards), batch_size):
        batch = cards[start:start + batch_size]
        pages.extend(_card_pages(writer, render_text_pages(batch, template), batch, template,
                                 images, backgrounds))
        if progress:
            progress(len(batch))
    if sheets:
        write_sheets(writer, pages, template)
    else:
        write_card_pages(writer, pages, float(template.layout["width_mm"]) * MM,
                          float(template.layout["height_mm"]) * MM)
    writer.add_metadata({"/Producer": "UnionAdmin", "/Title": _("Member cards")})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render_sample(template: CardTemplate) -> bytes:
    """One sample card (context.sample_card) printed with `template`: what the card-template
    registry does with every template when it is loaded, so that a template that cannot print
    fails there, with its name and problem, and not when a member's card is printed."""
    return render([sample_card()], template)
