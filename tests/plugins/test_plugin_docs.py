"""docs/plugins.md documents the plugin contract (Datasette's rule, beside test_plugins.py's
"every hook has a test"): every hook of hookspecs.py has a section whose heading is its signature,
and the module attributes and helpers a plugin uses are explained."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from unionadmin.plugins import hookspecs

DOC = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"


def _hooks() -> dict[str, str]:
    """name -> `name(arg, ...)`, for every hook specification."""
    return {name: f"{name}({', '.join(inspect.signature(fn).parameters)})"
            for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
            if hasattr(fn, "unionadmin_spec")}


def test_every_hook_has_a_section_in_the_guide():
    headings = {line.lstrip("#").strip().strip("`") for line in DOC.read_text(encoding="utf-8").splitlines()
                if re.match(r"#{2,4} ", line)}
    hooks = _hooks()
    assert hooks
    missing = sorted(signature for signature in hooks.values() if signature not in headings)
    assert not missing, "docs/plugins.md lacks a section (### `hook(args)`) for: " + ", ".join(missing)


def test_the_guide_explains_what_a_plugin_declares_and_calls():
    text = DOC.read_text(encoding="utf-8")
    for name in ("MIGRATIONS_DIR", "TRANSLATIONS_DIR", "applies_to", "roles", "config(plugin, key, default)",
                 'pytest_plugins = ["unionadmin.testing"]', "Model", '"plugin": null', "level"):
        assert name in text, name
