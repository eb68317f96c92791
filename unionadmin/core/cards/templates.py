"""Card templates: the core default, and those plugins add through `register_card_templates`.

A template is a mapping (hookspecs.py): ``name``, ``label``, ``html`` (a Jinja template of ONE
card, its pages separated by ``<pdf:nextpage></pdf:nextpage>``), ``css`` (for xhtml2pdf, with the
``@page`` rules), optionally ``static`` (HTML laid out once per document for the frames named by
``-pdf-frame-content``: what every card repeats, such as headings and notes) and ``layout``::

    {"width_mm": 85.6, "height_mm": 54, "pages": 2,
     "photo": {"page": 0, "x_mm": 4, "y_mm": 15, "width_mm": 20, "height_mm": 26.7},
     "qr": {"page": 1, "x_mm": 4, "y_mm": 9, "size_mm": 32},
     "logo": {"page": 0, "x_mm": 2.5, "y_mm": 1.5, "size_mm": 10.5},   (optional)
     "text": [{"page": 0, "x_mm": 28, "y_mm": 15, "width_mm": 55, "height_mm": 36,
               "markup": "<b>{{ card.holder_name }}</b><br/>...",
               "size_pt": 7, "leading_pt": 9.1, "color": "#111111"}]}   (optional)

Positions are measured from the card's top-left corner. With ``text`` boxes (the fast way, used
by the core template: about five times faster than laying out each card with xhtml2pdf), the
card's variable text is drawn directly with reportlab in those boxes: ``markup`` is a Jinja
template (it sees ``card`` and ``_``) of reportlab paragraph markup (``<b>``, ``<i>``, ``<br/>``,
``<font size="9" color="#c8102e">``), in the bundled Noto Sans; ``size_pt`` (default 7),
``leading_pt`` (default 1.3 x size) and ``color`` are optional; text that does not fit its box is
an error naming the template. ``html`` then holds only what is the same on every card (it sees
``union_name`` and ``_``, not ``card``) and is laid out once per document, with ``static``, as
the background of every card. Without ``text``, ``html`` is laid out by xhtml2pdf for each card.

The photo and the QR code are placed on the rendered pages directly (not through xhtml2pdf):
decoding and re-encoding images is what makes xhtml2pdf slow, and both images are ready-made
(docs/architecture.md#pdfs-and-card-printing). Without text boxes, the HTML sees ``card``
(see `render.CardData`: holder_name,
date_of_birth, unit_name, card_number, issued_on, union_name, has_photo, all text) and ``_``
(gettext; cards are rendered in Vietnamese); ``static`` sees ``union_name`` and ``_``.

The effective template of a unit is the nearest choice up the tree (`unit.card_template`),
else the core default.

A plugin's template may carry ``applies_to``, a function of a Unit (plugins/applies.py): it is
then offered only to actors it concerns (`choices`), and choosing or printing it for a unit
where it does not apply is refused with a field error on ``card_template`` (`check_offered`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import jinja2
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from unionadmin.core.db import session
from unionadmin.core.errors import ValidationError
from unionadmin.core.units.models import Unit
from unionadmin.plugins import applies
from unionadmin.plugins.manager import get_pm

log = logging.getLogger(__name__)

DEFAULT = "default"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates" / "cards" / "card"
_REQUIRED_LAYOUT = ("width_mm", "height_mm", "pages")


class TemplateError(RuntimeError):
    """A card template is missing or broken; the message names it."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"Card template '{name}': {problem}")
        self.name = name
        self.problem = problem


_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                          trim_blocks=True, lstrip_blocks=True)


@dataclass
class CardTemplate:
    name: str
    label: Any
    html: str
    css: str
    layout: dict[str, Any] = field(default_factory=dict)
    static: str = ""
    #: Who supplied it ("core" or the plugin's name), for messages.
    source: str = "core"
    #: The units it is offered for, a function of a Unit (None: every unit).
    applies_to: Callable[[Unit], Any] | None = None

    @cached_property
    def compiled(self) -> jinja2.Template:
        try:
            return _ENV.from_string(self.html)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(self.name, f"HTML line {exc.lineno}: {exc.message}") from exc

    @cached_property
    def compiled_static(self) -> jinja2.Template:
        try:
            return _ENV.from_string(self.static or "")
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(self.name, f"static HTML line {exc.lineno}: {exc.message}") from exc

    @cached_property
    def compiled_text(self) -> list[tuple[dict[str, Any], jinja2.Template]]:
        """The layout's text boxes with their compiled markup (empty: xhtml2pdf lays out cards)."""
        result = []
        for index, box in enumerate(self.layout.get("text") or ()):
            try:
                result.append((box, _ENV.from_string(box["markup"])))
            except jinja2.TemplateSyntaxError as exc:
                raise TemplateError(self.name, f"text box {index + 1} line {exc.lineno}: "
                                               f"{exc.message}") from exc
        return result

    @property
    def pages(self) -> int:
        return int(self.layout["pages"])

    def check(self) -> None:
        """Raise TemplateError when the mapping cannot work (missing parts, bad layout)."""
        if not isinstance(self.html, str) or not self.html.strip():
            raise TemplateError(self.name, "no HTML")
        if not isinstance(self.css, str) or not isinstance(self.static or "", str):
            raise TemplateError(self.name, "CSS and static HTML must be text")
        if self.applies_to is not None and not callable(self.applies_to):
            raise TemplateError(self.name, "applies_to must be a function of a unit")
        missing = [k for k in _REQUIRED_LAYOUT if k not in self.layout]
        if missing:
            raise TemplateError(self.name, f"layout lacks {', '.join(missing)}")
        try:
            sizes = [float(self.layout[k]) for k in ("width_mm", "height_mm")]
            pages = int(self.layout["pages"])
        except (TypeError, ValueError):
            raise TemplateError(self.name, "layout sizes must be numbers") from None
        if min(sizes) <= 0 or pages < 1:
            raise TemplateError(self.name, "layout sizes and pages must be positive")
        for key in ("photo", "qr", "logo"):
            box = self.layout.get(key)
            if box is None:
                continue
            size_keys = ("width_mm", "height_mm") if key == "photo" else ("size_mm",)
            try:
                if int(box.get("page", 0)) >= pages:
                    raise TemplateError(self.name, f"layout {key} is on a page the card lacks")
                [float(box[k]) for k in ("x_mm", "y_mm", *size_keys)]
            except (AttributeError, KeyError, TypeError, ValueError):
                raise TemplateError(self.name, f"layout {key} needs x_mm, y_mm and "
                                               f"{' and '.join(size_keys)}") from None
        self._check_text(pages)
        self.compiled  # noqa: B018 - compiles now so that a syntax error names the template
        self.compiled_static  # noqa: B018
        self.compiled_text  # noqa: B018

    def _check_text(self, pages: int) -> None:
        boxes = self.layout.get("text")
        if boxes is None:
            return
        if not isinstance(boxes, list | tuple):
            raise TemplateError(self.name, "layout text must be a list of boxes")
        for index, box in enumerate(boxes):
            try:
                numbers = [float(box[k]) for k in ("x_mm", "y_mm", "width_mm", "height_mm")]
                numbers += [float(box[k]) for k in ("size_pt", "leading_pt") if k in box]
                if int(box.get("page", 0)) >= pages or min(numbers[2:]) <= 0:
                    raise ValueError
                if not isinstance(box["markup"], str):
                    raise TypeError
            except (AttributeError, KeyError, TypeError, ValueError):
                raise TemplateError(self.name, f"layout text box {index + 1} needs a page of the "
                                               f"card, x_mm, y_mm, width_mm, height_mm (positive) "
                                               f"and markup") from None


def _core_template() -> CardTemplate:
    return CardTemplate(
        name=DEFAULT,
        label=_l("Standard card"),
        html=(TEMPLATE_DIR / "default.html").read_text(encoding="utf-8"),
        css=(TEMPLATE_DIR / "default.css").read_text(encoding="utf-8"),
        static=(TEMPLATE_DIR / "default_static.html").read_text(encoding="utf-8"),
        layout={"width_mm": 85.6, "height_mm": 54, "pages": 2,
                "photo": {"page": 0, "x_mm": 4, "y_mm": 15, "width_mm": 21, "height_mm": 28},
                "qr": {"page": 1, "x_mm": 5, "y_mm": 10, "size_mm": 34},
                "logo": {"page": 0, "x_mm": 2.5, "y_mm": 1.5, "size_mm": 10.5},
                "text": [{"page": 0, "x_mm": 28, "y_mm": 15, "width_mm": 55, "height_mm": 36,
                          "markup": (TEMPLATE_DIR / "default_front.txt").read_text(encoding="utf-8")},
                         {"page": 1, "x_mm": 42, "y_mm": 8, "width_mm": 40, "height_mm": 12,
                          "markup": (TEMPLATE_DIR / "default_back.txt").read_text(encoding="utf-8")}]},
    )


def _from_plugin(item: Any, plugin: str) -> CardTemplate:
    if not isinstance(item, dict) or not item.get("name"):
        raise TemplateError(str(getattr(item, "get", lambda _k: None)("name") or "?"),
                            f"plugin {plugin} returned a template without a name")
    return CardTemplate(name=str(item["name"]), label=item.get("label") or item["name"],
                        html=item.get("html") or "", css=item.get("css") or "",
                        layout=dict(item.get("layout") or {}), static=item.get("static") or "",
                        source=plugin, applies_to=item.get("applies_to"))


def _collect() -> tuple[dict[str, CardTemplate], dict[str, str]]:
    """Every template by name, and the problems of the broken ones (name -> message)."""
    templates = {DEFAULT: _core_template()}
    broken: dict[str, str] = {}
    pm = get_pm()
    for impl in pm.hook.register_card_templates.get_hookimpls():
        plugin = impl.plugin_name
        try:
            items = impl.function() or []
        except Exception as exc:  # noqa: BLE001 - a plugin's failure must name the plugin
            log.exception("register_card_templates of %s failed", plugin)
            broken[f"{plugin}:?"] = f"plugin {plugin} failed: {exc}"
            continue
        for item in items:
            try:
                template = _from_plugin(item, plugin)
                template.check()
            except TemplateError as exc:
                log.error("%s", exc)
                broken[exc.name] = str(exc)
                continue
            templates[template.name] = template
    return templates, broken


def registry() -> dict[str, CardTemplate]:
    """The app's templates (collected once per app at first use)."""
    key = "unionadmin.card_templates"
    if key not in current_app.extensions:
        current_app.extensions[key] = _collect()
    return current_app.extensions[key][0]


def broken_templates() -> dict[str, str]:
    registry()
    return current_app.extensions["unionadmin.card_templates"][1]


def get(name: str | None) -> CardTemplate:
    """The template called `name` (None: the default); TemplateError names a missing or
    broken one."""
    name = name or DEFAULT
    found = registry().get(name)
    if found is not None:
        return found
    problem = broken_templates().get(name)
    raise TemplateError(name, problem.split(": ", 1)[-1] if problem else "not installed")


def choices(unit: Unit | None = None) -> list[tuple[str, str]]:
    """(name, label) of the templates offered for `unit`, or without one, to the current actor
    (for its own unit or a unit of its scope: plugins/applies.py)."""
    return [(t.name, str(t.label)) for t in registry().values()
            if (applies.applies(t.applies_to, unit) if unit is not None else applies.offered(t.applies_to))]


def check_offered(template: CardTemplate, unit: Unit) -> CardTemplate:
    """`template` if it is offered for `unit`; a field error on card_template otherwise (choosing
    it for the unit, or printing the unit's cards with it)."""
    if not applies.applies(template.applies_to, unit):
        raise ValidationError.single("card_template", _(
            "The card template “%(template)s” is not offered for the unit %(unit)s.",
            template=str(template.label), unit=unit.name))
    return template


def effective_name(unit: Unit) -> str:
    """The template chosen by the unit or its nearest ancestor that chose one (one query)."""
    ids = unit.ancestor_ids
    chosen = dict(session().execute(
        select(Unit.id, Unit.card_template).where(Unit.id.in_(ids),
                                                  Unit.card_template.is_not(None))).all())
    for unit_id in reversed(ids):
        if chosen.get(unit_id):
            return chosen[unit_id]
    return DEFAULT


def effective(unit: Unit) -> CardTemplate:
    """The template the unit's cards are printed with (refused where it does not apply, as when
    a unit that chose a province's template has moved out of the province)."""
    return check_offered(get(effective_name(unit)), unit)
