"""The project explains itself (issue #20 point 6): its code and docs cite only documents in the
repository, every `docs/<file>.md#<section>` they cite exists, and docs/api.md names every path
of the REST API as the app's URL map has it (and no `/api/v1/` path the app does not have)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from unionadmin.plugins.access import plugin_views

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SCANNED = ("unionadmin", "tests", "bench", "migrations", "docs")
TEXT_SUFFIXES = {".py", ".md", ".html", ".txt", ".cfg", ".ini", ".mako", ".po", ".pot", ".css",
                 ".js", ".toml", ".json", ".yml", ".yaml", ".csv"}
#: Documents outside the repository (written split so that this file does not cite them).
OUTSIDE = tuple("".join(parts) for parts in (("FAB", "-NOTES"), ("INTERFACES", ".md"),
                                             ("DESIGN", ".md")))
CITATION = re.compile(r"docs/([\w-]+\.md)(?:#([\w-]+))?")


def _text_files() -> list[Path]:
    files = []
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix in TEXT_SUFFIXES and "__pycache__" not in path.parts:
                files.append(path)
    return files


def _anchor(heading: str) -> str:
    """GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces to '-'."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(doc: Path) -> set[str]:
    return {_anchor(line.lstrip("#")) for line in doc.read_text(encoding="utf-8").splitlines()
            if line.startswith("#")}


def test_nothing_cites_documents_outside_the_repository():
    found = []
    for path in _text_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if any(name.lower() in line.lower() for name in OUTSIDE):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "cite docs/architecture.md, docs/api.md, docs/operations.md or " \
                      "docs/plugins.md instead:\n" + "\n".join(found)


def test_cited_docs_and_sections_exist():
    missing = []
    for path in [*_text_files(), ROOT / "README.md"]:
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in CITATION.finditer(text):
            doc, section = DOCS / match.group(1), match.group(2)
            if not doc.is_file():
                missing.append(f"{path.relative_to(ROOT)}: {match.group(0)} (no such document)")
            elif section and section not in _anchors(doc):
                missing.append(f"{path.relative_to(ROOT)}: {match.group(0)} (no such section)")
    assert not missing, "\n".join(missing)


def _normalise(rule: str) -> str:
    """`/api/v1/member/<int:pk>/events` -> `/api/v1/member/{pk}/events`."""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)


@pytest.fixture(scope="module")
def api_paths(app) -> set[str]:
    """The core's API paths (a loaded plugin's API is the plugin's to document)."""
    plugins = {view.blueprint.name for _plugin, view in plugin_views(app)}
    return {_normalise(rule.rule) for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/api/v1/") and rule.endpoint.split(".")[0] not in plugins}


def _api_doc() -> str:
    return (DOCS / "api.md").read_text(encoding="utf-8")


def test_api_doc_names_every_api_path(api_paths):
    text = _api_doc()
    missing = sorted(p for p in api_paths if not re.search(re.escape(p) + r"(?![\w/.{])", text))
    assert not missing, "docs/api.md does not describe:\n" + "\n".join(missing)


def test_api_doc_names_no_path_the_app_lacks(api_paths):
    """Outside its section on differences, every `/api/v1/...` path the page names exists."""
    text = _api_doc().split("## Differences")[0]
    named = {m.rstrip(".,") for m in re.findall(r"/api/v1/[\w./{}-]*", text)}
    known = api_paths | {"/api/v1/_openapi"}
    invented = sorted(p for p in named
                      if p not in known and not any(k.startswith(p) for k in api_paths))
    assert not invented, "docs/api.md names paths the app does not have:\n" + "\n".join(invented)
