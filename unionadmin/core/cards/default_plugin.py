"""The core's card template, offered through the `register_card_templates` hook as a plugin's
is (plugins/defaults.py): the card-template registry collects it with the plugins' templates,
first, and checks it the same way (docs/card-templates.md)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from unionadmin.core.cards.templates import DEFAULT, TEMPLATE_DIR
from unionadmin.plugins.hookspecs import hookimpl


def _read(name: str) -> str:
    return (TEMPLATE_DIR / name).read_text(encoding="utf-8")


def standard_card() -> dict[str, Any]:
    """The standard card (85.6 x 54 mm, front and back): text boxes over a background laid out
    once per document; the photo, QR code and logo placed by the renderer."""
    return {
        "name": DEFAULT,
        "label": _l("Standard card"),
        "html": _read("default.html"),
        "css": _read("default.css"),
        "static": _read("default_static.html"),
        "layout": {"width_mm": 85.6, "height_mm": 54, "pages": 2,
                   "photo": {"page": 0, "x_mm": 4, "y_mm": 15, "width_mm": 21, "height_mm": 28},
                   "qr": {"page": 1, "x_mm": 5, "y_mm": 10, "size_mm": 34},
                   "logo": {"page": 0, "x_mm": 2.5, "y_mm": 1.5, "size_mm": 10.5},
                   "text": [{"page": 0, "x_mm": 28, "y_mm": 15, "width_mm": 55, "height_mm": 36,
                             "markup": _read("default_front.txt")},
                            {"page": 1, "x_mm": 42, "y_mm": 8, "width_mm": 40, "height_mm": 12,
                             "markup": _read("default_back.txt")}]},
    }


@hookimpl
def register_card_templates() -> list[dict[str, Any]]:
    return [standard_card()]
