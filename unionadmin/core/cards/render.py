"""Card PDFs: card-size pages (one card, or many for cutting) and A4 print sheets.

Rendering takes plain data (`CardData`), so it needs no database. How it stays fast (FAB-NOTES
§6, §9): a template with text boxes (the core one) has xhtml2pdf lay out only its background,
once per document, and each card's text drawn by reportlab straight into its boxes (one canvas
per batch); other templates have the cards' text rendered by xhtml2pdf in batches of card-size
pages in ONE document per batch. The photo (a ready JPEG, embedded as it is) and the QR code (a
ready PNG, embedded as a 1-bit image) are then placed at the template's layout positions
directly in PDF, and the card pages are reused as form XObjects: once as card-size pages, or
imposed N-up on A4 sheets with cut marks (fronts and backs on alternate sheets, the backs
mirrored for duplex printing on the long edge). xhtml2pdf holds a global lock: parallel printing
needs processes.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    EncodedStreamObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    StreamObject,
)
from reportlab.lib.colors import toColor
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from unionadmin.core.cards.templates import CardTemplate, TemplateError
from unionadmin.core.pdf import FONT_FAMILY, PdfError, html_to_pdf, register_fonts

MM = 72 / 25.4
A4 = (210 * MM, 297 * MM)
#: Space between cards on a sheet, and the length of the cut marks in the margins.
SHEET_GAP = 3 * MM
MARK_LENGTH = 5 * MM
MARK_OFFSET = 1.5 * MM
MIN_MARGIN = 7 * MM
BATCH_SIZE = 200
#: Below this many cards, starting processes costs more than it saves.
PARALLEL_MIN = 100
#: Between two cards in the HTML: back to the first page template, then a new page.
CARD_BREAK = '<pdf:nexttemplate name="body"></pdf:nexttemplate><pdf:nextpage></pdf:nextpage>\n'


@dataclass(frozen=True)
class CardData:
    """What one card shows; made by `printing.card_data` from a member and its card."""

    holder_name: str
    date_of_birth: date | None
    unit_name: str
    card_number: str
    issued_on: date | None
    #: PNG of the QR code (made at issue: `qr.make_qr_png(verify_url)`).
    qr_png: bytes | None = None
    #: The member's photo as `photos.process` stores it (JPEG), or None.
    photo: bytes | None = None
    union_name: str = ""
    member_id: int | None = None


@dataclass
class _Images:
    """PDF image objects made once per document (the logo) or per card."""

    writer: PdfWriter
    logo: Any = None
    count: int = 0
    names: dict[str, Any] = field(default_factory=dict)

    def add(self, stream: StreamObject) -> str:
        self.count += 1
        name = f"/I{self.count}"
        self.names[name] = self.writer._add_object(stream)
        return name


def _fmt(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _union_name(card: CardData) -> str:
    return card.union_name or _("Vietnam General Confederation of Labour")


def _context(card: CardData) -> dict[str, Any]:
    return {"holder_name": card.holder_name, "date_of_birth": _fmt(card.date_of_birth),
            "unit_name": card.unit_name, "card_number": card.card_number,
            "issued_on": _fmt(card.issued_on), "has_photo": card.photo is not None,
            "union_name": _union_name(card)}


def cards_html(cards: Sequence[CardData], template: CardTemplate) -> str:
    """The HTML document of a batch of cards (Vietnamese, whatever the user's language)."""
    compiled = template.compiled
    with force_locale("vi"):
        try:
            static = template.compiled_static.render(union_name=_union_name(cards[0]), _=_)
            body = CARD_BREAK.join(compiled.render(card=_context(c), _=_) for c in cards)
        except Exception as exc:  # noqa: BLE001 - a template's own error, reported with its name
            raise TemplateError(template.name, f"{type(exc).__name__}: {exc}") from exc
    return (f'<html><head><meta charset="utf-8"/><style>{template.css}</style></head>'
            f"<body>{static}{body}</body></html>")


def background_html(template: CardTemplate, union_name: str) -> str:
    """The HTML of what every card of a text-box template shares (one card's pages)."""
    with force_locale("vi"):
        try:
            static = template.compiled_static.render(union_name=union_name, _=_)
            body = template.compiled.render(union_name=union_name, _=_)
        except Exception as exc:  # noqa: BLE001 - a template's own error, reported with its name
            raise TemplateError(template.name, f"{type(exc).__name__}: {exc}") from exc
    return (f'<html><head><meta charset="utf-8"/><style>{template.css}</style></head>'
            f"<body>{static}{body}</body></html>")


def render_background(template: CardTemplate, union_name: str) -> bytes:
    """xhtml2pdf's PDF of a text-box template's background: `template.pages` pages."""
    try:
        pdf = html_to_pdf(background_html(template, union_name))
    except PdfError as exc:
        raise TemplateError(template.name, str(exc)) from exc
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    if pages != template.pages:
        raise TemplateError(template.name, f"the background has {pages} pages instead of "
                                           f"{template.pages}: content overflows a frame "
                                           f"or the page breaks are wrong")
    return pdf


def _text_style(template: CardTemplate, index: int, box: dict[str, Any]) -> ParagraphStyle:
    size = float(box.get("size_pt", 7))
    try:
        color = toColor(box.get("color", "#111111"))
    except ValueError:
        raise TemplateError(template.name, f"text box {index + 1}: bad color") from None
    return ParagraphStyle(f"box{index}", fontName=FONT_FAMILY, fontSize=size,
                          leading=float(box.get("leading_pt", size * 1.3)), textColor=color,
                          autoLeading="max")


def draw_text_pages(cards: Sequence[CardData], template: CardTemplate) -> bytes:
    """reportlab's PDF of the batch's text boxes: `template.pages` card-size pages per card."""
    register_fonts()
    layout = template.layout
    width, height = float(layout["width_mm"]) * MM, float(layout["height_mm"]) * MM
    boxes = [(int(box.get("page", 0)), index, _box(box, height), compiled,
              _text_style(template, index, box))
             for index, (box, compiled) in enumerate(template.compiled_text)]
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(width, height), pageCompression=1)
    with force_locale("vi"):
        for card in cards:
            context = _context(card)
            for side in range(template.pages):
                for page, index, (x, y, w, h), compiled, style in boxes:
                    if page == side:
                        _draw_box(canvas, template, index, compiled.render(card=context, _=_),
                                  style, (x, y, w, h))
                canvas.showPage()
    canvas.save()
    return out.getvalue()


def _draw_box(canvas: Canvas, template: CardTemplate, index: int, markup: str,
              style: ParagraphStyle, box: tuple[float, float, float, float]) -> None:
    x, y, w, h = box
    try:
        para = Paragraph(markup.strip(), style)
    except Exception as exc:  # noqa: BLE001 - reportlab's markup errors are ValueErrors and more
        raise TemplateError(template.name, f"text box {index + 1}: {exc}") from exc
    _, used = para.wrap(w, h)
    if used > h + 0.5:
        raise TemplateError(template.name, f"text box {index + 1} overflows its height")
    para.drawOn(canvas, x, y + h - used)


def render_text_pages(cards: Sequence[CardData], template: CardTemplate) -> bytes:
    """The PDF of the batch's text: `template.pages` card-size pages per card."""
    if template.compiled_text:
        return draw_text_pages(cards, template)
    try:
        pdf = html_to_pdf(cards_html(cards, template))
    except PdfError as exc:
        raise TemplateError(template.name, str(exc)) from exc
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    if pages != len(cards) * template.pages:
        raise TemplateError(template.name, f"{pages} pages for {len(cards)} cards instead of "
                                           f"{template.pages} per card: content overflows a frame "
                                           f"or the page breaks are wrong")
    return pdf


# -- PDF objects ---------------------------------------------------------------------------------

def _jpeg_image(data: bytes) -> StreamObject:
    """A JPEG embedded as it is (DCTDecode); other photos are converted once."""
    img = Image.open(io.BytesIO(data))
    if img.format != "JPEG" or img.mode not in ("RGB", "L"):
        out = io.BytesIO()
        img.convert("RGB").save(out, "JPEG", quality=88)
        data, img = out.getvalue(), Image.open(io.BytesIO(out.getvalue()))
    stream = EncodedStreamObject()
    stream._data = data
    stream.update({
        NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Image"),
        NameObject("/Width"): NumberObject(img.width), NameObject("/Height"): NumberObject(img.height),
        NameObject("/ColorSpace"): NameObject("/DeviceRGB" if img.mode == "RGB" else "/DeviceGray"),
        NameObject("/BitsPerComponent"): NumberObject(8), NameObject("/Filter"): NameObject("/DCTDecode"),
    })
    return stream


def _bitmap_image(data: bytes) -> StreamObject:
    """A QR code PNG as a 1-bit grey image (a few hundred bytes, no smoothing)."""
    img = Image.open(io.BytesIO(data))
    if img.mode != "1":  # segno writes 1-bit PNGs already
        img = img.convert("L").point(lambda v: 255 if v > 127 else 0).convert("1")
    return _flate_image(img.tobytes(), img.width, img.height, "/DeviceGray", 1)


def _logo_image(data: bytes) -> StreamObject:
    img = Image.open(io.BytesIO(data))
    if img.format == "JPEG":
        return _jpeg_image(data)
    rgb = img.convert("RGBA")
    background = Image.new("RGB", rgb.size, (255, 255, 255))
    background.paste(rgb, mask=rgb.getchannel("A"))
    return _flate_image(background.tobytes(), img.width, img.height, "/DeviceRGB", 8)


def _flate_image(raw: bytes, width: int, height: int, colour_space: str,
                 bits: int) -> StreamObject:
    """Raw pixels as a Flate-compressed PDF image XObject."""
    stream = EncodedStreamObject()
    stream._data = zlib.compress(raw, 6)
    stream.update({
        NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Image"),
        NameObject("/Width"): NumberObject(width), NameObject("/Height"): NumberObject(height),
        NameObject("/ColorSpace"): NameObject(colour_space),
        NameObject("/BitsPerComponent"): NumberObject(bits),
        NameObject("/Filter"): NameObject("/FlateDecode"),
    })
    return stream


def _resource_key(resources: Any) -> tuple:
    """Identity of a page's resources: reportlab repeats the same fonts on every page."""
    items = []
    for key, value in resources.items():
        value = value.get_object() if isinstance(value, IndirectObject) else value
        if isinstance(value, DictionaryObject):
            value = tuple(sorted((k, v.idnum if isinstance(v, IndirectObject) else repr(v))
                                 for k, v in value.items()))
        items.append((key, repr(value)))
    return tuple(sorted(items))


def _shared_resources(writer: PdfWriter, page: Any, cache: dict[tuple, Any]) -> Any:
    resources = page["/Resources"].get_object()
    key = _resource_key(resources)
    if key not in cache:
        cache[key] = writer._add_object(resources.clone(writer))
    return cache[key]


def _page_form(writer: PdfWriter, page: Any, width: float, height: float,
               resources: Any) -> Any:
    """One rendered card page as a form XObject in `writer`."""
    contents = page["/Contents"].get_object()
    if isinstance(contents, StreamObject):
        form = EncodedStreamObject() if "/Filter" in contents else DecodedStreamObject()
        form._data = contents._data
        for key in ("/Filter", "/DecodeParms"):
            if key in contents:
                form[NameObject(key)] = contents[key]
    else:  # several content streams: join them
        form = DecodedStreamObject()
        form.set_data(page.get_contents().get_data())
    form.update({
        NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): ArrayObject([FloatObject(0), FloatObject(0), FloatObject(width),
                                          FloatObject(height)]),
        NameObject("/Resources"): resources,
    })
    return writer._add_object(form)


def _n(value: float) -> str:
    return f"{value:.2f}"


def _box(box: dict[str, Any], height_pt: float) -> tuple[float, float, float, float]:
    """A layout box as PDF (x, y, w, h) in points, y from the bottom."""
    w = float(box.get("width_mm", box.get("size_mm", 0))) * MM
    h = float(box.get("height_mm", box.get("size_mm", 0))) * MM
    x = float(box["x_mm"]) * MM
    y = height_pt - float(box["y_mm"]) * MM - h
    return x, y, w, h


def _image_ops(name: str, box: tuple[float, float, float, float], size: tuple[int, int]) -> str:
    """Draw an image to cover its box (centred, cropped by a clip)."""
    x, y, w, h = box
    iw, ih = size
    scale = max(w / iw, h / ih)
    sw, sh = iw * scale, ih * scale
    dx, dy = x + (w - sw) / 2, y + (h - sh) / 2
    return (f"q {_n(x)} {_n(y)} {_n(w)} {_n(h)} re W n "
            f"{_n(sw)} 0 0 {_n(sh)} {_n(dx)} {_n(dy)} cm {name} Do Q\n")


def _placeholder_ops(box: tuple[float, float, float, float]) -> str:
    x, y, w, h = box
    return f"q 0.8 G 0.5 w {_n(x)} {_n(y)} {_n(w)} {_n(h)} re S Q\n"


def _circle_ops(box: tuple[float, float, float, float]) -> str:
    """The logo area when no logo is configured: a white ring."""
    x, y, w, h = box
    r = min(w, h) / 2
    cx, cy, k = x + w / 2, y + h / 2, 0.5523 * r
    return (f"q 1 G 0.8 w {_n(cx + r)} {_n(cy)} m "
            f"{_n(cx + r)} {_n(cy + k)} {_n(cx + k)} {_n(cy + r)} {_n(cx)} {_n(cy + r)} c "
            f"{_n(cx - k)} {_n(cy + r)} {_n(cx - r)} {_n(cy + k)} {_n(cx - r)} {_n(cy)} c "
            f"{_n(cx - r)} {_n(cy - k)} {_n(cx - k)} {_n(cy - r)} {_n(cx)} {_n(cy - r)} c "
            f"{_n(cx + k)} {_n(cy - r)} {_n(cx + r)} {_n(cy - k)} {_n(cx + r)} {_n(cy)} c S Q\n")


class _CardPage:
    """A card page ready to place: its form, and the drawing of its images (card coordinates)."""

    __slots__ = ("form", "overlay", "resources", "underlay")

    def __init__(self, form: Any, overlay: str, resources: dict[str, Any],
                 underlay: str = "") -> None:
        self.form = form
        self.overlay = overlay
        self.resources = resources
        #: Drawn before the form: the template's background (text-box templates).
        self.underlay = underlay


def _background_forms(writer: PdfWriter, template: CardTemplate, union_name: str,
                      images: _Images) -> list[str]:
    """The background of each side as a form XObject, by its name in `images`."""
    reader = PdfReader(io.BytesIO(render_background(template, union_name)))
    width = float(template.layout["width_mm"]) * MM
    height = float(template.layout["height_mm"]) * MM
    cache: dict[tuple, Any] = {}
    names = []
    for side, page in enumerate(reader.pages):
        names.append(f"/B{side}")
        images.names[names[-1]] = _page_form(writer, page, width, height,
                                             _shared_resources(writer, page, cache))
    return names


def _card_pages(writer: PdfWriter, text_pdf: bytes, cards: Sequence[CardData],
                template: CardTemplate, images: _Images,
                backgrounds: Sequence[str] = ()) -> list[_CardPage]:
    reader = PdfReader(io.BytesIO(text_pdf))
    layout = template.layout
    width, height = float(layout["width_mm"]) * MM, float(layout["height_mm"]) * MM
    per = template.pages
    result = []
    cache: dict[tuple, Any] = {}
    for index, page in enumerate(reader.pages):
        card, side = cards[index // per], index % per
        form = _page_form(writer, page, width, height, _shared_resources(writer, page, cache))
        ops, names, underlay = [], {}, ""
        if backgrounds:
            underlay = f"{backgrounds[side]} Do "
            names[backgrounds[side]] = images.names[backgrounds[side]]
        if "photo" in layout and int(layout["photo"].get("page", 0)) == side:
            box = _box(layout["photo"], height)
            if card.photo:
                stream = _jpeg_image(card.photo)
                name = images.add(stream)
                names[name] = images.names[name]
                ops.append(_image_ops(name, box, (stream["/Width"], stream["/Height"])))
            else:
                ops.append(_placeholder_ops(box))
        if "qr" in layout and card.qr_png and int(layout["qr"].get("page", 0)) == side:
            stream = _bitmap_image(card.qr_png)
            name = images.add(stream)
            names[name] = images.names[name]
            ops.append(_image_ops(name, _box(layout["qr"], height), (1, 1)))
        if "logo" in layout and int(layout["logo"].get("page", 0)) == side:
            box = _box(layout["logo"], height)
            if images.logo is not None:
                name, size = images.logo
                names[name] = images.names[name]
                ops.append(_image_ops(name, box, size))
            else:
                ops.append(_circle_ops(box))
        result.append(_CardPage(form, "".join(ops), names, underlay))
    return result


def _new_page(writer: PdfWriter, width: float, height: float, ops: list[str],
              xobjects: dict[str, Any]) -> None:
    page = writer.add_blank_page(width=width, height=height)
    page[NameObject("/Resources")] = DictionaryObject({
        NameObject("/XObject"): DictionaryObject({NameObject(k): v for k, v in xobjects.items()})})
    stream = DecodedStreamObject()
    stream.set_data("".join(ops).encode("ascii"))
    page[NameObject("/Contents")] = writer._add_object(stream.flate_encode())


def _place(card_page: _CardPage, x: float, y: float, ops: list[str], xobjects: dict[str, Any],
           key: str) -> None:
    xobjects[key] = card_page.form
    xobjects.update(card_page.resources)
    ops.append(f"q 1 0 0 1 {_n(x)} {_n(y)} cm {card_page.underlay}{key} Do {card_page.overlay}Q\n")


def _write_card_pages(writer: PdfWriter, pages: list[_CardPage], width: float,
                      height: float) -> None:
    for page in pages:
        ops: list[str] = []
        xobjects: dict[str, Any] = {}
        _place(page, 0, 0, ops, xobjects, "/C0")
        _new_page(writer, width, height, ops, xobjects)


@dataclass(frozen=True)
class SheetGrid:
    cols: int
    rows: int
    x0: float
    y0: float
    width: float
    height: float

    @property
    def per_sheet(self) -> int:
        return self.cols * self.rows

    def slot(self, index: int, mirrored: bool) -> tuple[float, float]:
        row, col = divmod(index, self.cols)
        if mirrored:
            col = self.cols - 1 - col
        x = self.x0 + col * (self.width + SHEET_GAP)
        y = A4[1] - self.y0 - (row + 1) * self.height - row * SHEET_GAP
        return x, y


def sheet_grid(template: CardTemplate) -> SheetGrid:
    """As many cards as fit on A4 portrait with room for cut marks, centred."""
    width = float(template.layout["width_mm"]) * MM
    height = float(template.layout["height_mm"]) * MM
    cols = max(int((A4[0] - 2 * MIN_MARGIN + SHEET_GAP) // (width + SHEET_GAP)), 1)
    rows = max(int((A4[1] - 2 * MIN_MARGIN + SHEET_GAP) // (height + SHEET_GAP)), 1)
    x0 = (A4[0] - cols * width - (cols - 1) * SHEET_GAP) / 2
    y0 = (A4[1] - rows * height - (rows - 1) * SHEET_GAP) / 2
    return SheetGrid(cols, rows, x0, y0, width, height)


def _cut_marks(grid: SheetGrid, mirrored: bool) -> str:
    """Short lines in the margins at every card edge (never over a card)."""
    xs, ys = set(), set()
    for i in range(grid.per_sheet):
        x, y = grid.slot(i, mirrored)
        xs.update((x, x + grid.width))
        ys.update((y, y + grid.height))
    top, bottom = max(ys), min(ys)
    left, right = min(xs), max(xs)
    lines = []
    for x in sorted(xs):
        lines.append(f"{_n(x)} {_n(top + MARK_OFFSET)} m {_n(x)} {_n(top + MARK_OFFSET + MARK_LENGTH)} l")
        lines.append(f"{_n(x)} {_n(bottom - MARK_OFFSET)} m {_n(x)} "
                     f"{_n(bottom - MARK_OFFSET - MARK_LENGTH)} l")
    for y in sorted(ys):
        lines.append(f"{_n(left - MARK_OFFSET)} {_n(y)} m {_n(left - MARK_OFFSET - MARK_LENGTH)} {_n(y)} l")
        lines.append(f"{_n(right + MARK_OFFSET)} {_n(y)} m {_n(right + MARK_OFFSET + MARK_LENGTH)} "
                     f"{_n(y)} l")
    return "q 0 G 0.25 w " + " ".join(lines) + " S Q\n"


def _write_sheets(writer: PdfWriter, pages: list[_CardPage], template: CardTemplate) -> None:
    """Sheet 1 holds the first cards' fronts, sheet 2 their backs (mirrored), and so on."""
    grid = sheet_grid(template)
    per = template.pages
    cards = len(pages) // per
    for start in range(0, cards, grid.per_sheet):
        chunk = range(start, min(start + grid.per_sheet, cards))
        for side in range(per):
            mirrored = side % 2 == 1
            ops = [_cut_marks(grid, mirrored)]
            xobjects: dict[str, Any] = {}
            for slot, card_index in enumerate(chunk):
                x, y = grid.slot(slot, mirrored)
                _place(pages[card_index * per + side], x, y, ops, xobjects, f"/C{slot}")
            _new_page(writer, A4[0], A4[1], ops, xobjects)


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
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

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
    images = _Images(writer)
    if logo:
        stream = _logo_image(logo)
        images.logo = (images.add(stream), (stream["/Width"], stream["/Height"]))
    backgrounds = (_background_forms(writer, template, _union_name(cards[0]), images)
                   if template.compiled_text else [])
    pages: list[_CardPage] = []
    for start in range(0, len(cards), batch_size):
        batch = cards[start:start + batch_size]
        pages.extend(_card_pages(writer, render_text_pages(batch, template), batch, template,
                                 images, backgrounds))
        if progress:
            progress(len(batch))
    if sheets:
        _write_sheets(writer, pages, template)
    else:
        _write_card_pages(writer, pages, float(template.layout["width_mm"]) * MM,
                          float(template.layout["height_mm"]) * MM)
    writer.add_metadata({"/Producer": "UnionAdmin", "/Title": _("Member cards")})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
