"""The translation catalogues, kept with Babel's CLI (`make translations`): the app's messages
in translations/{vi,en}, Flask-AppBuilder's (it ships no Vietnamese) in translations/fab/{vi,en};
flask-babel merges both, the app's last so it wins. The catalogue of every installed plugin (its
own translations/ folder: plugins/translations.py) gets the same checks ("plugin:<name>").
These checks read the .po files and the sources with Babel's Python API and never build the
application (they import installed plugins to find their folder), except the last one.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from datetime import datetime, timedelta
from importlib.metadata import entry_points
from pathlib import Path
from zoneinfo import ZoneInfo

import flask_appbuilder
import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from unionadmin.plugins.manager import ENTRY_POINT_GROUP
from unionadmin.plugins.translations import translations_dir

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
# catalogue name -> (its translations directory, the sources it is extracted from, babel config,
# the keywords beyond Babel's defaults: as the Makefile's `translations` target passes them)
SOURCES = {
    "app": (TRANSLATIONS, ROOT / "unionadmin", ROOT / "babel.cfg", ("_l", "lazy_gettext")),
    "fab": (TRANSLATIONS / "fab", Path(flask_appbuilder.__file__).parent,
            TRANSLATIONS / "fab-babel.cfg", ("lazy_gettext", "__", "lazy_formatter_gettext")),
}
LOCALES = ("vi", "en")


def _installed_plugins() -> dict[str, tuple]:
    """The installed plugins' catalogues (entry-point group unionadmin.plugins), extracted from
    their package with the app's Babel configuration and keywords."""
    found = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        plugin = ep.load()
        directory = translations_dir(plugin, ep.name)
        if directory is not None:
            package = Path(plugin.__file__).resolve().parent
            found[f"plugin:{ep.name}"] = (directory, package, ROOT / "babel.cfg", ("_l", "lazy_gettext"))
    return found


SOURCES.update(_installed_plugins())


def read_catalog(name: str, locale: str) -> Catalog:
    with open(SOURCES[name][0] / locale / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=locale)


def extracted_msgids(name: str) -> set[tuple[str, str | None]]:
    """(msgid, context) of every message the sources hold, extracted as `make translations` does."""
    _, sources, cfg, extra_keywords = SOURCES[name]
    with open(cfg, encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, filename=str(cfg))
    keywords = {**DEFAULT_KEYWORDS, **dict.fromkeys(extra_keywords)}
    return {(msgid if isinstance(msgid, str) else msgid[0], context)
            for _, _, msgid, _, context in extract_from_dir(str(sources), method_map, options_map,
                                                            keywords=keywords)}


def _key(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def _strings(value: str | tuple[str, ...]) -> list[str]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


# %-placeholders (named or positional, "%%" excluded) and str.format fields ("{{" excluded)
_PRINTF = re.compile(r"%(?:\((?P<name>[^)]+)\))?[#0+-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?"
                     r"(?P<conv>[diouxXeEfFgGcrsa%])")
_BRACE = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


def placeholders(text: str) -> tuple[Counter, tuple[str, ...], Counter]:
    """(named %-placeholders, positional ones in order, {fields}): a translation must keep them."""
    found = [m for m in _PRINTF.finditer(text) if m.group("conv") != "%"]
    named = Counter(m.group(0) for m in found if m.group("name") is not None)
    positional = tuple(m.group(0) for m in found if m.group("name") is None)
    braces = Counter(m.group(0) for m in _BRACE.finditer(text) if m.group(1) is not None)
    return named, positional, braces


def problems(catalog: Catalog) -> list[str]:
    """Untranslated, fuzzy, placeholders not those of the msgid, not NFC."""
    found = ["header: catalogue is marked fuzzy"] if catalog.fuzzy else []
    for message in catalog:
        if not message.id:
            continue
        label = repr(_key(message)) + (f" [context {message.context!r}]" if message.context else "")
        if message.fuzzy:
            found.append(f"fuzzy: {label}")
        strings = _strings(message.string)
        if not all(strings):
            found.append(f"untranslated: {label}")
            continue
        sources = [placeholders(s) for s in _strings(message.id)]
        for string in strings:
            if placeholders(string) not in sources:
                found.append(f"placeholders differ: {label} -> {string!r}")
            if unicodedata.normalize("NFC", string) != string:
                found.append(f"not NFC: {label} -> {string!r}")
    return found


# (a) every Vietnamese entry translated, placeholders kept ---------------------------------------


@pytest.mark.parametrize("name", SOURCES)
def test_vi_catalogue_has_no_problem(name):
    found = problems(read_catalog(name, "vi"))
    assert not found, f"{name} vi catalogue problems:\n" + "\n".join(found)


@pytest.mark.parametrize("name", SOURCES)
def test_vi_header(name):
    catalog = read_catalog(name, "vi")
    assert str(catalog.locale) == "vi"
    assert catalog.num_plurals == 1
    assert catalog.plural_expr.strip() == "0"
    assert not catalog.fuzzy


@pytest.mark.parametrize("name", SOURCES)
def test_vi_strings_are_nfc(name):
    bad = [_key(m) for m in read_catalog(name, "vi") if m.id
           and any(unicodedata.normalize("NFC", s) != s for s in _strings(m.string))]
    assert not bad, f"msgstr not in NFC: {bad}"


def test_check_reports_problems():
    catalog = Catalog(locale="vi", fuzzy=False)
    catalog.add("Fine", "Ổn")
    catalog.add("Empty", "")
    catalog.add("Fuzzy", "Mờ", flags=["fuzzy"])
    catalog.add("Hello %(name)s", "Xin chào %(ten)s")
    catalog.add("%s of %s", "%s trên %s")
    catalog.add("Items {count}", "Mục {so}")
    catalog.add("Decomposed", unicodedata.normalize("NFD", "Xóa"))
    found = "\n".join(problems(catalog))
    assert "Fine" not in found
    assert "untranslated: 'Empty'" in found
    assert "fuzzy: 'Fuzzy'" in found
    assert "placeholders differ: 'Hello %(name)s'" in found
    assert "'%s of %s'" not in found
    assert "placeholders differ: 'Items {count}'" in found
    assert "not NFC: 'Decomposed'" in found


# (b) every message the app and Flask-AppBuilder can show is in the catalogues --------------------


def test_fab_extraction_finds_strings():
    ids = {msgid for msgid, _ in extracted_msgids("fab")}
    # sanity: the extraction really ran over FAB's python files and jinja templates
    assert {"Sign In", "List Users", "Starts with", "Added Row"} <= ids
    assert "Are you sure you want to delete this item?" in ids  # from a template
    assert len(ids) > 100


@pytest.mark.parametrize("name", SOURCES)
def test_every_extracted_msgid_is_in_the_vi_catalogue(name):
    """A message added to the code (or a Flask-AppBuilder upgrade) without its vi entry fails here:
    append it to the .po (or run `make translations`) and translate it."""
    catalog = read_catalog(name, "vi")
    missing = sorted(msgid for msgid, context in extracted_msgids(name)
                     if catalog.get(msgid, context) is None)
    assert not missing, f"msgids missing from the {name} vi catalogue: {missing}"


def test_installed_plugins_catalogues_are_checked():
    """The sample plugin (tests/plugins/ua-sample-plugin, installed by `make test`) ships one."""
    assert "plugin:ua_sample_plugin" in SOURCES, "pip install -e tests/plugins/ua-sample-plugin"


@pytest.mark.parametrize("name", SOURCES)
def test_en_and_vi_have_the_same_msgids(name):
    vi_ids, en_ids = ({(_key(m), m.context) for m in read_catalog(name, locale) if m.id}
                      for locale in ("vi", "en"))
    assert vi_ids == en_ids


# (c) compiled and merged as flask-babel does, the catalogues translate --------------------------

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


def merged(tmp_path: Path, locale: str) -> Translations:
    """Both catalogues compiled, then merged in BABEL_TRANSLATION_DIRECTORIES' order."""
    translations = Translations()
    for name in ("fab", "app"):
        mo = tmp_path / name / locale / "LC_MESSAGES" / "messages.mo"
        mo.parent.mkdir(parents=True)
        with open(mo, "wb") as fh:
            write_mo(fh, read_catalog(name, locale), use_fuzzy=False)
        translations.merge(Translations.load(str(tmp_path / name), [locale]))
    return translations


def test_compiled_vi_translates_known_strings(tmp_path):
    translations = merged(tmp_path, "vi")
    for msgid, expected in KNOWN.items():
        assert translations.gettext(msgid) == expected, msgid
    # FAB has no bare "List" msgid (list pages are titled by the view); its list titles are.
    assert translations.gettext("List Users") == "Danh sách tài khoản"
    assert translations.gettext("List Roles") == "Danh sách vai trò"


def test_compiled_en_falls_back_to_msgid(tmp_path):
    translations = merged(tmp_path, "en")
    assert translations.gettext("Sign In") == "Sign In"
    assert translations.gettext("Are you sure you want to delete this item?") == (
        "Are you sure you want to delete this item?"
    )


def test_app_merges_both_catalogues(app):
    """The running app reads the app's and FAB's compiled catalogues (compiled by make)."""
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale("vi"):
        assert gettext("List Users") == "Danh sách tài khoản"  # FAB's catalogue
        assert gettext("Account") == "Tài khoản"  # the app's


# (d) times: stored naive UTC, shown in Viet Nam's time (BABEL_DEFAULT_TIMEZONE) as people write it


def _close_to_now_in_viet_nam(shown: str, pattern: str, ahead: timedelta = timedelta()) -> bool:
    expected = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).replace(tzinfo=None) + ahead
    return abs(datetime.strptime(shown, pattern) - expected) < timedelta(minutes=2)


def test_times_shown_in_viet_nam_time(client, tree, app):
    from tests.helpers import ADMIN_PASSWORD, PASSWORD, api_headers, cccd, make_user, web_login

    user = make_user(app, tree["G1"], "Officer")
    for _ in range(app.config["UNIONADMIN_LOCKOUT_FAILURES"]):
        client.post("/api/v1/security/login", json={
            "username": user.username, "password": "wrong-password", "provider": "db"})
    locked = client.post("/api/v1/security/login", json={
        "username": user.username, "password": PASSWORD, "provider": "db"}).json["message"]
    until = re.search(r"\d\d:\d\d \d\d/\d\d/\d{4}", locked)  # HH:MM dd/mm/yyyy
    minutes = timedelta(minutes=app.config["UNIONADMIN_LOCKOUT_MINUTES"])
    assert until and _close_to_now_in_viet_nam(until.group(0), "%H:%M %d/%m/%Y", minutes), locked

    web_login(client, "admin", ADMIN_PASSWORD)
    audit = client.get("/audit/list/").get_data(as_text=True)
    at = re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d", audit)  # dd/mm/yyyy HH:MM:SS
    assert at and _close_to_now_in_viet_nam(at.group(0), "%d/%m/%Y %H:%M:%S")
    member = client.post("/api/v1/member/", headers=api_headers(client, "admin", ADMIN_PASSWORD),
                         json={"full_name": "Nguyễn Văn An", "date_of_birth": "1990-05-01",
                               "gender": "male", "joined_on": "2015-01-01",
                               "unit_id": tree["G1"].id, "citizen_id": cccd(1990)})
    assert member.status_code == 201, member.json
    page = client.get(f"/members/show/{member.json['id']}").get_data(as_text=True)
    event = re.search(r"<td>(\d\d/\d\d/\d{4} \d\d:\d\d)</td>", page)  # dd/mm/yyyy HH:MM
    assert event and _close_to_now_in_viet_nam(event.group(1), "%d/%m/%Y %H:%M")
