"""A plugin's settings (plugins/settings.py): UNIONADMIN_<PLUGIN>_<KEY> from the app's settings,
the environment or the instance folder's plugins.toml, converted to the default's type."""

from __future__ import annotations

import pytest
from flask import Flask

from unionadmin.plugins import config, dongnai
from unionadmin.plugins.settings import PluginConfigError, setting_name


@pytest.fixture
def flask_app(tmp_path):
    """Settings need only an app: its config, its instance folder."""
    app = Flask("settings_test", instance_path=str(tmp_path))
    with app.app_context():
        yield app


def test_one_name_per_setting():
    assert setting_name("dongnai", "province_code") == "UNIONADMIN_DONGNAI_PROVINCE_CODE"
    assert setting_name("ua-sample.plugin", "Max notes") == "UNIONADMIN_UA_SAMPLE_PLUGIN_MAX_NOTES"


def test_app_then_environment_then_file_then_default(flask_app, tmp_path, monkeypatch):
    name = "UNIONADMIN_HAIPHONG_PROVINCE_CODE"
    monkeypatch.delenv(name, raising=False)
    assert config("haiphong", "province_code", "HPG") == "HPG"
    (tmp_path / "plugins.toml").write_text('[haiphong]\nprovince_code = "FILE"\n')
    flask_app.extensions.clear()  # the file is read once per app
    assert config("haiphong", "province_code", "HPG") == "FILE"
    monkeypatch.setenv(name, "ENV")
    assert config("haiphong", "province_code", "HPG") == "ENV"
    flask_app.config[name] = "APP"
    assert config("haiphong", "province_code", "HPG") == "APP"


def test_environment_text_takes_the_defaults_type(flask_app, monkeypatch):
    monkeypatch.setenv("UNIONADMIN_T_COUNT", " 12 ")
    monkeypatch.setenv("UNIONADMIN_T_RATE", "0.5")
    monkeypatch.setenv("UNIONADMIN_T_ON", "Yes")
    monkeypatch.setenv("UNIONADMIN_T_OFF", "0")
    monkeypatch.setenv("UNIONADMIN_T_CODES", "KCN, DNA,,")
    assert config("t", "count", 3) == 12
    assert config("t", "rate", 1.0) == 0.5
    assert config("t", "on", False) is True and config("t", "off", True) is False
    assert config("t", "codes", ["KCN"]) == ["KCN", "DNA"]
    assert config("t", "count") == " 12 "  # no default: text as given
    monkeypatch.setenv("UNIONADMIN_T_COUNT", "twelve")
    with pytest.raises(PluginConfigError, match="UNIONADMIN_T_COUNT='twelve'"):
        config("t", "count", 3)
    monkeypatch.setenv("UNIONADMIN_T_ON", "maybe")
    with pytest.raises(PluginConfigError, match="UNIONADMIN_T_ON"):
        config("t", "on", False)


def test_typed_values_from_the_file_and_a_broken_file(flask_app, tmp_path):
    (tmp_path / "plugins.toml").write_text("[t]\nlimit = 7\nzones = ['A', 'B']\n")
    assert config("t", "limit", 1) == 7 and config("t", "zones", []) == ["A", "B"]
    (tmp_path / "plugins.toml").write_text("[t\nlimit = ")
    flask_app.extensions.clear()
    with pytest.raises(PluginConfigError, match="plugins.toml"):
        config("t", "limit", 1)


def test_dongnai_reads_its_settings_through_it(flask_app, monkeypatch):
    monkeypatch.delenv("UNIONADMIN_DONGNAI_PROVINCE_CODE", raising=False)
    assert dongnai.province_code() == "DNA" and dongnai.kcn_code() == "KCN"
    monkeypatch.setenv("UNIONADMIN_DONGNAI_PROVINCE_CODE", "BP")  # as `make run` or gunicorn get it
    assert dongnai.province_code() == "BP"
