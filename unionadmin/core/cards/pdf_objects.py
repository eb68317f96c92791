"""PDF objects for the card pages, written with pypdf directly: images (a photo's JPEG embedded
as it is, a QR code as a 1-bit image, the logo), pages reused as form XObjects with shared
resources, and the drawing operators that place them (card coordinates, points)."""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass, field
from typing import Any

from PIL import Image
from pypdf import PdfWriter
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

#: PDF points per millimetre.
MM = 72 / 25.4


@dataclass
class Images:
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


def jpeg_image(data: bytes) -> StreamObject:
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


def bitmap_image(data: bytes) -> StreamObject:
    """A QR code PNG as a 1-bit grey image (a few hundred bytes, no smoothing)."""
    img = Image.open(io.BytesIO(data))
    if img.mode != "1":  # segno writes 1-bit PNGs already
        img = img.convert("L").point(lambda v: 255 if v > 127 else 0).convert("1")
    return _flate_image(img.tobytes(), img.width, img.height, "/DeviceGray", 1)


def logo_image(data: bytes) -> StreamObject:
    img = Image.open(io.BytesIO(data))
    if img.format == "JPEG":
        return jpeg_image(data)
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


def shared_resources(writer: PdfWriter, page: Any, cache: dict[tuple, Any]) -> Any:
    resources = page["/Resources"].get_object()
    key = _resource_key(resources)
    if key not in cache:
        cache[key] = writer._add_object(resources.clone(writer))
    return cache[key]


def page_form(writer: PdfWriter, page: Any, width: float, height: float,
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


def num(value: float) -> str:
    return f"{value:.2f}"


def box_rect(box: dict[str, Any], height_pt: float) -> tuple[float, float, float, float]:
    """A layout box as PDF (x, y, w, h) in points, y from the bottom."""
    w = float(box.get("width_mm", box.get("size_mm", 0))) * MM
    h = float(box.get("height_mm", box.get("size_mm", 0))) * MM
    x = float(box["x_mm"]) * MM
    y = height_pt - float(box["y_mm"]) * MM - h
    return x, y, w, h


def image_ops(name: str, box: tuple[float, float, float, float], size: tuple[int, int]) -> str:
    """Draw an image to cover its box (centred, cropped by a clip)."""
    x, y, w, h = box
    iw, ih = size
    scale = max(w / iw, h / ih)
    sw, sh = iw * scale, ih * scale
    dx, dy = x + (w - sw) / 2, y + (h - sh) / 2
    return (f"q {num(x)} {num(y)} {num(w)} {num(h)} re W n "
            f"{num(sw)} 0 0 {num(sh)} {num(dx)} {num(dy)} cm {name} Do Q\n")


def placeholder_ops(box: tuple[float, float, float, float]) -> str:
    x, y, w, h = box
    return f"q 0.8 G 0.5 w {num(x)} {num(y)} {num(w)} {num(h)} re S Q\n"


def circle_ops(box: tuple[float, float, float, float]) -> str:
    """The logo area when no logo is configured: a white ring."""
    x, y, w, h = box
    r = min(w, h) / 2
    cx, cy, k = x + w / 2, y + h / 2, 0.5523 * r
    return (f"q 1 G 0.8 w {num(cx + r)} {num(cy)} m "
            f"{num(cx + r)} {num(cy + k)} {num(cx + k)} {num(cy + r)} {num(cx)} {num(cy + r)} c "
            f"{num(cx - k)} {num(cy + r)} {num(cx - r)} {num(cy + k)} {num(cx - r)} {num(cy)} c "
            f"{num(cx - r)} {num(cy - k)} {num(cx - k)} {num(cy - r)} {num(cx)} {num(cy - r)} c "
            f"{num(cx + k)} {num(cy - r)} {num(cx + r)} {num(cy - k)} {num(cx + r)} {num(cy)} c S Q\n")


class CardPage:
    """A card page ready to place: its form, and the drawing of its images (card coordinates)."""

    __slots__ = ("form", "overlay", "resources", "underlay")

    def __init__(self, form: Any, overlay: str, resources: dict[str, Any],
                 underlay: str = "") -> None:
        self.form = form
        self.overlay = overlay
        self.resources = resources
        #: Drawn before the form: the template's background (text-box templates).
        self.underlay = underlay


def new_page(writer: PdfWriter, width: float, height: float, ops: list[str],
              xobjects: dict[str, Any]) -> None:
    page = writer.add_blank_page(width=width, height=height)
    page[NameObject("/Resources")] = DictionaryObject({
        NameObject("/XObject"): DictionaryObject({NameObject(k): v for k, v in xobjects.items()})})
    stream = DecodedStreamObject()
    stream.set_data("".join(ops).encode("ascii"))
    page[NameObject("/Contents")] = writer._add_object(stream.flate_encode())


def place(card_page: CardPage, x: float, y: float, ops: list[str], xobjects: dict[str, Any],
           key: str) -> None:
    xobjects[key] = card_page.form
    xobjects.update(card_page.resources)
    ops.append(f"q 1 0 0 1 {num(x)} {num(y)} cm {card_page.underlay}{key} Do {card_page.overlay}Q\n")
