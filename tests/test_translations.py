"""Tests for the translation catalogues (translations/{vi,en}/LC_MESSAGES/messages.po).

They load ``unionadmin/i18n_tool.py`` by file path so that the application package (and Flask)
is never imported.
"""

from __future__ import annotations

import importlib.util
import sys
import unicodedata
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.support import Translations

ROOT = Path(__file__).resolve().parent.parent
TOOL_PATH = ROOT / "unionadmin" / "i18n_tool.py"


def _load_tool():
    name = "_unionadmin_i18n_tool_under_test"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, TOOL_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


tool = _load_tool()


def _key(message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


@pytest.fixture(scope="module")
def vi_catalog() -> Catalog:
    return tool.read_catalog(tool.po_path("vi"), "vi")


@pytest.fixture(scope="module")
def en_catalog() -> Catalog:
    return tool.read_catalog(tool.po_path("en"), "en")


@pytest.fixture(scope="module")
def fab_template() -> Catalog:
    return tool.extract_fab()


# (a) the `check` logic on the vi catalogue ----------------------------------------------------


def test_vi_catalogue_passes_check(vi_catalog):
    problems = tool.check_catalog(vi_catalog)
    assert not problems, "vi catalogue problems:\n" + "\n".join(problems)


def test_vi_header(vi_catalog):
    assert str(vi_catalog.locale) == "vi"
    assert vi_catalog.num_plurals == 1
    assert vi_catalog.plural_expr.strip() == "0"
    assert not vi_catalog.fuzzy


def test_vi_strings_are_nfc(vi_catalog):
    bad = [
        _key(m)
        for m in vi_catalog
        if m.id
        and any(
            unicodedata.normalize("NFC", s) != s
            for s in (m.string if isinstance(m.string, (list, tuple)) else [m.string])
        )
    ]
    assert not bad, f"msgstr not in NFC: {bad}"


def test_check_logic_reports_problems():
    catalog = Catalog(locale="vi", fuzzy=False)
    catalog.add("Fine", "Ổn")
    catalog.add("Empty", "")
    catalog.add("Fuzzy", "Mờ", flags=["fuzzy"])
    catalog.add("Hello %(name)s", "Xin chào %(ten)s")
    catalog.add("%s of %s", "%s trên %s")
    catalog.add("Items {count}", "Mục {so}")
    catalog.add("Decomposed", unicodedata.normalize("NFD", "Xóa"))
    problems = "\n".join(tool.check_catalog(catalog))
    assert "Fine" not in problems
    assert "untranslated: 'Empty'" in problems
    assert "fuzzy: 'Fuzzy'" in problems
    assert "placeholders differ: 'Hello %(name)s'" in problems
    assert "'%s of %s'" not in problems
    assert "placeholders differ: 'Items {count}'" in problems
    assert "not NFC: 'Decomposed'" in problems


# (b) every msgid Flask-AppBuilder can show is translated --------------------------------------


def test_fab_extraction_finds_strings(fab_template):
    ids = {_key(m) for m in fab_template if m.id}
    # sanity: the extraction really ran over FAB's python files and jinja templates
    assert {"Sign In", "List Users", "Starts with", "Added Row"} <= ids
    assert "Are you sure you want to delete this item?" in ids  # from a template
    assert len(ids) > 100


def test_every_fab_msgid_is_translated_in_vi(vi_catalog, fab_template):
    missing, untranslated = [], []
    for message in fab_template:
        if not message.id:
            continue
        vi = vi_catalog.get(message.id, message.context)
        if vi is None:
            missing.append(_key(message))
        elif vi.fuzzy or not tool._is_translated(vi):
            untranslated.append(_key(message))
    assert not missing and not untranslated, (
        f"FAB msgids missing from vi/messages.po (run extract + update): {missing}\n"
        f"FAB msgids untranslated or fuzzy in vi/messages.po: {untranslated}"
    )


def test_en_and_vi_have_the_same_msgids(vi_catalog, en_catalog):
    vi_ids = {(_key(m), m.context) for m in vi_catalog if m.id}
    en_ids = {(_key(m), m.context) for m in en_catalog if m.id}
    assert vi_ids == en_ids


# (c) compiled catalogues translate ------------------------------------------------------------

KNOWN = {
    "Sign In": "Đăng nhập",
    "Search": "Tìm kiếm",
    "Are you sure you want to delete this item?": "Bạn có chắc muốn xóa mục này?",
    "Save": "Lưu",
    "Delete": "Xóa",
    "Edit": "Sửa",
    "Back": "Quay lại",
    "Logout": "Đăng xuất",
    "Username": "Tên đăng nhập",
    "Password": "Mật khẩu",
    "Starts with": "Bắt đầu bằng",
    "Invalid login. Please try again.": "Đăng nhập không thành công. Vui lòng thử lại.",
}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    out = tmp_path_factory.mktemp("translations")
    for locale in tool.LOCALES:
        tool.compile_catalog(
            tool.po_path(locale), out / locale / "LC_MESSAGES" / "messages.mo", locale
        )
    return out


def test_compiled_vi_translates_known_strings(compiled):
    translations = Translations.load(dirname=str(compiled), locales=["vi"], domain="messages")
    assert isinstance(translations, Translations), "vi .mo was not produced"
    for msgid, expected in KNOWN.items():
        assert translations.gettext(msgid) == expected, msgid


def test_compiled_vi_translates_list_label(compiled):
    # FAB has no bare "List" msgid (list pages are titled by the view); its list titles are.
    translations = Translations.load(dirname=str(compiled), locales=["vi"], domain="messages")
    assert translations.gettext("List Users") == "Danh sách tài khoản"
    assert translations.gettext("List Roles") == "Danh sách vai trò"


def test_compiled_en_falls_back_to_msgid(compiled):
    translations = Translations.load(dirname=str(compiled), locales=["en"], domain="messages")
    assert translations.gettext("Sign In") == "Sign In"
    assert translations.gettext("Are you sure you want to delete this item?") == (
        "Are you sure you want to delete this item?"
    )
