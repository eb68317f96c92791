"""What a card template sees (docs/card-templates.md): the names each part is rendered with, the
`card` mapping, and the sample card every template is checked with when it is loaded.

One place, used by the renderer (render.py) and by the checks (templates.py), so that what is
documented, what is checked and what is printed cannot drift apart
(tests/core/cards/test_card_template_docs.py compares the documentation with this module).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from flask_babel import gettext as _

from unionadmin.core.cards.qr import make_qr_png


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


def format_date(value: date | None) -> str:
    """A card's date: dd/mm/yyyy, or empty."""
    return value.strftime("%d/%m/%Y") if value else ""


def union_name_of(card: CardData) -> str:
    """The name printed at the top of the card (UNIONADMIN_CARD_UNION_NAME)."""
    return card.union_name or _("Vietnam General Confederation of Labour")


def card_context(card: CardData) -> dict[str, Any]:
    """The `card` a template sees: text, dates as dd/mm/yyyy (empty when unknown)."""
    return {"holder_name": card.holder_name, "date_of_birth": format_date(card.date_of_birth),
            "unit_name": card.unit_name, "card_number": card.card_number,
            "issued_on": format_date(card.issued_on), "has_photo": card.photo is not None,
            "union_name": union_name_of(card)}


def card_names(card: CardData) -> dict[str, Any]:
    """What a card's own part is rendered with: `html` of a template without text boxes, and
    each text box's `markup`."""
    return {"card": card_context(card), "_": _}


def background_names(union_name: str) -> dict[str, Any]:
    """What the parts shared by every card are rendered with: `static`, and `html` of a template
    with text boxes (laid out once per document, so it cannot show one card's data)."""
    return {"union_name": union_name, "_": _}


@cache
def _sample_qr() -> bytes:
    return make_qr_png("https://example.invalid/verify/sample-token")


def sample_card() -> CardData:
    """The card every template is checked with when it is loaded: fictional, with a long name
    and unit as real cards have."""
    return CardData(holder_name="Nguyễn Thị Phương Thảo", date_of_birth=date(1990, 12, 31),
                    unit_name="Công đoàn cơ sở Công ty TNHH May mặc Đồng Nai",
                    card_number="79000012345", issued_on=date(2026, 1, 15), qr_png=_sample_qr())
