"""A plugin's member fields filter every list of members alike (issue #19 point 1): the member
API's list, the member export and the member page's export button read `q` through one table
(members/filters.py), with the sample plugin's fields (tests/plugins/ua_sample_plugin)."""

from __future__ import annotations

import html as html_lib
import io
import re
from types import SimpleNamespace
from urllib.parse import parse_qs, quote, urlsplit

import prison
import pytest
from openpyxl import load_workbook

from tests.helpers import ADMIN_PASSWORD, api_headers, member_data, web_login
from tests.plugin_fixtures import plugin_app  # noqa: F401 - the fixture
from unionadmin.core.actor import SYSTEM, acting_as

SAMPLE = "ua_sample_plugin"


def _create(app, unit_id: int, **over) -> str:
    """A member entered with the sample plugin's fields; its citizen ID."""
    from unionadmin.core.members import services

    with app.test_request_context(), acting_as(SYSTEM):
        return services.create(member_data(SimpleNamespace(id=unit_id), **over)).citizen_id


def _listed(client, headers, q: str) -> tuple[int, set[str]]:
    resp = client.get(f"/api/v1/member/?q={quote(q)}&page_size=100", headers=headers)
    return resp.status_code, {r["citizen_id"] for r in (resp.json or {}).get("result", [])}


def _export_rows(app, client, headers, query: str) -> tuple[int, list[dict[str, object]]]:
    """The export's status and rows (field -> value: `citizen_id`, `extra.shirt_size`...)."""
    from unionadmin.core.imports.columns import columns

    resp = client.get(f"/api/v1/member/export?{query}", headers=headers)
    if resp.status_code != 200:
        return resp.status_code, []
    with app.test_request_context():
        fields = [c.field for c in columns()]
    sheet = load_workbook(io.BytesIO(resp.data)).worksheets[0]
    return 200, [dict(zip(fields, row, strict=True))
                 for row in sheet.iter_rows(min_row=2, values_only=True)]


def _exported(app, client, headers, query: str) -> tuple[int, set[str]]:
    status, rows = _export_rows(app, client, headers, query)
    return status, {row["citizen_id"] for row in rows}


@pytest.fixture
def sample(plugin_app, tree):  # noqa: F811
    """The sample plugin's app with four members of G1 (and one of G3) and their citizen IDs."""
    papp = plugin_app(SAMPLE)
    g1, g3 = tree["G1"].id, tree["G3"].id
    ids = {
        "m12": _create(papp, g1, full_name="Lê Văn Một", shirt_size="M", badge_no=12),
        "m7": _create(papp, g1, full_name="Lê Văn Hai", shirt_size="M", badge_no=7),
        "l": _create(papp, g1, full_name="Lê Thị Ba", gender="female", shirt_size="L"),
        "none": _create(papp, g1, full_name="Lê Văn Bốn"),
        "g3": _create(papp, g3, full_name="Lê Văn Năm", shirt_size="M", badge_no=12),
    }
    client = papp.test_client()
    return SimpleNamespace(app=papp, client=client, ids=ids, g1=g1,
                           headers=api_headers(client, "admin", ADMIN_PASSWORD))


@pytest.mark.parametrize(("extra", "expected"), [
    ("(col:shirt_size,opr:eq,value:M)", {"m12", "m7"}),
    ("(col:shirt_size,opr:eq,value:L)", {"l"}),
    ("(col:badge_no,opr:eq,value:12)", {"m12"}),
    ("(col:badge_no,opr:eq,value:'7')", {"m7"}),
    ("(col:shirt_size,opr:eq,value:M),(col:badge_no,opr:eq,value:7)", {"m7"}),
])
def test_list_and_export_take_the_same_plugin_filters(sample, extra, expected):
    q = f"(filters:!((col:unit_id,opr:eq,value:{sample.g1}),{extra}))"
    want = {sample.ids[k] for k in expected}
    assert _listed(sample.client, sample.headers, q) == (200, want)
    assert _exported(sample.app, sample.client, sample.headers, f"q={quote(q)}") == (200, want)


@pytest.mark.parametrize("bad", [
    "(col:shirt_size,opr:ct,value:M)",      # no such operator on a plugin field
    "(col:shirt_size,opr:eq,value:XXL)",    # not one of the field's values
    "(col:badge_no,opr:eq,value:twelve)",   # not a whole number
    "(col:no_such_field,opr:eq,value:1)",
])
def test_list_and_export_refuse_the_same_filters(sample, bad):
    q = f"(filters:!({bad}))"
    listed = sample.client.get(f"/api/v1/member/?q={quote(q)}", headers=sample.headers)
    exported = sample.client.get(f"/api/v1/member/export?q={quote(q)}", headers=sample.headers)
    assert listed.status_code == 400 and exported.status_code == 422
    assert listed.json["message"] == exported.json["message"]["q"][0]


def test_the_page_exports_what_it_lists(sample):
    """The member page filtered by the plugin's choice field: its export button carries the
    filter, and the export holds the members the page lists."""
    web_login(sample.client, "admin", ADMIN_PASSWORD)
    page = sample.client.get("/members/list/?_flt_0_extra=L&_flt_0_status=pending")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Lê Thị Ba" in text and "Lê Văn Một" not in text
    href = html_lib.unescape(re.search(r'id="ua-export"\s+href="([^"]+)"', text).group(1))
    filters = prison.loads(parse_qs(urlsplit(href).query)["q"][0])["filters"]
    assert {"col": "shirt_size", "opr": "eq", "value": "L"} in filters
    status, rows = _export_rows(sample.app, sample.client, sample.headers, urlsplit(href).query)
    assert status == 200 and sample.ids["l"] in {row["citizen_id"] for row in rows}
    assert {row["extra.shirt_size"] for row in rows} == {"L"}
