"""Helpers of the card tests (issue #5): members with issued cards, photos, PDF text."""

from __future__ import annotations

import io
import logging
from contextlib import contextmanager
from typing import Any

from PIL import Image
from pypdf import PdfReader

from tests.helpers import member_data, uid
from unionadmin.core.actor import SYSTEM, acting_as


def as_system(app, fn, *args: Any, **kwargs: Any) -> Any:
    with app.test_request_context(), acting_as(SYSTEM):
        return fn(*args, **kwargs)


def allocate(app, unit) -> str:
    from unionadmin.core.cards import services as cards

    prefix = uid()[:6]
    as_system(app, cards.create, {"unit_id": unit.id, "prefix": prefix, "end_serial": 10000})
    return prefix


def carded_member(app, unit, **over: Any) -> dict[str, Any]:
    """Create and approve a member (approval issues the card): its id, number and token."""
    from unionadmin.core.members import services

    def make():
        member = services.create(member_data(unit, **over))
        services.approve(member)
        return {"id": member.id, "number": member.card_number, "token": member.card_token,
                "name": member.full_name, "url": member.card_verify_url}

    return as_system(app, make)


def jpeg(size=(600, 800), color=(90, 140, 200), exif: bool = False) -> bytes:
    img = Image.new("RGB", size, color)
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCam"  # Make
        data[0x0112] = 6  # Orientation: rotate 90
        img.save(out, "JPEG", exif=data.tobytes())
    else:
        img.save(out, "JPEG")
    return out.getvalue()


def png(size=(300, 400)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (10, 200, 10, 128)).save(out, "PNG")
    return out.getvalue()


def pdf_text(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


@contextmanager
def xhtml2pdf_warnings():
    """Collect xhtml2pdf's warnings (a blocked font is only a warning:
    docs/architecture.md#pdfs-and-card-printing)."""
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                records.append(record.getMessage())

    logger = logging.getLogger("xhtml2pdf")
    handler = Collect()
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)
