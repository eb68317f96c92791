"""Reports: figures on a hand-built tree, the balance invariant, scope, formats, CLI, plugins."""

from __future__ import annotations

import io
import json
import random
from datetime import date, datetime, timedelta

from tests.core.reports.scenario import F, add_member
from tests.helpers import ADMIN_PASSWORD, api_headers, build_app, cccd, make_user, uid, web_login
from unionadmin.core.db import today


def report(name, unit, **kw):
    from unionadmin.core.reports import registry

    rep = registry.get_report(name)
    return registry.run(rep, registry.parse_params(rep, {"unit_id": unit.id, **kw}))


def rows_by_unit(result):
    return {r["unit_id"]: r for r in result["rows"]}


def balance(row):
    return (row["at_start"] + row["admitted"] + row["transferred_in"] - row["transferred_out"]
            - row["left"] - row["expelled"] - row["deceased"])


# -- figures checked by hand -------------------------------------------------------------------

def test_changes_by_hand_on_the_province(system, tree, figures):
    result = report("changes", tree["P"], date_from=F.isoformat(), date_to="30/06/2026")
    rows = rows_by_unit(result)
    u1, u2 = rows[tree["U1"].id], rows[tree["U2"].id]
    assert [u1[k] for k in ("at_start", "admitted", "transferred_in", "transferred_out", "left",
                            "expelled", "deceased", "at_end")] == [5, 2, 1, 1, 2, 0, 0, 5]
    assert [u2[k] for k in ("at_start", "admitted", "transferred_in", "transferred_out", "left",
                            "expelled", "deceased", "at_end")] == [2, 0, 1, 0, 0, 0, 1, 2]
    tot = result["totals"]
    # The sibling transfer moves a member between rows but not out of the province.
    assert [tot[k] for k in ("at_start", "admitted", "transferred_in", "transferred_out", "left",
                             "expelled", "deceased", "at_end")] == [7, 2, 1, 0, 2, 0, 1, 7]
    assert (tot["female"], tot["ethnic_minority"], tot["party_members"], tot["under_35"]) == (2, 1, 1, 2)
    for row in [*result["rows"], tot]:
        assert row["at_end"] == balance(row)
    assert [c["name"] for c in result["columns"]][:10] == [
        "unit_id", "unit_name", "at_start", "admitted", "transferred_in", "transferred_out",
        "left", "expelled", "deceased", "at_end"]


def test_changes_by_hand_one_level_down(system, tree, figures):
    result = report("changes", tree["U1"], date_from="2026-01-01", date_to="2026-06-30")
    rows = rows_by_unit(result)
    g1, g2 = rows[tree["G1"].id], rows[tree["G2"].id]
    assert (g1["at_start"], g1["admitted"], g1["transferred_out"], g1["at_end"]) == (3, 2, 1, 4)
    assert (g2["at_start"], g2["transferred_in"], g2["left"], g2["at_end"]) == (2, 1, 2, 1)
    tot = result["totals"]
    assert (tot["at_start"], tot["transferred_in"], tot["transferred_out"], tot["at_end"]) == (5, 1, 1, 5)


def test_transfer_between_sibling_grassroots_cancels_in_parent(system, app, tree):
    db = app.appbuilder.session
    g1, g2 = tree["G1"], tree["G2"]
    add_member(db, g2, periods=[(g1, date(2015, 1, 1), "registered", date(2026, 3, 3), "transferred_out"),
                                (g2, date(2026, 3, 3), "transferred_in", None, None)])
    db.commit()
    result = report("changes", tree["U1"], date_from="2026-01-01", date_to="2026-06-30")
    rows = rows_by_unit(result)
    assert rows[g1.id]["transferred_out"] == 1 and rows[g2.id]["transferred_in"] == 1
    assert result["totals"]["transferred_in"] == result["totals"]["transferred_out"] == 0
    assert result["totals"]["at_start"] == result["totals"]["at_end"] == 1


def test_progress_by_hand(system, tree, figures):
    result = report("progress", tree["P"])
    rows = rows_by_unit(result)
    u1, u2, tot = rows[tree["U1"].id], rows[tree["U2"].id], result["totals"]
    assert (u1["grassroots_total"], u1["grassroots_with_accounts"], u1["member_target"]) == (2, 1, 150)
    assert (u2["grassroots_total"], u2["grassroots_with_accounts"], u2["member_target"]) == (1, 0, 20)
    assert (u1["members_entered"], u1["members_active"], u1["entered_last_7_days"]) == (9, 6, 7)
    assert (u2["members_entered"], u2["members_active"], u2["entered_last_7_days"]) == (3, 1, 2)
    assert (u1["entered_percent"], u2["entered_percent"], tot["entered_percent"]) == (6.0, 15.0, 7.1)
    assert (tot["grassroots_total"], tot["member_target"], tot["members_entered"]) == (3, 170, 12)
    # 158 to go at 10 entries in the last 28 days.
    assert tot["projected_completion"] == today() + timedelta(days=443)
    assert [c["name"] for c in result["columns"]] == [
        "unit_id", "unit_name", "grassroots_total", "grassroots_with_accounts", "member_target",
        "members_entered", "members_active", "entered_percent", "entered_last_7_days",
        "projected_completion"]


def test_units_and_cards_reports(system, app, tree, figures):
    from unionadmin.core.members.models import MemberEvent

    db = app.appbuilder.session
    m = figures
    for member, kind, day in [(m[1], "card_issued", date(2025, 12, 1)),
                              (m[1], "card_revoked", date(2026, 2, 1)),
                              (m[1], "card_issued", date(2026, 2, 1)),
                              (m[2], "card_issued", date(2026, 3, 1)),
                              (m[4], "card_issued", date(2026, 8, 1))]:
        db.add(MemberEvent(member_id=member.id, kind=kind, effective_date=day))
    m[2].card_number = f"C{uid()}"
    db.commit()
    cards = report("cards", tree["P"], date_from="2026-01-01", date_to="2026-06-30")
    u1 = rows_by_unit(cards)[tree["U1"].id]
    assert (u1["cards_issued"], u1["cards_reissued"], u1["cards_revoked"]) == (1, 1, 1)
    assert u1["active_without_card"] == 5 and cards["totals"]["active_without_card"] == 6
    units = report("units", tree["P"], date_from="2026-01-01", date_to="2026-12-31")
    assert units["totals"]["grassroots_total"] == 3 and units["totals"]["members"] == 7
    assert rows_by_unit(units)[tree["U1"].id]["members"] == 6


def test_members_report_masks_for_viewer(app, client, tree, figures):
    viewer = make_user(app, tree["P"], "Viewer")
    officer = make_user(app, tree["P"], "Officer")
    url = f"/api/v1/report/members?unit_id={tree['U1'].id}&columns=full_name,citizen_id,phone"
    seen = client.get(url, headers=api_headers(client, officer.username)).json
    masked = client.get(url, headers=api_headers(client, viewer.username)).json
    assert seen["count"] == 9 and len(seen["rows"]) == 9
    ids = {r["citizen_id"] for r in seen["rows"]}
    assert all("*" not in i for i in ids)
    assert all("*" in r["citizen_id"] for r in masked["rows"])
    paged = client.get(url + "&page=1&page_size=3", headers=api_headers(client, officer.username)).json
    assert len(paged["rows"]) == 3 and paged["count"] == 9
    bad = client.get(url + ",password", headers=api_headers(client, officer.username))
    assert bad.status_code == 422 and "columns" in bad.json["message"]


# -- the balance invariant ---------------------------------------------------------------------

def _random_history(rng, db, units, start_day, outside):
    """A member's periods: a chain of stays in random units (some outside), ended or not."""
    from unionadmin.core.members.models import Member, MembershipPeriod

    day = start_day + timedelta(days=rng.randint(0, 400))
    periods = []
    kind = rng.choice(["registered", "admitted", "readmitted"])
    unit = rng.choice(units)
    while True:
        length = rng.choice([0, 1, 5, 30, 90, 200, 400])
        end = day + timedelta(days=length)
        if rng.random() < 0.25 or len(periods) > 5:
            periods.append((unit, day, kind, None, None))
            break
        end_kind = rng.choice(["transferred_out", "moved", "left", "expelled", "deceased",
                               "transferred_out"])
        periods.append((unit, day, kind, end, end_kind))
        if end_kind in ("left", "expelled", "deceased"):
            if rng.random() < 0.7:
                break
            day, kind = end + timedelta(days=rng.randint(0, 60)), "readmitted"
        else:
            day, kind = end, ("transferred_in" if end_kind == "transferred_out" else "moved")
        unit = rng.choice(units + [outside])
    member = Member(full_name="Trần Thị Bình", date_of_birth=date(1960 + rng.randint(0, 40), 1, 1),
                    gender=rng.choice(["male", "female"]), citizen_id=cccd(),
                    joined_on=date(2015, 1, 1), unit_id=periods[-1][0].id, status="active",
                    party_member=rng.random() < 0.2, ethnicity=rng.choice(["Kinh", "Tày", None]))
    db.add(member)
    db.flush()
    for unit, s, sk, e, ek in periods:
        db.add(MembershipPeriod(member_id=member.id, unit_id=unit.id, start_date=s, start_kind=sk,
                                end_date=e, end_kind=ek))
    return periods


def _members_on(histories, units, day):
    """Brute force: members in the subtree at the start of `day`."""
    ids = {u.id for u in units}
    return sum(1 for h in histories for (u, s, _sk, e, _ek) in h
               if u.id in ids and s < day and (e is None or e >= day))


def test_balance_holds_for_random_histories(system, app, tree, outside):
    rng = random.Random(20260101)
    db = app.appbuilder.session
    units = [tree[k] for k in ("G1", "G2", "G3", "D1")]
    histories = [_random_history(rng, db, units, date(2024, 1, 1), outside) for _ in range(120)]
    db.commit()
    for _ in range(25):
        first = date(2024, 1, 1) + timedelta(days=rng.randint(0, 1000))
        last = first + timedelta(days=rng.choice([0, 1, 6, 30, 180, 365]))
        for parent in (tree["P"], tree["U1"], tree["G1"]):
            result = report("changes", parent, date_from=first.isoformat(), date_to=last.isoformat())
            for row in [*result["rows"], result["totals"]]:
                assert row["at_end"] == balance(row), (first, last, parent.code, row)
            subtree = [u for u in units if u.path.startswith(parent.path)]
            assert result["totals"]["at_start"] == _members_on(histories, subtree, first)
            assert result["totals"]["at_end"] == _members_on(histories, subtree, last + timedelta(days=1))
            assert sum(r["at_end"] for r in result["rows"]) == result["totals"]["at_end"]


# -- scope, API, page, CLI ---------------------------------------------------------------------

def test_api_list_and_scope(app, client, tree, outside, figures):
    officer = make_user(app, tree["U1"], "Officer")
    headers = api_headers(client, officer.username)
    listing = client.get("/api/v1/report/", headers=headers).json["result"]
    assert {"progress", "changes", "units", "cards", "members"} <= {r["name"] for r in listing}
    own = client.get(f"/api/v1/report/progress?unit_id={tree['G1'].id}", headers=headers)
    assert own.status_code == 200
    assert set(own.json) >= {"name", "title", "params", "columns", "rows", "totals"}
    for unit_id in (tree["U2"].id, outside.id, 999999999, "abc"):
        resp = client.get(f"/api/v1/report/changes?unit_id={unit_id}", headers=headers)
        assert resp.status_code == 404, unit_id
    assert client.get("/api/v1/report/nope", headers=headers).status_code == 404
    default = client.get("/api/v1/report/progress", headers=headers).json
    assert default["params"]["unit_id"] == tree["U1"].id
    bad = client.get(f"/api/v1/report/changes?unit_id={tree['U1'].id}&date_from=31/02/2026",
                     headers=headers)
    assert bad.status_code == 422 and "date_from" in bad.json["message"]
    reversed_ = client.get(f"/api/v1/report/changes?unit_id={tree['U1'].id}"
                           "&date_from=2026-05-01&date_to=2026-01-01", headers=headers)
    assert reversed_.status_code == 422
    assert client.get("/api/v1/report/progress").status_code == 401


def test_pages_and_scope(app, client, tree, outside, figures):
    officer = make_user(app, tree["U1"], "Officer")
    web_login(client, officer.username)
    menu = client.get("/reports/")
    assert menu.status_code == 200 and 'data-report="changes"' in menu.get_data(as_text=True)
    page = client.get(f"/reports/changes/?unit_id={tree['U1'].id}&date_from=01/01/2026&date_to=30/06/2026")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and tree["G1"].name in html and 'id="ua-report-totals"' in html
    assert client.get(f"/reports/changes/?unit_id={tree['U2'].id}").status_code == 404
    assert client.get(f"/reports/progress/?unit_id={outside.id}").status_code == 404
    assert client.get("/reports/nope/").status_code == 404
    members = client.get(f"/reports/members/?unit_id={tree['U1'].id}")
    assert members.status_code == 200 and 'name="columns"' in members.get_data(as_text=True)


def test_every_format_and_audit(app, client, tree, figures):
    from openpyxl import load_workbook
    from pypdf import PdfReader
    from sqlalchemy import func, select

    from unionadmin.core.audit import AuditLog

    officer = make_user(app, tree["P"], "Officer")
    headers = api_headers(client, officer.username)
    db = app.appbuilder.session

    def audits():
        return db.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "report.export", AuditLog.username == officer.username))

    base = f"/api/v1/report/changes?unit_id={tree['P'].id}&date_from=2026-01-01&date_to=2026-06-30"
    labels = [c["label"] for c in client.get(base, headers=headers).json["columns"]]
    xlsx = client.get(base + "&format=xlsx", headers=headers)
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    header = [c.value for c in sheet[4]]
    # The labels in the request's language (Vietnamese by default; new msgids are translated in
    # /tmp/vi_reports.json until the lead merges them into the catalogue).
    assert header == labels and header[1] == "Đơn vị"
    values = [c.value for row in sheet.iter_rows(min_row=5) for c in row]
    assert tree["U1"].name in values and 7 in values
    assert sheet.cell(row=5, column=3).number_format == "#,##0"
    members = client.get(f"/api/v1/report/members?unit_id={tree['P'].id}&format=xlsx"
                         "&columns=full_name,date_of_birth", headers=headers)
    msheet = load_workbook(io.BytesIO(members.data)).active
    names = [r[0].value for r in msheet.iter_rows(min_row=5)]
    assert '\'=HYPERLINK("x")' in names and not any(str(n).startswith("=") for n in names)
    assert msheet.cell(row=5, column=2).number_format.upper() == "DD/MM/YYYY"
    pdf = client.get(base + "&format=pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Đơn vị U1" in text
    assert audits() == 4
    assert client.get(base + "&format=doc", headers=headers).status_code == 422


def test_cli_report(app, tree, figures, tmp_path):
    from unionadmin.cli import report_command

    runner = app.test_cli_runner()
    out = runner.invoke(report_command, ["changes", "--unit", tree["P"].code, "--date-from",
                                         "2026-01-01", "--date-to", "2026-06-30"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["totals"]["at_end"] == 7
    target = tmp_path / "p.xlsx"
    out = runner.invoke(report_command, ["progress", "--unit", tree["P"].code, "--format", "xlsx",
                                         "-o", str(target)])
    assert out.exit_code == 0 and target.read_bytes()[:2] == b"PK"
    officer = make_user(app, tree["U2"], "Officer")
    refused = runner.invoke(report_command, ["progress", "--unit", tree["U1"].code, "--as",
                                             officer.username])
    assert refused.exit_code != 0 and "outside" in refused.output
    missing = runner.invoke(report_command, ["nope", "--unit", tree["P"].code])
    assert missing.exit_code != 0


def test_plugin_report_gets_scope_and_formats(db_url, tmp_path, tree, outside, figures):
    import sys
    import types

    from openpyxl import load_workbook

    from unionadmin import hookimpl

    plugin = types.ModuleType("ua_report_plugin")

    def run(params):
        return {"columns": [("unit", "Đơn vị"), ("note", "Ghi chú")],
                "rows": [{"unit": params.unit.name, "note": "+1 cộng"}],
                "totals": None}

    @hookimpl
    def register_reports():
        return [{"name": "dongnai_note", "label": "Báo cáo riêng Đồng Nai",
                 "params": ["unit_id"], "run": run}]

    plugin.register_reports = register_reports
    from types import SimpleNamespace

    u1 = SimpleNamespace(id=tree["U1"].id)
    g1_id, g1_name, g1_code, outside_id = tree["G1"].id, tree["G1"].name, tree["G1"].code, outside.id
    sys.modules["ua_report_plugin"] = plugin
    try:
        papp = build_app(db_url, tmp_path, UNIONADMIN_PLUGINS="ua_report_plugin")
        with papp.app_context():
            from unionadmin.core.setup import sync_roles

            sync_roles(papp)
        client = papp.test_client()
        with papp.app_context():
            username = make_user(papp, u1, "Officer").username
        headers = api_headers(client, username)
        names = [r["name"] for r in client.get("/api/v1/report/", headers=headers).json["result"]]
        assert "dongnai_note" in names
        ok = client.get(f"/api/v1/report/dongnai_note?unit_id={g1_id}", headers=headers)
        assert ok.status_code == 200 and ok.json["rows"] == [{"unit": g1_name, "note": "+1 cộng"}]
        assert client.get(f"/api/v1/report/dongnai_note?unit_id={outside_id}",
                          headers=headers).status_code == 404
        xlsx = client.get(f"/api/v1/report/dongnai_note?unit_id={g1_id}&format=xlsx",
                          headers=headers)
        sheet = load_workbook(io.BytesIO(xlsx.data)).active
        assert sheet.cell(row=5, column=2).value == "'+1 cộng"
        pdf = client.get(f"/api/v1/report/dongnai_note?unit_id={g1_id}&format=pdf",
                         headers=headers)
        assert pdf.data.startswith(b"%PDF")
        web_login(client, username)
        assert client.get("/reports/dongnai_note/").status_code == 200
        runner = papp.test_cli_runner()
        from unionadmin.cli import report_command

        with papp.app_context():  # the CLI binds to the current app
            out = runner.invoke(report_command, ["dongnai_note", "--unit", g1_code])
        assert out.exit_code == 0 and "cộng" in out.output, out.output
    finally:
        del sys.modules["ua_report_plugin"]


def test_admin_page_login(client, tree, figures):
    assert web_login(client, "admin", ADMIN_PASSWORD).status_code == 302
    html = client.get(f"/reports/progress/?unit_id={tree['P'].id}").get_data(as_text=True)
    assert tree["U1"].name in html
    assert datetime  # imported for fixtures that build timestamps


# -- every way of counting `changes` gives the same figures -------------------------------------

def _dated_histories(rng, db, units, outside, n):
    """Random histories whose members are born on any day (the under-35 cutoff falls inside a
    birth year) and change profile after their periods exist (the triggers copy it on)."""
    from unionadmin.core.members.models import Member

    histories = [_random_history(rng, db, units, date(2024, 1, 1), outside) for _ in range(n)]
    db.flush()
    members = db.query(Member).order_by(Member.id.desc()).limit(n).all()
    for member in members:
        member.date_of_birth = date(1985, 1, 1) + timedelta(days=rng.randint(0, 365 * 12))
        member.gender = rng.choice(["male", "female"])
    db.commit()
    return histories, {m.id: m for m in members}


def _make_up_on(db, units, day):
    """Brute force: women, ethnic minorities, party members and under-35s in the units at the
    end of `day`, from the periods and their members."""
    from unionadmin.core.members.models import Member, MembershipPeriod
    from unionadmin.core.reports.changes import years_before

    ids = {u.id for u in units}
    cutoff = years_before(day, 35)
    out = {"female": 0, "ethnic_minority": 0, "party_members": 0, "under_35": 0}
    rows = db.query(MembershipPeriod, Member).join(Member, Member.id == MembershipPeriod.member_id)
    for period, member in rows:
        if period.unit_id not in ids or period.start_date > day:
            continue
        if period.end_date is not None and period.end_date <= day:
            continue
        out["female"] += member.gender == "female"
        out["ethnic_minority"] += member.ethnicity not in (None, "Kinh")
        out["party_members"] += bool(member.party_member)
        out["under_35"] += member.date_of_birth > cutoff
    return out


def test_every_plan_gives_the_same_figures(system, app, tree, outside):
    from unionadmin.core.reports import changes

    rng = random.Random(35)
    db = app.appbuilder.session
    units = [tree[k] for k in ("G1", "G2", "G3", "D1")]
    _dated_histories(rng, db, units, outside, 80)
    plans = [changes.Plan(False, False), changes.Plan(True, False), changes.Plan(True, True)]
    days = [date(2023, 6, 1), date(2024, 3, 15), date(2025, 2, 28), date(2026, 7, 9), date(2027, 1, 1)]
    for first in days:
        for last in (d for d in days + [first + timedelta(days=40)] if d >= first):
            for parent in (tree["P"], tree["U1"], tree["G1"]):
                results = [changes.compute(parent, first, last, plan) for plan in plans]
                assert results[0] == results[1] == results[2], (first, last, parent.code)
                assert results[0] == changes.compute(parent, first, last)  # the chosen plan
                subtree = [u for u in units if u.path.startswith(parent.path)]
                totals = results[0]["totals"]
                expected = _make_up_on(db, subtree, last)
                assert {k: totals[k] for k in expected} == expected, (first, last, parent.code)


def test_plan_follows_where_the_dates_fall(system, app, tree):
    from unionadmin.core.reports import changes

    db = app.appbuilder.session
    for k in range(12):  # everyone joined in 2026
        add_member(db, tree["G1"], periods=[(tree["G1"], date(2026, 1, 1) + timedelta(days=k),
                                             "admitted", None, None)])
    db.commit()
    # A date before everyone joined: the periods open at it are few, read them directly.
    early = changes.choose_plan(tree["P"], date(2020, 1, 1), date(2020, 12, 31))
    assert early == changes.Plan(at_end_from_tally=False, starts_by_complement=False)
    # A recent date: the tally, less the few started after it; a long period: its starts are
    # all the starts less those before it.
    assert changes.choose_plan(tree["P"], date(2026, 1, 3), date(2026, 12, 31)).at_end_from_tally
    assert changes.choose_plan(tree["P"], date(2000, 1, 1), date(2026, 12, 31)).starts_by_complement
    assert not changes.choose_plan(tree["P"], date(2026, 1, 11), date(2026, 12, 31)).starts_by_complement
