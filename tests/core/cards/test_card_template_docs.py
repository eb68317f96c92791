"""docs/card-templates.md is the card-template reference (issue #19 point 3): its tables name
exactly the keys the code uses (the template mapping, what each part sees, `card`, the layout),
its examples pass the checks and print, and the error it quotes is the one a template gets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask_babel import lazy_gettext

from tests.cards_helpers import pdf_text
from unionadmin import hookimpl
from unionadmin.core.cards import context, render, templates

DOC = Path(__file__).resolve().parents[3] / "docs" / "card-templates.md"


def _section(title: str) -> str:
    """The text of the section whose heading is `title`, up to the next heading."""
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"^#+ {re.escape(title)}\n(.*?)(?=^#)", text + "\n#", re.M | re.S)
    assert match, f"docs/card-templates.md has no section {title!r}"
    return match.group(1)


def _first_column(title: str, prefix: str = "") -> list[str]:
    """The backticked names in the first column of the section's table rows, without `prefix`."""
    names = re.findall(r"^\| `([^`]+)` \|", _section(title), re.M)
    return [n.removeprefix(prefix) for n in names if n.startswith(prefix)]


def test_the_documented_card_keys_are_the_context_keys():
    documented = _first_column("The card: `card`", "card.")
    assert documented == list(context.card_context(context.sample_card()))


def test_the_documented_template_keys_are_the_keys_a_template_takes():
    assert tuple(_first_column("The template")) == templates.TEMPLATE_KEYS


def test_the_documented_layout_is_the_layout_the_checks_take():
    layout = _first_column("The layout")
    assert tuple(n.removeprefix("layout.") for n in layout if n.count(".") == 1) == \
        templates.LAYOUT_KEYS
    for box in ("photo", "qr", "logo"):
        keys = [n.removeprefix(f"layout.{box}.") for n in layout if n.startswith(f"layout.{box}.")]
        assert tuple(keys) == templates.BOX_KEYS[box], box
    assert tuple(_first_column("Text boxes", "layout.text[].")) == templates.BOX_KEYS["text"]


def test_what_each_part_sees_is_what_it_is_rendered_with():
    rows = dict(re.findall(r"^\| ([^|]+?) \| ([^|]+?) \|$", _section("What each part sees"), re.M))
    seen = {part: set(re.findall(r"`([^`]+)`", names)) for part, names in rows.items()
            if part != "part" and not part.startswith("---")}
    card = set(context.card_names(context.sample_card()))
    background = set(context.background_names("x"))
    assert seen == {"`html`, without text boxes": card, "`html`, with text boxes": background,
                    "`static`": background, "a text box's `markup`": card}


@pytest.fixture
def documented(ctx, plugin_templates):
    """The templates of the examples, registered by a plugin as the page shows them."""
    blocks = re.findall(r"```python\n(.*?)```", _section("Examples"), re.S)
    assert len(blocks) == 2
    names = {"hookimpl": hookimpl, "_l": lazy_gettext, "in_haiphong": lambda unit: True}
    exec(blocks[0], names)  # noqa: S102 - the documentation's own example
    items = names["register_card_templates"]() + [eval(blocks[1], names)]  # noqa: S307
    plugin_templates(items)
    return [item["name"] for item in items]


def test_the_examples_pass_the_checks_and_print(documented):
    assert templates.broken_templates() == {}
    card = context.sample_card()
    for name in documented:
        pages = pdf_text(render.render([card], templates.get(name)))
        assert card.holder_name in pages[0] and card.card_number in "".join(pages), name


def test_the_quoted_error_is_the_error_of_card_full_name(ctx, plugin_templates):
    quoted = " ".join(line.removeprefix("> ").strip() for line in
                      _section("Checks: when a template is loaded, chosen and printed").splitlines()
                      if line.startswith(">"))
    plugin_templates([{"name": "haiphong", "html": "<p>{{ card.full_name }}</p>", "css": "",
                       "layout": {"width_mm": 85.6, "height_mm": 54, "pages": 1}}])
    assert templates.broken_templates()["haiphong"] == quoted
