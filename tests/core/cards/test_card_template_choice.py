"""A broken card template is reported when the plugins load and when it is chosen, never as a 500
when a card is printed; `GET|PUT /api/v1/unit/<id>/card_template` chooses a unit's template
(issue #19 point 3; docs/card-templates.md)."""

from __future__ import annotations

import logging
import sys
import types

import pytest
from sqlalchemy import select

from tests.cards_helpers import allocate, as_system, carded_member
from tests.helpers import ADMIN_PASSWORD, api_headers, build_app, make_user, web_login
from unionadmin import hookimpl
from unionadmin.core.cards import templates

PAGE = "@page { size: 85.6mm 54mm; margin: 3mm; }"
ONE_PAGE = {"width_mm": 85.6, "height_mm": 54, "pages": 1}
GOOD = {"name": "tinh_tot", "label": "Thẻ tỉnh", "css": PAGE, "layout": ONE_PAGE,
        "html": "<p>{{ card.holder_name }} {{ card.card_number }}</p>"}
#: What docs/plugins.md once showed: `card.full_name` does not exist (the key is holder_name).
BROKEN = {"name": "tinh_hong", "label": "Thẻ hỏng", "css": PAGE, "layout": ONE_PAGE,
          "html": "<p>{{ card.full_name }}</p>"}
ELSEWHERE = dict(GOOD, name="tinh_khac", applies_to=lambda unit: False)
#: One line for the sample card's name; a much longer name overflows its box.
NARROW = {"name": "tinh_hep", "css": PAGE, "html": "<p>&nbsp;</p>",
          "layout": {**ONE_PAGE, "text": [{"x_mm": 4, "y_mm": 4, "width_mm": 60,
                                           "height_mm": 4.5, "size_pt": 8,
                                           "markup": "{{ card.holder_name }}"}]}}


def _url(unit) -> str:
    return f"/api/v1/unit/{unit.id}/card_template"


def test_a_broken_template_is_reported_when_the_plugin_loads(app, db_url, tmp_path, monkeypatch,
                                                             caplog):
    plugin = types.ModuleType("ua_card_plugin_19")
    plugin.register_card_templates = hookimpl(lambda: [GOOD, BROKEN])
    monkeypatch.setitem(sys.modules, plugin.__name__, plugin)
    with caplog.at_level(logging.ERROR, logger=templates.__name__):
        papp = build_app(db_url, tmp_path, UNIONADMIN_PLUGINS=plugin.__name__)
    # Checked at start-up, before any request: logged, left out, the others kept.
    logged = [r.getMessage() for r in caplog.records if r.name == templates.__name__]
    assert len(logged) == 1 and "tinh_hong" in logged[0] and "card.full_name" in logged[0]
    built, broken = papp.extensions["unionadmin.card_templates"]
    assert "tinh_tot" in built and "tinh_hong" not in built and list(broken) == ["tinh_hong"]
    with papp.test_request_context():
        message = templates.broken_templates()["tinh_hong"]
    assert message.startswith("Mẫu thẻ “tinh_hong”: phần html dùng card.full_name nhưng thẻ")
    assert "holder_name" in message and "docs/card-templates.md" in message
    with papp.test_request_context("/?_l_=en"):
        assert "the HTML uses card.full_name, which a card does not have: it has holder_name" \
            in templates.broken_templates()["tinh_hong"]
    # The card-template page lists it with what is wrong.
    client = papp.test_client()
    web_login(client, "admin", ADMIN_PASSWORD)
    page = client.get("/cards/templates").get_data(as_text=True)
    assert "tinh_hong" in page and "card.full_name" in page


def test_choosing_a_template_through_the_api(app, client, tree, plugin_templates):
    from unionadmin.core.db import session
    from unionadmin.core.models import AuditLog

    plugin_templates([GOOD, BROKEN, ELSEWHERE])
    admin = api_headers(client, make_user(app, tree["P"], "Unit Admin").username)
    shown = client.get(_url(tree["U1"]), headers=admin)
    assert shown.status_code == 200, shown.json
    assert shown.json["id"] == tree["U1"].id
    result = shown.json["result"]
    assert result["template"] is None and result["effective"] == "default"
    offered = [c["name"] for c in result["choices"]]
    assert "default" in offered and "tinh_tot" in offered
    assert "tinh_hong" not in offered and "tinh_khac" not in offered

    chosen = client.put(_url(tree["U1"]), json={"template": "tinh_tot"}, headers=admin)
    assert chosen.status_code == 200, chosen.json
    assert chosen.json["result"]["template"] == "tinh_tot"
    below = client.get(_url(tree["G1"]), headers=admin).json["result"]
    assert below["template"] is None and below["effective"] == "tinh_tot"  # inherited
    with app.app_context():
        row = session().scalars(select(AuditLog).where(
            AuditLog.action == "unit.card_template", AuditLog.object_id == tree["U1"].id)).one()
        assert row.details["changes"] == {"card_template": [None, "tinh_tot"]}

    # A broken template: refused with what is wrong, in the user's language.
    broken = client.put(_url(tree["G1"]), json={"template": "tinh_hong"}, headers=admin)
    assert broken.status_code == 422
    [message] = broken.json["message"]["template"]
    assert message.startswith("Mẫu thẻ “tinh_hong”: phần html dùng card.full_name")
    english = client.put(_url(tree["G1"]) + "?_l_=en", json={"template": "tinh_hong"},
                         headers=admin)
    assert "uses card.full_name, which a card does not have" in english.json["message"]["template"][0]
    for body, field in (({"template": "khong_co"}, "template"), ({"template": "tinh_khac"}, "template"),
                        ({}, "template"), ({"template": 5}, "template"),
                        ({"template": "tinh_tot", "other": 1}, "other")):
        refused = client.put(_url(tree["G1"]), json=body, headers=admin)
        assert refused.status_code == 422 and list(refused.json["message"]) == [field], body
    assert client.put(_url(tree["G1"]), data="x", headers=admin).status_code == 400
    assert client.get(_url(tree["G1"]), headers=admin).json["result"]["template"] is None

    back = client.put(_url(tree["U1"]), json={"template": None}, headers=admin)
    assert back.status_code == 200 and back.json["result"]["template"] is None
    assert back.json["result"]["effective"] == "default"


def test_choosing_is_scoped_and_for_administrators(app, client, tree, plugin_templates):
    plugin_templates([GOOD])
    upper = api_headers(client, make_user(app, tree["U1"], "Unit Admin").username)
    for method in (client.get, client.put):
        assert method(_url(tree["U2"]), json={"template": "tinh_tot"},
                      headers=upper).status_code == 404
    assert client.put(_url(tree["G1"]), json={"template": "tinh_tot"},
                      headers=upper).status_code == 200
    officer = api_headers(client, make_user(app, tree["G1"], "Officer").username)
    assert client.get(_url(tree["G1"]), headers=officer).status_code == 200
    assert client.put(_url(tree["G1"]), json={"template": None}, headers=officer).status_code == 403


@pytest.mark.parametrize("case", ["uninstalled", "overflow"])
def test_printing_with_a_template_that_cannot_print_is_not_a_500(app, client, tree,
                                                                 plugin_templates, case):
    """What the checks at loading cannot see: the plugin of a chosen template was removed, or a
    member's data does not fit (a name far longer than the sample card's)."""
    from unionadmin.core.cards import printing
    from unionadmin.core.db import session
    from unionadmin.core.units.models import Unit

    plugin_templates([NARROW])
    assert "tinh_hep" in as_system(app, templates.registry)  # the sample card fits
    allocate(app, tree["P"])
    name = "Nguyễn Thị Phương Thảo Tôn Nữ Hoàng Lan Khuê Bích Ngọc" if case == "overflow" \
        else "Lê Văn Tám"
    member = carded_member(app, tree["G1"], full_name=name)

    def choose():
        if case == "overflow":
            printing.set_unit_template(tree["G1"].id, "tinh_hep")
        else:
            session().get(Unit, tree["G1"].id).card_template = "da_go_bo"
            session().commit()

    as_system(app, choose)
    expected = "“tinh_hep”: ô chữ 1 tràn" if case == "overflow" else \
        "“da_go_bo”: mẫu thẻ này chưa được cài đặt"
    answer = client.get(f"/api/v1/member/{member['id']}/card.pdf",
                        headers=api_headers(client, "admin", ADMIN_PASSWORD))
    assert answer.status_code == 409 and expected in answer.json["message"], answer.json
    web_login(client, "admin", ADMIN_PASSWORD)
    page = client.get(f"/cards/member/{member['id']}/card.pdf", follow_redirects=True)
    assert page.status_code == 200 and expected in page.get_data(as_text=True)
