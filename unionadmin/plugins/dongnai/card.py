"""The provincial card: the core card's text boxes on a band naming the province."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from unionadmin.core.cards.templates import TEMPLATE_DIR
from unionadmin.plugins.dongnai import in_province

BAND = ('<div id="card-band"><p class="union">LIÊN ĐOÀN LAO ĐỘNG TỈNH ĐỒNG NAI<br/>'
        '<span class="title">{{ _("MEMBER CARD") }}</span></p></div>')


def template() -> dict[str, Any]:
    read = lambda name: (TEMPLATE_DIR / name).read_text(encoding="utf-8")  # noqa: E731
    static = read("default_static.html").split("\n", 1)
    return {
        "name": "dongnai", "label": _l("Đồng Nai provincial card"),
        "applies_to": in_province,  # offered, chosen and printed only inside the province
        "html": read("default.html"),
        "css": read("default.css") + "\n#card-band { background-color: #0b5d1e; }\n",
        "static": BAND + "\n" + (static[1] if len(static) > 1 else ""),
        "layout": {"width_mm": 85.6, "height_mm": 54, "pages": 2,
                   "photo": {"page": 0, "x_mm": 4, "y_mm": 15, "width_mm": 21, "height_mm": 28},
                   "qr": {"page": 1, "x_mm": 5, "y_mm": 10, "size_mm": 34},
                   "logo": {"page": 0, "x_mm": 2.5, "y_mm": 1.5, "size_mm": 10.5},
                   "text": [{"page": 0, "x_mm": 28, "y_mm": 15, "width_mm": 55, "height_mm": 36,
                             "markup": read("default_front.txt")},
                            {"page": 1, "x_mm": 42, "y_mm": 8, "width_mm": 40, "height_mm": 12,
                             "markup": read("default_back.txt")}]},
    }
