"""Card templates: what `register_card_templates` returns, checked when it is loaded.

Every template comes through the hook, the core's own too (its default plugin,
core/cards/default_plugin.py, registered first: plugins/defaults.py), and is checked the same way
when the registry is built, at start-up (`registry`): its keys and layout (`check`), the names
its Jinja parts use, rendered with StrictUndefined against a sample card (`check_names`), and a
sample card printed with it (`render.render_sample`). A template that fails is left out and
listed with its problem (`broken_templates`, the /cards/templates page, the log); choosing it is
a field error saying what is wrong, and printing never meets a template that was not checked.

docs/card-templates.md is the reference: the mapping (``name``, ``label``, ``html``, ``css``,
``static``, ``layout``, ``applies_to``: TEMPLATE_KEYS), the layout (LAYOUT_KEYS, BOX_KEYS) and
what each part sees (context.py). In short: ``html`` is a Jinja template of ONE card, its pages
separated by ``<pdf:nextpage></pdf:nextpage>``; ``css`` holds the ``@page`` rules; ``static``
(optional) is laid out once per document for the frames named by ``-pdf-frame-content``. With
``text`` boxes in the layout (the fast way, used by the core template), each card's text is
drawn by reportlab in those boxes (each box's ``markup`` sees ``card``), and ``html`` is the
background every card shares (it sees ``union_name``, not ``card``). The photo, the QR code and
the logo are placed by the renderer at their layout positions
(docs/architecture.md#pdfs-and-card-printing).

The effective template of a unit is the nearest choice up the tree (`unit.card_template`),
else the core default. A template may carry ``applies_to``, a function of a Unit
(plugins/applies.py): it is then offered only to actors it concerns (`choices`), and choosing or
printing it for a unit where it does not apply is refused with a field error on
``card_template`` (`check_offered`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import jinja2
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from unionadmin.core.cards.context import background_names, card_names, sample_card, union_name_of
from unionadmin.core.db import session
from unionadmin.core.errors import ValidationError
from unionadmin.core.units.models import Unit
from unionadmin.plugins import applies, defaults
from unionadmin.plugins.manager import get_pm

log = logging.getLogger(__name__)

DEFAULT = "default"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates" / "cards" / "card"
#: The keys of a template mapping (docs/card-templates.md#the-template).
TEMPLATE_KEYS = ("name", "label", "html", "css", "static", "layout", "applies_to")
#: The keys of a layout (docs/card-templates.md#the-layout), and of each of its boxes.
LAYOUT_KEYS = ("width_mm", "height_mm", "pages", "photo", "qr", "logo", "text")
BOX_KEYS: dict[str, tuple[str, ...]] = {
    "photo": ("page", "x_mm", "y_mm", "width_mm", "height_mm"),
    "qr": ("page", "x_mm", "y_mm", "size_mm"),
    "logo": ("page", "x_mm", "y_mm", "size_mm"),
    "text": ("page", "x_mm", "y_mm", "width_mm", "height_mm", "markup", "size_pt", "leading_pt",
             "color"),
}
_REQUIRED_LAYOUT = ("width_mm", "height_mm", "pages")
_OPTIONAL_BOX_KEYS = ("page", "size_pt", "leading_pt", "color")
_NO_ATTRIBUTE = re.compile(r"'(\w+) object' has no attribute '([^']*)'")
_UNDEFINED = re.compile(r"'([^']*)' is undefined")


class TemplateError(RuntimeError):
    """A card template is missing or broken: `message` names it and says what is wrong, in the
    user's language (`problem` is a lazy message)."""

    def __init__(self, name: str, problem: Any) -> None:
        super().__init__(name, problem)
        self.name = name
        self.problem = problem

    @property
    def message(self) -> str:
        return _("Card template “%(name)s”: %(problem)s", name=self.name,
                 problem=str(self.problem))

    def __str__(self) -> str:
        return self.message


_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                          trim_blocks=True, lstrip_blocks=True)


def _names(values: Any) -> str:
    return ", ".join(str(v) for v in values)


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
    #: Set once `check` has passed (printing checks every run, and this is cheap then).
    checked: bool = field(default=False, repr=False, compare=False)

    def _compile(self, source: str, part: Any) -> jinja2.Template:
        try:
            return _ENV.from_string(source)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(self.name, _l("%(part)s, line %(line)s: %(error)s", part=part,
                                              line=exc.lineno, error=exc.message)) from exc

    @cached_property
    def compiled(self) -> jinja2.Template:
        return self._compile(self.html, _l("the HTML"))

    @cached_property
    def compiled_static(self) -> jinja2.Template:
        return self._compile(self.static or "", _l("the static HTML"))

    @cached_property
    def compiled_text(self) -> list[tuple[dict[str, Any], jinja2.Template]]:
        """The layout's text boxes with their compiled markup (empty: xhtml2pdf lays out cards)."""
        return [(box, self._compile(box["markup"], _l("text box %(n)s", n=index + 1)))
                for index, box in enumerate(self.layout.get("text") or ())]

    @property
    def pages(self) -> int:
        return int(self.layout["pages"])

    def check(self) -> None:
        """Raise TemplateError when the mapping cannot work: missing parts, unknown keys, a bad
        layout, a Jinja syntax error, or a name its parts use that they do not see."""
        if self.checked:
            return
        if not isinstance(self.html, str) or not self.html.strip():
            raise TemplateError(self.name, _l("it has no HTML"))
        if not isinstance(self.css, str) or not isinstance(self.static or "", str):
            raise TemplateError(self.name, _l("css and static must be text"))
        if self.applies_to is not None and not callable(self.applies_to):
            raise TemplateError(self.name, _l("applies_to must be a function of a unit"))
        pages = self._check_layout()
        for key in ("photo", "qr", "logo"):
            self._check_box(key, self.layout.get(key), pages)
        self._check_text(pages)
        self.compiled  # noqa: B018 - compiles now so that a syntax error names the template
        self.compiled_static  # noqa: B018
        self.compiled_text  # noqa: B018
        self.check_names()
        self.checked = True

    def _check_layout(self) -> int:
        if not isinstance(self.layout, dict):
            raise TemplateError(self.name, _l("the layout must be a mapping"))
        unknown = [k for k in self.layout if k not in LAYOUT_KEYS]
        if unknown:
            raise TemplateError(self.name, _l("the layout has unknown keys %(keys)s: a layout "
                                              "has %(known)s", keys=_names(unknown),
                                              known=_names(LAYOUT_KEYS)))
        missing = [k for k in _REQUIRED_LAYOUT if k not in self.layout]
        if missing:
            raise TemplateError(self.name, _l("the layout lacks %(keys)s", keys=_names(missing)))
        try:
            sizes = [float(self.layout[k]) for k in ("width_mm", "height_mm")]
            pages = int(self.layout["pages"])
        except (TypeError, ValueError):
            raise TemplateError(self.name, _l("the layout's sizes and pages must be numbers")) \
                from None
        if min(sizes) <= 0 or pages < 1:
            raise TemplateError(self.name, _l("the layout's sizes and pages must be positive"))
        return pages

    def _check_box(self, key: str, box: Any, pages: int, index: int | None = None) -> None:
        """A photo, QR code, logo or text box: its keys, a page of the card, numbers."""
        if box is None:
            return
        where = _l("text box %(n)s", n=index + 1) if index is not None else key
        allowed = BOX_KEYS[key]
        required = [k for k in allowed if k not in _OPTIONAL_BOX_KEYS]
        if not isinstance(box, dict):
            raise TemplateError(self.name, _l("layout %(box)s must be a mapping with %(keys)s",
                                              box=where, keys=_names(required)))
        unknown = [k for k in box if k not in allowed]
        if unknown:
            raise TemplateError(self.name, _l("layout %(box)s has unknown keys %(keys)s: it has "
                                              "%(known)s", box=where, keys=_names(unknown),
                                              known=_names(allowed)))
        try:
            numbers = [float(box[k]) for k in required if k != "markup"]
            numbers += [float(box[k]) for k in ("size_pt", "leading_pt") if k in box]
            page = int(box.get("page", 0))
        except (KeyError, TypeError, ValueError):
            raise TemplateError(self.name, _l("layout %(box)s needs %(keys)s, as numbers",
                                              box=where, keys=_names(required))) from None
        if not 0 <= page < pages:
            raise TemplateError(self.name, _l("layout %(box)s is on a page the card lacks "
                                              "(pages are counted from 0)", box=where))
        if min(numbers[2:]) <= 0:
            raise TemplateError(self.name, _l("layout %(box)s: its sizes must be positive",
                                              box=where))
        if key == "text" and not isinstance(box["markup"], str):
            raise TemplateError(self.name, _l("layout %(box)s: its markup must be text",
                                              box=where))

    def _check_text(self, pages: int) -> None:
        boxes = self.layout.get("text")
        if boxes is None:
            return
        if not isinstance(boxes, list | tuple):
            raise TemplateError(self.name, _l("layout text must be a list of boxes"))
        for index, box in enumerate(boxes):
            self._check_box("text", box, pages, index)

    def parts(self) -> list[tuple[Any, jinja2.Template, dict[str, Any]]]:
        """Each Jinja part with what it is rendered with, for a sample card
        (docs/card-templates.md#what-each-part-sees)."""
        sample = sample_card()
        card, background = card_names(sample), background_names(union_name_of(sample))
        result = [(_l("the HTML"), self.compiled, background if self.compiled_text else card),
                  (_l("the static HTML"), self.compiled_static, background)]
        result += [(_l("text box %(n)s", n=index + 1), compiled, card)
                   for index, (_box, compiled) in enumerate(self.compiled_text)]
        return result

    def check_names(self) -> None:
        """Render every part against the sample card with StrictUndefined: a name or a key a
        part does not see ({{ card.full_name }}) is a TemplateError saying which, and what the
        part sees instead."""
        with force_locale("vi"):
            for part, compiled, names in self.parts():
                try:
                    compiled.render(names)
                except jinja2.UndefinedError as exc:
                    raise TemplateError(self.name, _undefined(part, exc, names)) from None
                except Exception as exc:  # noqa: BLE001 - the template's own error, with its name
                    raise TemplateError(self.name, _l(
                        "%(part)s failed with a sample card: %(error)s", part=part,
                        error=f"{type(exc).__name__}: {exc}")) from None


def _undefined(part: Any, exc: jinja2.UndefinedError, names: dict[str, Any]) -> Any:
    """What a part used that it does not see, and what it sees instead."""
    text = str(exc.message or exc)
    attribute = _NO_ATTRIBUTE.search(text)
    if attribute and attribute.group(1) == "dict" and "card" in names:
        return _l("%(part)s uses card.%(key)s, which a card does not have: it has %(keys)s "
                  "(docs/card-templates.md)", part=part, key=attribute.group(2),
                  keys=_names(names["card"]))
    undefined = _UNDEFINED.search(text)
    if undefined:
        return _l("%(part)s uses %(name)s, which it does not see: it sees %(names)s "
                  "(docs/card-templates.md)", part=part, name=undefined.group(1),
                  names=_names(names))
    return _l("%(part)s uses a name it does not see (%(error)s): it sees %(names)s "
              "(docs/card-templates.md)", part=part, error=text, names=_names(names))


def from_mapping(item: Any, plugin: str = "core") -> CardTemplate:
    """The CardTemplate of a mapping returned by `register_card_templates` (the core's or a
    plugin's), not checked yet (TemplateError for a mapping without a name or with unknown
    keys)."""
    if not isinstance(item, dict) or not item.get("name"):
        name = item.get("name") if isinstance(item, dict) else None
        raise TemplateError(str(name or "?"), _l("the plugin %(plugin)s returned a template "
                                                 "without a name", plugin=plugin))
    unknown = [k for k in item if k not in TEMPLATE_KEYS]
    if unknown:
        raise TemplateError(str(item["name"]), _l(
            "unknown keys %(keys)s: a template has %(known)s", keys=_names(unknown),
            known=_names(TEMPLATE_KEYS)))
    return CardTemplate(name=str(item["name"]), label=item.get("label") or item["name"],
                        html=item.get("html") or "", css=item.get("css") or "",
                        layout=_copy(item.get("layout")), static=item.get("static") or "",
                        source=plugin, applies_to=item.get("applies_to"))


def _copy(layout: Any) -> Any:
    """The plugin's layout, copied (a mapping of mappings and a list of boxes), or as it is when
    it is not a mapping (the check says so)."""
    if not isinstance(layout, dict):
        return layout or {}
    copied = {k: dict(v) if isinstance(v, dict) else v for k, v in layout.items()}
    if isinstance(copied.get("text"), list | tuple):
        copied["text"] = [dict(b) if isinstance(b, dict) else b for b in copied["text"]]
    return copied


def _collect() -> tuple[dict[str, CardTemplate], dict[str, TemplateError]]:
    """Every template by name, the core's first, each checked and a sample card printed with it;
    and the broken ones (name -> error)."""
    # cycle: templates -> render -> templates (render prints with a CardTemplate).
    from unionadmin.core.cards.render import render_sample

    templates: dict[str, CardTemplate] = {}
    broken: dict[str, TemplateError] = {}
    for impl in defaults.hookimpls(get_pm(), "register_card_templates"):
        plugin = "core" if defaults.is_core(impl.plugin_name) else impl.plugin_name
        try:
            items = impl.function() or []
        except Exception as exc:  # noqa: BLE001 - a plugin's failure must name the plugin
            log.exception("register_card_templates of %s failed", plugin)
            broken[f"{plugin}:?"] = TemplateError("?", _l(
                "the plugin %(plugin)s failed to return its templates: %(error)s",
                plugin=plugin, error=f"{type(exc).__name__}: {exc}"))
            continue
        for item in items:
            try:
                template = from_mapping(item, plugin)
                if template.name in templates:
                    raise TemplateError(template.name, _l(
                        "the plugin %(plugin)s returned a template whose name is taken (by "
                        "%(other)s): it is left out", plugin=plugin,
                        other=templates[template.name].source))
                template.check()
                render_sample(template)
            except TemplateError as exc:
                log.error("%s (plugin %s)", exc, plugin)
                key = exc.name if exc.name not in templates else f"{exc.name} ({plugin})"
                broken[key] = exc
                continue
            templates[template.name] = template
    return templates, broken


def registry() -> dict[str, CardTemplate]:
    """The app's templates (collected once per app: at start-up, core/web.py)."""
    key = "unionadmin.card_templates"
    if key not in current_app.extensions:
        current_app.extensions[key] = _collect()
    return current_app.extensions[key][0]


def broken_templates() -> dict[str, str]:
    """The templates left out, each with what is wrong (in the user's language)."""
    registry()
    return {name: exc.message for name, exc in
            current_app.extensions["unionadmin.card_templates"][1].items()}


def get(name: str | None) -> CardTemplate:
    """The template called `name` (None: the default); TemplateError names a missing or
    broken one, and says what is wrong with it."""
    name = name or DEFAULT
    found = registry().get(name)
    if found is not None:
        return found
    registry()
    error = current_app.extensions["unionadmin.card_templates"][1].get(name)
    if error is not None:
        raise TemplateError(error.name, error.problem)
    raise TemplateError(name, _l("it is not installed"))


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
