"""The sample province plugin, tested from its own folder with unionadmin.testing, as a province
tests its plugin: `cd tests/plugins/ua-sample-plugin && python -m pytest`."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import ua_sample_plugin
from flask_babel import force_locale
from sqlalchemy import inspect
from ua_sample_plugin import province as where

from unionadmin.core.actor import SYSTEM, acting_as
from unionadmin.core.cards import templates
from unionadmin.core.errors import ValidationError
from unionadmin.core.members import services as members
from unionadmin.core.reports import registry
from unionadmin.core.setup import upgrade_database
from unionadmin.core.units import services as units
from unionadmin.plugins import hookspecs
from unionadmin.plugins.manager import plugin_info
from unionadmin.plugins.settings import setting_name
from unionadmin.testing import (
    ADMIN_PASSWORD,
    api_headers,
    csrf_token,
    make_user,
    member_data,
    schema_diff,
    uid,
    web_login,
)

NAME = "ua_sample_plugin"
PROVINCE_SETTING = setting_name(where.NAME, "province_code")  # UNIONADMIN_UA_SAMPLE_PROVINCE_CODE


def _create(app, unit_id, **over):
    with app.test_request_context(), acting_as(SYSTEM):
        member = members.create(member_data(SimpleNamespace(id=unit_id), **over))
        return SimpleNamespace(id=member.id, extra=dict(member.extra or {}),
                               steps=[s.step for s in members.approval_steps(member)])


def _refused(app, unit_id, **over) -> dict:
    with pytest.raises(ValidationError) as err:
        _create(app, unit_id, **over)
    return err.value.errors


def _other_province(app) -> dict[str, SimpleNamespace]:
    """Another province: Q > UQ > GQ."""
    tag = uid()
    made: dict[str, object] = {}
    with app.test_request_context(), acting_as(SYSTEM):
        for key, level, parent in (("Q", "province", None), ("UQ", "upper", "Q"), ("GQ", "grassroots", "UQ")):
            made[key] = units.create({"code": f"{key}-{tag}", "name": f"Tỉnh khác {key} {tag}",
                                      "level": level, "parent_id": made[parent].id if parent else None})
        return {k: SimpleNamespace(id=u.id, code=u.code) for k, u in made.items()}


# -- installed and loaded -----------------------------------------------------------------------


def test_loaded_by_its_entry_point_with_every_hook(app):
    info = {row["name"]: row for row in plugin_info(app.extensions["unionadmin.plugins"])}
    hooks = {name for name in dir(hookspecs) if hasattr(getattr(hookspecs, name), "unionadmin_spec")}
    assert info[NAME]["version"] == "0.2"  # the distribution's (pyproject.toml)
    assert set(info[NAME]["hooks"]) == hooks


def test_its_table_is_on_the_core_metadata_and_migrated(app):
    with app.app_context():
        assert "ua_sample_note" in inspect(app.extensions["migrate"].db.engine).get_table_names()
    assert schema_diff(app) == []


# -- the setting --------------------------------------------------------------------------------


def test_setting_from_the_app_the_environment_or_plugins_toml(plugin_app, monkeypatch):
    papp = plugin_app()
    Path(papp.instance_path, "plugins.toml").write_text('[ua_sample]\nprovince_code = "FROM-FILE"\n')
    with papp.app_context():
        assert where.province_code() == "FROM-FILE"
        monkeypatch.setenv(PROVINCE_SETTING, "FROM-ENV")
        assert where.province_code() == "FROM-ENV"
        monkeypatch.setitem(papp.config, PROVINCE_SETTING, "FROM-APP")
        assert where.province_code() == "FROM-APP"
    monkeypatch.delenv(PROVINCE_SETTING)
    with plugin_app().app_context():
        assert where.province_code() == "SPL"  # the default


# -- the hooks, inside the province and outside it ----------------------------------------------


def test_fields_checks_and_approval_step_in_the_province(app, province):
    g1 = province["G1"].id
    member = _create(app, g1, shirt_size="M", badge_no="12")
    assert member.extra == {"shirt_size": "M", "badge_no": 12}
    assert member.steps == ["core", "sample_check"]
    assert ("created", member.id) in ua_sample_plugin.EVENTS
    # Messages from the plugin's own catalogue: Vietnamese by default, English on request.
    assert _refused(app, g1, shirt_size="XL") == {"badge_no": ["Áo cỡ XL cần có số thẻ ra vào."]}
    assert _refused(app, g1, full_name="Cấm Văn Tên") == {"full_name": ["Tỉnh không chấp nhận tên này."]}
    with app.test_request_context(), force_locale("en"), acting_as(SYSTEM), \
            pytest.raises(ValidationError) as err:
        members.create(member_data(SimpleNamespace(id=g1), shirt_size="XL"))
    assert err.value.errors == {"badge_no": ["An XL shirt needs a badge number."]}


def test_changes_nothing_outside_the_province(app, tree):
    other = _other_province(app)
    member = _create(app, other["GQ"].id, full_name="Cấm Văn Tên", shirt_size="XL")
    assert member.steps == ["core"]
    assert ("created", member.id) not in ua_sample_plugin.EVENTS
    with app.test_request_context(), acting_as(SYSTEM):
        assert "sample_count" not in [r.name for r in registry.offered_reports()]
        assert "sample_card" not in dict(templates.choices())


def test_report_and_card_template_in_the_province(app, province):
    _create(app, province["G3"].id)
    client = app.test_client()
    admin = make_user(app, province["P"], "Unit Admin")
    headers = api_headers(client, admin.username)
    listed = {r["name"]: r for r in client.get("/api/v1/report/", headers=headers).json["result"]}
    assert listed["sample_count"]["plugin"] == NAME and listed["sample_count"]["title"] == \
        "Đoàn viên đã nhập trong tỉnh"
    assert listed["progress"]["plugin"] is None  # a core report
    ran = client.get(f"/api/v1/report/sample_count?unit_id={province['U2'].id}", headers=headers)
    assert ran.status_code == 200 and ran.json["totals"]["members_entered"] == 1, ran.json
    with app.test_request_context(), acting_as(SYSTEM):
        g1 = units.get(province["G1"].id)
        assert dict(templates.choices(g1))["sample_card"] == "Thẻ đoàn viên tỉnh mẫu"


# -- the page and the API, for the province's Unit Admins ---------------------------------------


def _menu(client) -> str:
    return client.get("/members/list/").get_data(as_text=True)


def test_page_is_open_to_the_unit_admins_of_the_province(app, province):
    inside = make_user(app, province["U1"], "Unit Admin")
    officer = make_user(app, province["G1"], "Officer")
    other = _other_province(app)
    outside = make_user(app, other["Q"], "Unit Admin")

    web = app.test_client()
    web_login(web, inside.username)
    page = web.get("/sample/")
    assert page.status_code == 200 and "Ghi chú của tỉnh" in page.get_data(as_text=True)
    assert "/sample/" in _menu(web)
    token = csrf_token(page.get_data(as_text=True))
    saved = web.post("/sample/", data={"unit_code": province["G1"].code, "text": "Họp tổ tháng 5",
                                       "csrf_token": token}, follow_redirects=True)
    assert "Đã lưu ghi chú." in saved.get_data(as_text=True)
    assert "Họp tổ tháng 5" in saved.get_data(as_text=True)
    refused = web.post("/sample/", data={"unit_code": province["G3"].code, "text": "Ngoài phạm vi",
                                         "csrf_token": token})
    assert refused.status_code == 422 and "phạm vi" in refused.get_data(as_text=True)

    # Another province's Unit Admin: no menu item, and the page does not exist.
    web_out = app.test_client()
    web_login(web_out, outside.username)
    assert web_out.get("/sample/").status_code == 404
    assert "/sample/" not in _menu(web_out)
    # An Officer of the province: not a role the page is open to.
    web_officer = app.test_client()
    web_login(web_officer, officer.username)
    assert web_officer.get("/sample/").status_code in (302, 403)
    assert "/sample/" not in _menu(web_officer)
    # Anonymous: asked to log in.
    assert app.test_client().get("/sample/").status_code in (302, 401)


def test_api_reads_and_writes_in_the_scope_of_the_account(app, province):
    u1_admin = make_user(app, province["U1"], "Unit Admin")
    u2_admin = make_user(app, province["U2"], "Unit Admin")
    other = _other_province(app)
    outside = make_user(app, other["Q"], "Unit Admin")
    client = app.test_client()
    h1, h2 = api_headers(client, u1_admin.username), api_headers(client, u2_admin.username)

    created = client.post("/api/v1/ua_sample_note/", json={"unit_id": province["G1"].id,
                                                           "text": "Đã phát áo"}, headers=h1)
    assert created.status_code == 201, created.json
    note_id = created.json["id"]
    # Outside U1's subtree: the same answer as for a unit that does not exist.
    refused = client.post("/api/v1/ua_sample_note/", json={"unit_id": province["G3"].id,
                                                           "text": "x"}, headers=h1)
    assert refused.status_code == 422 and list(refused.json["message"]) == ["unit_id"]
    assert client.post("/api/v1/ua_sample_note/", json={"unit_id": province["G1"].id, "text": " "},
                       headers=h1).json["message"] == {"text": ["Ghi chú đang để trống."]}
    # U2's admin sees none of U1's notes; a guessed id is a 404.
    assert client.get("/api/v1/ua_sample_note/", headers=h2).json["count"] == 0
    assert client.get(f"/api/v1/ua_sample_note/{note_id}", headers=h2).status_code == 404
    assert client.get(f"/api/v1/ua_sample_note/{note_id}", headers=h1).json["result"]["text"] == "Đã phát áo"
    # Another province's admin: the API does not exist for them.
    ho = api_headers(client, outside.username)
    assert client.get("/api/v1/ua_sample_note/", headers=ho).status_code == 404
    # An Officer of the province holds no permission on it.
    officer = make_user(app, province["G1"], "Officer")
    assert client.get("/api/v1/ua_sample_note/",
                      headers=api_headers(client, officer.username)).status_code == 403
    # Admins hold every permission.
    admin_h = api_headers(client, "admin", ADMIN_PASSWORD)
    assert client.get(f"/api/v1/ua_sample_note/{note_id}", headers=admin_h).status_code == 200


def test_db_upgrade_keeps_the_plugins_grants(app):
    with app.app_context():
        upgrade_database(app)
        role = app.appbuilder.sm.find_role("Unit Admin")
        held = {(p.view_menu.name, p.permission.name) for p in role.permissions}
    assert {("SampleNoteView", "can_index"), ("SampleNoteApi", "can_post"),
            ("Province notes", "menu_access")} <= held
    with app.app_context():
        held = {(p.view_menu.name, p.permission.name)
                for p in app.appbuilder.sm.find_role("Officer").permissions}
    assert ("SampleNoteView", "can_index") not in held


def test_form_labels_from_the_plugins_catalogue(app, province):
    web = app.test_client()
    web_login(web, "admin", ADMIN_PASSWORD)
    page = web.get("/members/add").get_data(as_text=True)
    assert "Cỡ áo đồng phục" in page and "Số thẻ ra vào" in page
    assert "Shirt size" in web.get("/members/add?_l_=en").get_data(as_text=True)
