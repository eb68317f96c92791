"""Plugins: every hook of hookspecs.py through an out-of-tree plugin (tests/ua_sample_plugin),
the bundled Đồng Nai plugin, broken plugins, plugin migrations and the `plugins` command."""

from __future__ import annotations

import datetime as dt
import inspect
from types import SimpleNamespace

import pytest
from conftest import ADMIN_PASSWORD, api_headers, build_app, member_data, web_login
from plugin_fixtures import plugin_app  # noqa: F401 - the fixture
from sqlalchemy import create_engine
from sqlalchemy import inspect as sa_inspect

from unionadmin.core.actor import SYSTEM, acting_as
from unionadmin.core.errors import ValidationError
from unionadmin.plugins import hookspecs
from unionadmin.plugins.manager import PluginError, make_manager

SAMPLE = "ua_sample_plugin"
DONGNAI = "unionadmin.plugins.dongnai"


def _create(app, unit_id, **over):
    from unionadmin.core.members import services

    with app.test_request_context(), acting_as(SYSTEM):
        member = services.create(member_data(SimpleNamespace(id=unit_id), **over))
        steps = [s.step for s in services.approval_steps(member)]
        return SimpleNamespace(id=member.id, extra=dict(member.extra or {}), steps=steps)


def _refused(app, unit_id, **over) -> dict:
    with pytest.raises(ValidationError) as err:
        _create(app, unit_id, **over)
    return err.value.errors


def test_every_hook_has_a_test():
    """Datasette's rule: a hook without a test named after it is a hook nobody checks."""
    hooks = {name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
             if hasattr(fn, "unionadmin_spec")}
    tests = {name[len("test_hook_"):] for name in globals() if name.startswith("test_hook_")}
    assert hooks and hooks == tests, hooks ^ tests


# -- every hook, through the sample plugin ---------------------------------------------------------


def test_hook_register_member_fields(plugin_app, app, tree):  # noqa: F811
    papp = plugin_app(SAMPLE)
    g1 = tree["G1"].id
    member = _create(papp, g1, shirt_size="M", badge_no="12")
    assert member.extra == {"shirt_size": "M", "badge_no": 12}
    assert _refused(papp, g1, shirt_size="XXS")["shirt_size"]
    assert _refused(papp, g1, badge_no="twelve")["badge_no"]
    # The API: flat keys in and out, a filter on the field.
    client = papp.test_client()
    headers = api_headers(client, "admin", ADMIN_PASSWORD)
    shown = client.get(f"/api/v1/member/{member.id}", headers=headers)
    assert shown.json["result"]["shirt_size"] == "M"
    body = member_data(SimpleNamespace(id=g1), shirt_size="L")
    body = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in body.items()}
    created = client.post("/api/v1/member/", json=body, headers=headers)
    assert created.status_code == 201, created.json
    assert created.json["result"]["shirt_size"] == "L"
    edited = client.put(f"/api/v1/member/{created.json['id']}", json={"shirt_size": "S"},
                        headers=headers)
    assert edited.status_code == 200 and edited.json["result"]["shirt_size"] == "S"
    rison = f"(filters:!((col:shirt_size,opr:eq,value:M),(col:unit_id,opr:eq,value:{g1})))"
    listed = client.get(f"/api/v1/member/?q={rison}", headers=headers)
    assert [r["id"] for r in listed.json["result"]] == [member.id]
    bad = client.post("/api/v1/member/", json=dict(body, shirt_size="XXS"), headers=headers)
    assert bad.status_code in (400, 422) and "shirt_size" in str(bad.json)
    # The form of this app has the fields; the plain app's form has not (no leak between apps).
    web_login(client, "admin", ADMIN_PASSWORD)
    assert 'name="shirt_size"' in client.get("/members/add").get_data(as_text=True)
    edit_page = client.get(f"/members/edit/{member.id}").get_data(as_text=True)
    assert '<option selected value="M">' in edit_page
    show_page = client.get(f"/members/show/{member.id}").get_data(as_text=True)
    assert "ua-extra-fields" in show_page and ">M<" in show_page
    plain = app.test_client()
    web_login(plain, "admin", ADMIN_PASSWORD)
    assert 'name="shirt_size"' not in plain.get("/members/add").get_data(as_text=True)
    # The import template and the export have the column.
    from unionadmin.core.imports import services as imports

    with papp.test_request_context(), acting_as(SYSTEM):
        assert "extra.shirt_size" in [c.field for c in imports.columns()]
    with app.test_request_context(), acting_as(SYSTEM):
        assert "extra.shirt_size" not in [c.field for c in imports.columns()]


def test_hook_validate_member(plugin_app, tree):  # noqa: F811
    papp = plugin_app(SAMPLE)
    g1 = tree["G1"].id
    assert _refused(papp, g1, full_name="Cấm Văn Tên")["full_name"] == ["Refused by the sample plugin."]
    # The plugin sees its fields, flat, next to the core's.
    assert _refused(papp, g1, shirt_size="XL") == {"badge_no": ["An XL shirt needs a badge number."]}
    assert _create(papp, g1, shirt_size="XL", badge_no=7).extra["shirt_size"] == "XL"


def test_hook_approval_steps(plugin_app, tree):  # noqa: F811
    papp = plugin_app(SAMPLE)
    assert _create(papp, tree["G1"].id).steps[1:] == ["sample_check"]
    assert _create(papp, tree["G1"].id, union_position="skip-sample-step").steps[1:] == []


def test_hook_member_event(plugin_app, tree):  # noqa: F811
    import ua_sample_plugin

    papp = plugin_app(SAMPLE)
    member = _create(papp, tree["G2"].id)
    assert ("created", member.id) in ua_sample_plugin.EVENTS


def test_hook_register_card_templates(plugin_app, app):  # noqa: F811
    from unionadmin.core.cards import templates

    papp = plugin_app(SAMPLE)
    with papp.app_context():
        assert templates.registry()["sample_card"].source == SAMPLE
    with app.app_context():
        assert "sample_card" not in templates.registry()


def test_hook_register_reports(plugin_app, tree):  # noqa: F811
    from unionadmin.core.reports import registry

    papp = plugin_app(SAMPLE)
    _create(papp, tree["G3"].id)
    with papp.test_request_context(), acting_as(SYSTEM):
        report = registry.get_report("sample_count")
        assert report.plugin == SAMPLE
        result = registry.run(report, registry.parse_params(report, {"unit_id": tree["U2"].id}))
    assert result["totals"]["members_entered"] == 1
    client = papp.test_client()
    listed = client.get("/api/v1/report/", headers=api_headers(client, "admin", ADMIN_PASSWORD))
    assert "sample_count" in str(listed.json)


def test_hook_register_views(plugin_app):  # noqa: F811
    papp = plugin_app(SAMPLE)
    client = papp.test_client()
    assert client.get("/sample/").status_code in (302, 401)  # behind a permission
    web_login(client, "admin", ADMIN_PASSWORD)
    assert client.get("/sample/").get_data(as_text=True) == "sample plugin page"


# -- loading -----------------------------------------------------------------------------------------


def test_broken_plugin_stops_start_up_with_its_name(db_url, tmp_path):
    with pytest.raises(PluginError, match="ua_broken_plugin"):
        make_manager("ua_broken_plugin")
    with pytest.raises(PluginError, match="no_such_plugin_xyz"):
        build_app(db_url, tmp_path, UNIONADMIN_PLUGINS="no_such_plugin_xyz")


def test_plugins_command_lists_loaded_plugins(plugin_app):  # noqa: F811
    papp = plugin_app([DONGNAI, SAMPLE])
    from unionadmin.cli import plugins

    out = papp.test_cli_runner().invoke(plugins).output
    assert DONGNAI in out and "approval_steps" in out and SAMPLE in out


def test_plugin_migrations_are_applied_by_db_upgrade(tmp_path):
    from unionadmin.core.setup import upgrade_database

    url = f"sqlite:///{tmp_path}/plugin_mig.db"
    papp = build_app(url, tmp_path, UNIONADMIN_PLUGINS=SAMPLE)
    with papp.app_context():
        upgrade_database(papp)
    tables = sa_inspect(create_engine(url)).get_table_names()
    assert "ua_sample_note" in tables and "member" in tables


# -- the Đồng Nai plugin -------------------------------------------------------------------------------


def _dongnai(make, tree, province=None):
    return make(DONGNAI, DONGNAI_PROVINCE_CODE=province or tree["P"].code,
                DONGNAI_KCN_UNION_CODE=tree["U2"].code)


def test_dongnai_approval_step_and_upper_confirmation(plugin_app, app, tree):  # noqa: F811
    from conftest import make_user

    from unionadmin.core.actor import actor_for_user
    from unionadmin.core.members import services

    papp = _dongnai(plugin_app, tree)
    member = _create(papp, tree["G1"].id)
    assert member.steps == ["core", "dongnai_upper_confirm"]
    grassroots = make_user(papp, tree["G1"], "Approver")
    upper = make_user(papp, tree["U1"], "Approver")
    with papp.test_request_context():
        from unionadmin.core.db import session
        from unionadmin.core.members.models import Member

        sm = papp.appbuilder.sm
        row = session().get(Member, member.id)
        steps = services.approval_steps(row)
        with acting_as(actor_for_user(sm.get_user_by_id(grassroots.id))):
            assert services.can_decide(steps[0], row) and not services.can_decide(steps[1], row)
        with acting_as(actor_for_user(sm.get_user_by_id(upper.id))):
            assert services.can_decide(steps[1], row)


def test_dongnai_industrial_zone_field_and_check(plugin_app, tree):  # noqa: F811
    papp = _dongnai(plugin_app, tree)
    assert _create(papp, tree["G1"].id, industrial_zone="Amata").extra == {"industrial_zone": "Amata"}
    assert _refused(papp, tree["G1"].id, industrial_zone="Không có")["industrial_zone"]
    # Under the industrial zones' union (U2 here) the zone is required.
    assert _refused(papp, tree["G3"].id)["industrial_zone"]
    assert _create(papp, tree["G3"].id, industrial_zone="Nhơn Trạch 3").extra


def test_dongnai_card_template(plugin_app):  # noqa: F811
    from unionadmin.core.cards import templates

    papp = plugin_app(DONGNAI)
    with papp.app_context():
        template = templates.registry()["dongnai"]
        template.check()
        assert "ĐỒNG NAI" in template.static and template.source == DONGNAI


def test_dongnai_weekly_report(plugin_app, tree):  # noqa: F811
    from unionadmin.core.reports import registry

    papp = _dongnai(plugin_app, tree)
    _create(papp, tree["G1"].id)
    _create(papp, tree["G2"].id)
    _create(papp, tree["G3"].id, industrial_zone="Amata")
    with papp.test_request_context(), acting_as(SYSTEM):
        report = registry.get_report("dongnai_weekly")
        result = report.run(registry.parse_params(report, {"unit_id": tree["P"].id}))
    rows = {r["unit_id"]: r for r in result["rows"]}
    assert rows[tree["U1"].id]["week_4"] == 2 and rows[tree["U1"].id]["member_target"] == 150
    assert rows[tree["U2"].id]["members_entered"] == 1
    assert result["totals"]["members_entered"] == 3
    assert result["totals"]["entered_percent"] == round(3 * 100 / 170, 1)


def test_dongnai_changes_nothing_outside_its_province(plugin_app, tree):  # noqa: F811
    from unionadmin.core.reports import registry

    papp = _dongnai(plugin_app, tree, province="NOT-THIS-ONE")
    member = _create(papp, tree["G3"].id)  # no zone needed, no extra step
    assert len(member.steps) == 1 and member.extra == {}
    assert _refused(papp, tree["G1"].id, industrial_zone="Amata")["industrial_zone"]
    with papp.test_request_context(), acting_as(SYSTEM):
        report = registry.get_report("dongnai_weekly")
        with pytest.raises(ValidationError):
            report.run(registry.parse_params(report, {"unit_id": tree["P"].id}))


def test_plugin_choice_field_filters_the_member_list(plugin_app, tree):  # noqa: F811
    papp = plugin_app(SAMPLE)
    wanted = _create(papp, tree["G2"].id, full_name="Lọc Văn Áo", shirt_size="S")
    _create(papp, tree["G2"].id, full_name="Lọc Văn Khác", shirt_size="L")
    client = papp.test_client()
    web_login(client, "admin", ADMIN_PASSWORD)
    page = client.get("/members/list/?_flt_0_extra=S&_flt_0_full_name=Lọc Văn").get_data(as_text=True)
    assert f"/members/show/{wanted.id}" in page and "Lọc Văn Khác" not in page
