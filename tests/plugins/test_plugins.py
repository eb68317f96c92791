"""Plugins: every hook of hookspecs.py through the sample province plugin (an installed package:
tests/plugins/ua-sample-plugin), the bundled Đồng Nai plugin, broken plugins, plugin migrations and
the `plugins` command."""

from __future__ import annotations

import datetime as dt
import inspect
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine
from sqlalchemy import inspect as sa_inspect

from tests.helpers import (
    ADMIN_PASSWORD,
    PASSWORD,
    UnitRef,
    api_headers,
    build_app,
    csrf_token,
    make_user,
    member_data,
    schema_diff,
    uid,
    web_login,
)
from unionadmin import hookimpl
from unionadmin.core.actor import SYSTEM, acting_as
from unionadmin.core.errors import NotFound, ValidationError
from unionadmin.plugins import hookspecs
from unionadmin.plugins.manager import PluginError, make_manager

SAMPLE = "ua_sample_plugin"
DONGNAI = "unionadmin.plugins.dongnai"
#: The sample plugin's province (its setting, unionadmin.plugins.config("ua_sample", "province_code")).
SAMPLE_PROVINCE = "UNIONADMIN_UA_SAMPLE_PROVINCE_CODE"


def _sample(plugin_app, unit, **settings):
    """An app with the sample plugin, whose province is `unit` (the test's tree, usually)."""
    return plugin_app(SAMPLE, **{SAMPLE_PROVINCE: unit.code}, **settings)


def _plain(plugin_app):
    """An app without any plugin, not even the installed ones (the suite may run with them on)."""
    return plugin_app("", UNIONADMIN_LOAD_ENTRY_POINTS=False)


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


def test_hook_register_member_fields(plugin_app, tree):
    papp = _sample(plugin_app, tree["P"])
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
    bare = _plain(plugin_app)
    plain = bare.test_client()
    web_login(plain, "admin", ADMIN_PASSWORD)
    assert 'name="shirt_size"' not in plain.get("/members/add").get_data(as_text=True)
    # The import template and the export have the column.
    from unionadmin.core.imports import services as imports

    with papp.test_request_context(), acting_as(SYSTEM):
        assert "extra.shirt_size" in [c.field for c in imports.columns()]
    with bare.test_request_context(), acting_as(SYSTEM):
        assert "extra.shirt_size" not in [c.field for c in imports.columns()]


def test_hook_validate_member(plugin_app, tree):
    papp = _sample(plugin_app, tree["P"])
    g1 = tree["G1"].id
    # In Vietnamese, from the plugin's own catalogue.
    assert _refused(papp, g1, full_name="Cấm Văn Tên")["full_name"] == ["Tỉnh không chấp nhận tên này."]
    # The plugin sees its fields, flat, next to the core's.
    assert _refused(papp, g1, shirt_size="XL") == {"badge_no": ["Áo cỡ XL cần có số thẻ ra vào."]}
    assert _create(papp, g1, shirt_size="XL", badge_no=7).extra["shirt_size"] == "XL"
    # Outside its province it checks nothing.
    elsewhere = _sample(plugin_app, tree["U2"])
    assert _create(elsewhere, g1, full_name="Cấm Văn Tên", shirt_size="XL").extra == {"shirt_size": "XL"}


def test_hook_approval_steps(plugin_app, tree):
    papp = _sample(plugin_app, tree["U1"])
    assert _create(papp, tree["G1"].id).steps[1:] == ["sample_check"]
    assert _create(papp, tree["G1"].id, union_position="skip-sample-step").steps[1:] == []
    assert _create(papp, tree["G3"].id).steps == ["core"]  # outside its province (U1)


def test_hook_member_event(plugin_app, tree):
    import ua_sample_plugin

    papp = _sample(plugin_app, tree["U1"])
    member = _create(papp, tree["G2"].id)
    assert ("created", member.id) in ua_sample_plugin.EVENTS
    outside = _create(papp, tree["G3"].id)
    assert ("created", outside.id) not in ua_sample_plugin.EVENTS


def test_hook_register_card_templates(plugin_app):
    from unionadmin.core.cards import templates

    papp = plugin_app(SAMPLE)
    with papp.app_context():
        assert templates.registry()["sample_card"].source == SAMPLE
    with _plain(plugin_app).app_context():
        assert "sample_card" not in templates.registry()


def test_hook_register_reports(plugin_app, tree):
    from unionadmin.core.reports import registry

    papp = _sample(plugin_app, tree["P"])
    _create(papp, tree["G3"].id)
    with papp.test_request_context(), acting_as(SYSTEM):
        report = registry.get_report("sample_count")
        assert report.plugin == SAMPLE
        result = registry.run(report, registry.parse_params(report, {"unit_id": tree["U2"].id}))
    assert result["totals"]["members_entered"] == 1
    client = papp.test_client()
    listed = client.get("/api/v1/report/", headers=api_headers(client, "admin", ADMIN_PASSWORD))
    plugins = {r["name"]: r["plugin"] for r in listed.json["result"]}
    assert plugins["sample_count"] == SAMPLE and plugins["progress"] is None  # null: the core's


def test_applies_to_limits_a_plugins_report_and_template(plugin_app, tree):
    """The sample plugin's report and template are mappings with `applies_to`: its province (here
    U1) and the units below."""
    from unionadmin.core.cards import templates
    from unionadmin.core.db import session
    from unionadmin.core.units.models import Unit

    papp = _sample(plugin_app, tree["U1"])
    in_g1 = make_user(papp, tree["G1"], "Officer")
    in_g3 = make_user(papp, tree["G3"], "Officer")
    province = make_user(papp, tree["P"], "Unit Admin")
    client = papp.test_client()
    assert "sample_count" in _report_names(client, api_headers(client, in_g1.username))
    assert "sample_count" not in _report_names(client, api_headers(client, in_g3.username))
    headers = api_headers(client, province.username)
    assert "sample_count" in _report_names(client, headers)  # U1 is in the province's scope
    # The province's admin did not choose a unit, and the province is not covered: a field
    # error asks for one (the report exists for this account); a unit outside U1 is a 404.
    asked = client.get("/api/v1/report/sample_count", headers=headers)
    assert asked.status_code == 422 and list(asked.json["message"]) == ["unit_id"], asked.json
    assert client.get(f"/api/v1/report/sample_count?unit_id={tree['U1'].id}",
                      headers=headers).status_code == 200
    assert client.get(f"/api/v1/report/sample_count?unit_id={tree['U2'].id}",
                      headers=headers).status_code == 404
    web = papp.test_client()
    web_login(web, province.username)
    page = web.get("/reports/sample_count/")
    assert page.status_code == 200 and "Báo cáo này không áp dụng" in page.get_data(as_text=True)
    # Card templates: offered per unit.
    with papp.test_request_context(), acting_as(SYSTEM):
        g1, g3 = session().get(Unit, tree["G1"].id), session().get(Unit, tree["G3"].id)
        assert "sample_card" in dict(templates.choices(g1))
        assert "sample_card" not in dict(templates.choices(g3))
        assert "default" in dict(templates.choices(g3))
        assert templates.check_offered(templates.get("sample_card"), g1).name == "sample_card"
        with pytest.raises(ValidationError) as err:
            templates.check_offered(templates.get("sample_card"), g3)
    assert list(err.value.errors) == ["card_template"]


class _BrokenRules:
    """A plugin whose `applies_to` rules are not functions, or fail."""

    @staticmethod
    def _fail(unit):
        raise RuntimeError("rule failed")

    @hookimpl
    def register_reports(self):
        run = lambda params: {"columns": [], "rows": []}  # noqa: E731
        return [{"name": "rule_not_callable", "label": "x", "run": run, "applies_to": "DNA"},
                {"name": "rule_fails", "label": "x", "run": run, "applies_to": self._fail}]

    @hookimpl
    def register_card_templates(self):
        return [{"name": "card_rule_not_callable", "label": "x", "html": "<p>x</p>", "css": "",
                 "layout": {"width_mm": 85.6, "height_mm": 54, "pages": 1}, "applies_to": "DNA"}]


def test_a_broken_applies_to_hides_its_item(plugin_app, tree):
    """Offered nowhere rather than everywhere: the plugin meant to limit it."""
    from unionadmin.core.cards import templates
    from unionadmin.core.reports import registry

    papp = _sample(plugin_app, tree["P"])
    papp.extensions["unionadmin.plugins"].register(_BrokenRules(), name="broken-rules")
    papp.extensions.pop("unionadmin.reports", None)
    papp.extensions.pop("unionadmin.card_templates", None)
    with papp.test_request_context(), acting_as(SYSTEM):
        assert "rule_not_callable" not in registry.all_reports()
        offered = [r.name for r in registry.offered_reports()]
        assert "sample_count" in offered and "rule_fails" not in offered
        with pytest.raises(NotFound):
            registry.get_report("rule_fails")
        assert "card_rule_not_callable" not in templates.registry()
        assert "applies_to" in templates.broken_templates()["card_rule_not_callable"]


def test_hook_register_views(plugin_app):
    """The sample plugin's page: open to the Unit Admins of its province (its `roles`, kept by
    `db upgrade`), to nobody outside it (its `applies_to`); its table needs its migration, hence a
    database of its own. Its own tests (ua-sample-plugin/tests) try its API and scope too."""
    from unionadmin.core.setup import upgrade_database
    from unionadmin.core.units import services as units

    code = f"SPL-{uid()}"
    papp = plugin_app(SAMPLE, own_database=True, **{SAMPLE_PROVINCE: code})
    with papp.test_request_context(), acting_as(SYSTEM):
        province = units.create({"code": code, "name": "Tỉnh mẫu", "level": "province"})
        upper = units.create({"code": f"U-{code}", "name": "Huyện mẫu", "level": "upper",
                              "parent_id": province.id})
        other = units.create({"code": f"Q-{code}", "name": "Tỉnh khác", "level": "province"})
        made = {k: SimpleNamespace(id=u.id) for k, u in (("P", province), ("U", upper), ("Q", other))}
    inside = make_user(papp, made["P"], "Unit Admin")
    officer = make_user(papp, made["U"], "Officer")
    outside = make_user(papp, made["Q"], "Unit Admin")

    def status(username: str | None) -> int:
        client = papp.test_client()
        if username:
            web_login(client, username, ADMIN_PASSWORD if username == "admin" else PASSWORD)
        return client.get("/sample/").status_code

    assert status(None) in (302, 401)  # behind a permission
    assert status(inside.username) == 200 and status("admin") == 200
    assert status(officer.username) in (302, 403)  # a role the page is not open to
    assert status(outside.username) == 404  # outside its province: no such page
    with papp.app_context():
        upgrade_database(papp)  # what `make run` does at every start
    assert status(inside.username) == 200


# -- loading -----------------------------------------------------------------------------------------


def test_broken_plugin_stops_start_up_with_its_name(db_url, tmp_path):
    with pytest.raises(PluginError, match="ua_broken_plugin"):
        make_manager("ua_broken_plugin")
    with pytest.raises(PluginError, match="no_such_plugin_xyz"):
        build_app(db_url, tmp_path, UNIONADMIN_PLUGINS="no_such_plugin_xyz")


def test_plugins_command_lists_loaded_plugins(plugin_app):
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
    # Its table is declared on the core's metadata: the migrations build exactly the models.
    assert schema_diff(papp) == []


# -- the Đồng Nai plugin -------------------------------------------------------------------------------


def _dongnai(make, tree, province=None):
    # Its settings (unionadmin.plugins.config): UNIONADMIN_DONGNAI_<KEY>, given to the app here.
    return make(DONGNAI, UNIONADMIN_DONGNAI_PROVINCE_CODE=province or tree["P"].code,
                UNIONADMIN_DONGNAI_KCN_UNION_CODE=tree["U2"].code)


def test_dongnai_approval_step_and_upper_confirmation(plugin_app, app, tree):
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


def test_dongnai_industrial_zone_field_and_check(plugin_app, tree):
    papp = _dongnai(plugin_app, tree)
    assert _create(papp, tree["G1"].id, industrial_zone="Amata").extra == {"industrial_zone": "Amata"}
    assert _refused(papp, tree["G1"].id, industrial_zone="Không có")["industrial_zone"]
    # Under the industrial zones' union (U2 here) the zone is required.
    assert _refused(papp, tree["G3"].id)["industrial_zone"]
    assert _create(papp, tree["G3"].id, industrial_zone="Nhơn Trạch 3").extra


def test_dongnai_card_template(plugin_app):
    from unionadmin.core.cards import templates

    papp = plugin_app(DONGNAI)
    with papp.app_context():
        template = templates.registry()["dongnai"]
        template.check()
        assert "ĐỒNG NAI" in template.static and template.source == DONGNAI


def test_dongnai_weekly_report(plugin_app, tree):
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


def test_dongnai_changes_nothing_outside_its_province(plugin_app, tree):
    from unionadmin.core.reports import registry

    papp = _dongnai(plugin_app, tree, province="NOT-THIS-ONE")
    member = _create(papp, tree["G3"].id)  # no zone needed, no extra step
    assert len(member.steps) == 1 and member.extra == {}
    assert _refused(papp, tree["G1"].id, industrial_zone="Amata")["industrial_zone"]
    # No unit is in that province: its report and card template exist for nobody, not even
    # for the system.
    from unionadmin.core.cards import templates

    with papp.test_request_context(), acting_as(SYSTEM):
        assert "dongnai_weekly" not in [r.name for r in registry.offered_reports()]
        with pytest.raises(NotFound):
            registry.get_report("dongnai_weekly")
        assert "dongnai" not in dict(templates.choices())
        assert "dongnai" in templates.registry()  # installed, just not offered


def _other_province(app) -> dict[str, UnitRef]:
    """A second province, outside the plugin's: Q > UQ > GQ."""
    from unionadmin.core.units import services as units

    tag = uid()
    with app.test_request_context(), acting_as(SYSTEM):
        made: dict[str, object] = {}
        for key, level, parent in (("Q", "province", None), ("UQ", "upper", "Q"), ("GQ", "grassroots", "UQ")):
            made[key] = units.create({"code": f"{key}-{tag}", "name": f"Tỉnh khác {key} {tag}",
                                      "level": level, "parent_id": made[parent].id if parent else None})
        return {k: UnitRef.of(v) for k, v in made.items()}


def _report_names(client, headers) -> list[str]:
    listed = client.get("/api/v1/report/", headers=headers)
    assert listed.status_code == 200, listed.json
    return [r["name"] for r in listed.json["result"]]


def test_dongnai_report_is_offered_only_inside_the_province(plugin_app, tree):
    from unionadmin.core.reports.cli import report as report_command

    papp = _dongnai(plugin_app, tree)
    other = _other_province(papp)
    _create(papp, tree["G1"].id)
    inside = make_user(papp, tree["G1"], "Officer")
    outside = make_user(papp, other["GQ"], "Officer")
    province_admin = make_user(papp, tree["P"], "Unit Admin")
    other_admin = make_user(papp, other["Q"], "Unit Admin")
    client = papp.test_client()
    out_h, in_h = api_headers(client, outside.username), api_headers(client, inside.username)
    admin_h = api_headers(client, "admin", ADMIN_PASSWORD)

    # The API list: the province's officers and those above them see it; another province's do not.
    for user in (outside, other_admin):
        names = _report_names(client, api_headers(client, user.username))
        assert "progress" in names and "dongnai_weekly" not in names
    for headers in (in_h, api_headers(client, province_admin.username), admin_h):
        assert "dongnai_weekly" in _report_names(client, headers)

    # Running it outside the province answers exactly like a report that does not exist.
    unknown = client.get("/api/v1/report/no_such_report", headers=out_h)
    assert unknown.status_code == 404
    for query in ("", f"?unit_id={other['GQ'].id}", f"?unit_id={other['GQ'].id}&format=xlsx"):
        resp = client.get(f"/api/v1/report/dongnai_weekly{query}", headers=out_h)
        assert resp.status_code == 404 and resp.json == unknown.json, resp.json
    # The national admin may run it for the province, not for a unit elsewhere.
    assert client.get(f"/api/v1/report/dongnai_weekly?unit_id={tree['P'].id}",
                      headers=admin_h).status_code == 200
    assert client.get(f"/api/v1/report/dongnai_weekly?unit_id={other['Q'].id}",
                      headers=admin_h).status_code == 404
    # Inside, the officer runs it for their own unit.
    ran = client.get("/api/v1/report/dongnai_weekly", headers=in_h)
    assert ran.status_code == 200 and ran.json["totals"]["members_entered"] == 1, ran.json

    # The pages: the reports menu and the report's page.
    out_web, in_web = papp.test_client(), papp.test_client()
    web_login(out_web, outside.username)
    web_login(in_web, inside.username)
    menu = out_web.get("/reports/").get_data(as_text=True)
    assert 'data-report="progress"' in menu and 'data-report="dongnai_weekly"' not in menu
    assert out_web.get("/reports/dongnai_weekly/").status_code == 404
    assert out_web.get(f"/reports/dongnai_weekly/?unit_id={other['GQ'].id}").status_code == 404
    assert out_web.get(f"/reports/dongnai_weekly/?unit_id={other['GQ'].id}&format=pdf").status_code == 404
    assert 'data-report="dongnai_weekly"' in in_web.get("/reports/").get_data(as_text=True)
    page = in_web.get("/reports/dongnai_weekly/")
    assert page.status_code == 200 and 'id="ua-report-table"' in page.get_data(as_text=True)

    # The CLI: a Vietnamese error naming the report and listing what the account may run.
    runner = papp.test_cli_runner()
    refused = runner.invoke(report_command, ["dongnai_weekly", "--unit", other["GQ"].code,
                                             "--as", outside.username])
    assert refused.exit_code != 0
    assert "Không có báo cáo “dongnai_weekly”" in refused.output and "progress" in refused.output
    assert "dongnai_weekly" not in refused.output.split(":")[-1]
    refused = runner.invoke(report_command, ["dongnai_weekly", "--unit", other["GQ"].code])  # as admin
    assert refused.exit_code != 0 and "Không có báo cáo" in refused.output
    done = runner.invoke(report_command, ["dongnai_weekly", "--unit", tree["G1"].code,
                                          "--as", inside.username])
    assert done.exit_code == 0, done.output
    assert '"name": "dongnai_weekly"' in done.output


def test_dongnai_card_template_is_offered_only_inside_the_province(plugin_app, tree):
    from tests.cards_helpers import allocate, pdf_text
    from unionadmin.core.actor import actor_for_user
    from unionadmin.core.cards import printing
    from unionadmin.core.db import session
    from unionadmin.core.members import services as members
    from unionadmin.core.units.models import Unit

    papp = _dongnai(plugin_app, tree)
    other = _other_province(papp)
    inside_admin = make_user(papp, tree["U1"], "Unit Admin")
    outside_admin = make_user(papp, other["UQ"], "Unit Admin")

    def chosen(unit_id):
        with papp.app_context():
            return session().get(Unit, unit_id).card_template

    def choose(client, unit, template):
        form = client.get("/cards/templates").get_data(as_text=True)
        return client.post("/cards/templates", follow_redirects=True, data={
            "unit_code": unit.code, "template": template, "csrf_token": csrf_token(form)})

    # Outside: not in the choice; choosing it anyway is refused, naming the unit.
    out_web = papp.test_client()
    web_login(out_web, outside_admin.username)
    page = out_web.get("/cards/templates").get_data(as_text=True)
    assert 'value="default"' in page and 'value="dongnai"' not in page
    refused = choose(out_web, other["GQ"], "dongnai").get_data(as_text=True)
    assert "Mẫu thẻ" in refused and other["GQ"].name in refused and "không áp dụng" in refused
    assert chosen(other["GQ"].id) is None
    with papp.test_request_context():
        user = papp.appbuilder.sm.get_user_by_id(outside_admin.id)
        with acting_as(actor_for_user(user)), pytest.raises(ValidationError) as err:
            printing.set_unit_template(other["GQ"].id, "dongnai")
    assert list(err.value.errors) == ["card_template"]
    # The system administrator cannot put it on a unit outside the province either.
    with papp.test_request_context(), acting_as(SYSTEM), pytest.raises(ValidationError):
        printing.set_unit_template(other["Q"].id, "dongnai")

    # Inside: offered, chosen for the upper-level union, and its units' cards use it.
    in_web = papp.test_client()
    web_login(in_web, inside_admin.username)
    assert 'value="dongnai"' in in_web.get("/cards/templates").get_data(as_text=True)
    saved = choose(in_web, tree["U1"], "dongnai").get_data(as_text=True)
    assert "Đã lưu mẫu thẻ" in saved or chosen(tree["U1"].id) == "dongnai"
    assert chosen(tree["U1"].id) == "dongnai"
    allocate(papp, tree["P"])
    allocate(papp, other["Q"])

    def carded(unit):
        def make():
            member = members.create(member_data(unit))
            while member.status == "pending":  # the core step, then the plugin's
                members.approve(member)
            return member.id
        with papp.test_request_context(), acting_as(SYSTEM):
            return make()

    api = papp.test_client()
    admin_h = api_headers(api, "admin", ADMIN_PASSWORD)
    card = api.get(f"/api/v1/member/{carded(tree['G1'])}/card.pdf", headers=admin_h)
    assert card.status_code == 200 and "ĐỒNG NAI" in pdf_text(card.data)[0]

    # A unit outside that still names the template (it moved out of the province, or chose it
    # before the plugin said where it applies) is refused when its cards are printed.
    outside_member = carded(other["GQ"])
    with papp.app_context():
        session().get(Unit, other["GQ"].id).card_template = "dongnai"
        session().commit()
    resp = api.get(f"/api/v1/member/{outside_member}/card.pdf", headers=admin_h)
    assert resp.status_code == 422 and list(resp.json["message"]) == ["card_template"], resp.json
    assert other["GQ"].name in resp.json["message"]["card_template"][0]


def test_plugin_choice_field_filters_the_member_list(plugin_app, tree):
    papp = _sample(plugin_app, tree["P"])
    wanted = _create(papp, tree["G2"].id, full_name="Lọc Văn Áo", shirt_size="S")
    _create(papp, tree["G2"].id, full_name="Lọc Văn Khác", shirt_size="L")
    client = papp.test_client()
    web_login(client, "admin", ADMIN_PASSWORD)
    page = client.get("/members/list/?_flt_0_extra=S&_flt_0_full_name=Lọc Văn").get_data(as_text=True)
    assert f"/members/show/{wanted.id}" in page and "Lọc Văn Khác" not in page
