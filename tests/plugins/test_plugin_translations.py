"""A plugin's own catalogue (plugins/translations.py): found in its package's translations/
folder (or TRANSLATIONS_DIR), compiled into the instance folder when it ships no up-to-date .mo,
merged between Flask-AppBuilder's and the core's catalogues (the core's translation of a shared
msgid wins)."""

from __future__ import annotations

import os
import textwrap
import time

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from flask_babel import force_locale, gettext

from tests.helpers import ADMIN_PASSWORD, build_app, uid, web_login
from unionadmin.plugins.manager import PluginError
from unionadmin.plugins.translations import translations_dir, usable_dir, with_plugins


def _catalogue(folder, locale: str, messages: dict[str, str]) -> None:
    catalog = Catalog(locale=locale, fuzzy=False)
    for msgid, msgstr in messages.items():
        catalog.add(msgid, msgstr)
    path = folder / locale / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        write_po(fh, catalog)


@pytest.fixture
def plugin_package(tmp_path, monkeypatch):
    """A plugin package with a catalogue: its own msgid, and one of the core's ("Account")."""
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    name = f"ua_tr_{uid().lower()}"
    package = tmp_path / "site" / name
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent('''
        from flask_babel import lazy_gettext as _l
        from unionadmin import hookimpl

        @hookimpl
        def register_member_fields():
            return [{"name": "harbour_gate", "label": _l("Harbour gate"), "type": "string",
                     "required": False}]
    '''))
    _catalogue(package / "translations", "vi", {"Harbour gate": "Cổng cảng", "Account": "Sai"})
    return name, package


def test_found_in_the_package_or_named(plugin_package, tmp_path):
    name, package = plugin_package
    module = type("M", (), {"__file__": str(package / "__init__.py")})
    assert translations_dir(module) == package / "translations"
    single = type("M", (), {"__file__": str(tmp_path / "single.py")})
    assert translations_dir(single) is None  # a module alone: the folder beside it is not its
    named = type("M", (), {"TRANSLATIONS_DIR": str(package / "translations")})
    assert translations_dir(named) == package / "translations"
    missing = type("M", (), {"TRANSLATIONS_DIR": str(tmp_path / "nowhere")})
    with pytest.raises(PluginError, match="TRANSLATIONS_DIR"):
        translations_dir(missing, name)


def test_compiled_into_the_instance_folder_unless_it_ships_mo_files(plugin_package, tmp_path):
    _name, package = plugin_package
    folder = package / "translations"
    used = usable_dir(folder, "tr", str(tmp_path / "instance"))
    mo = tmp_path / "instance" / "plugin-translations" / "tr" / "vi" / "LC_MESSAGES" / "messages.mo"
    assert used == str(mo.parents[2]) and mo.is_file()
    # An edited .po is compiled again.
    po = folder / "vi" / "LC_MESSAGES" / "messages.po"
    later = time.time() + 10
    os.utime(po, (later, later))
    before = mo.stat().st_mtime
    usable_dir(folder, "tr", str(tmp_path / "instance"))
    assert mo.stat().st_mtime > before
    # Shipped and up to date: used where it is.
    (po.with_suffix(".mo")).write_bytes(mo.read_bytes())
    os.utime(po.with_suffix(".mo"), (later + 1, later + 1))
    assert usable_dir(folder, "tr", str(tmp_path / "instance")) == str(folder)


def test_between_fabs_catalogue_and_the_cores():
    assert with_plugins("fab;fab2;core", ["p1", "p2"]) == "fab;fab2;p1;p2;core"
    assert with_plugins("fab;core", []) == "fab;core"


def test_the_app_reads_the_plugins_catalogue_and_the_core_wins(plugin_package, db_url, tmp_path):
    name, _package = plugin_package
    app = build_app(db_url, tmp_path / "instance", UNIONADMIN_PLUGINS=name)
    with app.test_request_context():
        with force_locale("vi"):
            assert gettext("Harbour gate") == "Cổng cảng"
            assert gettext("Account") == "Tài khoản"  # the core's, not the plugin's "Sai"
        with force_locale("en"):
            assert gettext("Harbour gate") == "Harbour gate"


def test_the_sample_plugins_labels_in_vietnamese(plugin_app, tree):
    """The sample plugin's catalogue (tests/plugins/ua-sample-plugin): its field labels on the
    member form, in the language of each request (labels stay lazy)."""
    papp = plugin_app("ua_sample_plugin")
    client = papp.test_client()
    web_login(client, "admin", ADMIN_PASSWORD)
    assert "Cỡ áo đồng phục" in client.get("/members/add").get_data(as_text=True)
    assert "Shirt size" in client.get("/members/add?_l_=en").get_data(as_text=True)
    assert "Cỡ áo đồng phục" in client.get("/members/add?_l_=vi").get_data(as_text=True)
