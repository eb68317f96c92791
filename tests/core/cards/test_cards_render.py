"""Card PDFs (issue #5): Vietnamese text, QR payload, sheets, templates, the API and the CLI."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import segno
from PIL import Image
from pypdf import PdfReader

from tests.cards_helpers import allocate, as_system, carded_member, jpeg, pdf_text, xhtml2pdf_warnings
from tests.helpers import ADMIN_PASSWORD, api_headers, csrf_token, make_user, web_login
from unionadmin.core.cards import imposition, pdf_objects, render, templates
from unionadmin.core.cards.qr import make_qr_png, verify_url
from unionadmin.core.pdf import html_to_pdf

NAME = "Nguyễn Thị Hồng Đào"


def _card(i: int = 0, **over) -> render.CardData:
    data = {"holder_name": NAME, "date_of_birth": dt.date(1990, 5, 1),
            "unit_name": "Công đoàn cơ sở Công ty Điện tử Đồng Nai", "card_number": f"79{i:08d}",
            "issued_on": dt.date(2026, 1, 2),
            "qr_png": make_qr_png(f"https://doanvien.example/verify/tok{i}"), "photo": None}
    data.update(over)
    return render.CardData(**data)


def test_html_to_pdf_keeps_vietnamese_without_warnings(ctx):
    with xhtml2pdf_warnings() as warnings:
        pdf = html_to_pdf(f"<html><body><h1>{NAME}</h1><p style='font-family: Arial'>"
                          f"<b>Đặng Ưng Ỷ</b> <i>ở Quảng Ngãi</i></p><table><tr><td>Số thẻ</td>"
                          f"</tr></table></body></html>")
    text = pdf_text(pdf)[0]
    assert NAME in text and "Đặng Ưng Ỷ" in text and "ở Quảng Ngãi" in text
    assert warnings == []
    fonts = {f.get_object()["/BaseFont"] for f in
             PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"].values()}
    assert any("NotoSans" in f for f in fonts)


def test_html_to_pdf_fetches_nothing(ctx):
    with xhtml2pdf_warnings() as warnings:
        html_to_pdf('<html><body><img src="http://127.0.0.1:1/x.png"/>'
                    '<img src="/etc/hostname"/><p>x</p></body></html>')
    assert warnings  # both refused (logged), none fetched


def test_card_pdf_has_name_number_and_card_size(ctx):
    with xhtml2pdf_warnings() as warnings:
        pdf = render.render([_card(photo=jpeg())], templates.get(None))
    assert warnings == []
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2  # front and back
    box = reader.pages[0].mediabox
    assert round(float(box.width) / 72 * 25.4, 1) == 85.6
    assert round(float(box.height) / 72 * 25.4, 1) == 54.0
    front, back = pdf_text(pdf)
    assert NAME in front and "7900000000" in front and "01/05/1990" in front
    assert "02/01/2026" in front and "Điện tử Đồng" in front
    assert "7900000000" in back


def _matrix_from_png(data: bytes, scale: int = 4, border: int = 2) -> list[list[bool]]:
    img = Image.open(io.BytesIO(data)).convert("L")
    modules = img.width // scale - 2 * border
    return [[img.getpixel(((border + x) * scale + scale // 2, (border + y) * scale + scale // 2)) < 128
             for x in range(modules)] for y in range(modules)]


def test_qr_image_encodes_the_verify_url(app, tree):
    allocate(app, tree["P"])
    member = carded_member(app, tree["G1"])
    url = verify_url(app.config["PUBLIC_BASE_URL"], member["token"])
    assert member["url"] == url and url.endswith(f"/verify/{member['token']}")
    from unionadmin.core.cards import printing

    def stored():
        from unionadmin.core.members import services

        return printing.card_data([services.get(member["id"])])[0].qr_png

    png = as_system(app, stored)
    assert png == make_qr_png(url)
    expected = [[bool(v) for v in row] for row in segno.make(url, error="m").matrix]
    assert _matrix_from_png(png) == expected
    # the PDF embeds the same modules as a 1-bit image
    image = pdf_objects.bitmap_image(png)
    assert image["/BitsPerComponent"] == 1 and image["/Width"] == Image.open(io.BytesIO(png)).width


def test_sheets_are_a4_with_fronts_then_mirrored_backs(ctx):
    template = templates.get(None)
    cards = [_card(i, holder_name=f"Trần Văn Số {i:02d}") for i in range(12)]
    pdf = render.render(cards, template, sheets=True)
    reader = PdfReader(io.BytesIO(pdf))
    grid = imposition.sheet_grid(template)
    assert grid.per_sheet == 10
    assert len(reader.pages) == 4  # fronts 1-10, backs 1-10, fronts 11-12, backs 11-12
    assert round(float(reader.pages[0].mediabox.width)) == 595
    texts = pdf_text(pdf)
    assert all(f"Trần Văn Số {i:02d}" in texts[0] for i in range(10))
    assert "Trần Văn Số 11" in texts[2] and "7900000011" in texts[3]
    # backs mirror the columns: card 0's back sits in the right-hand column
    assert grid.slot(0, mirrored=True)[0] == grid.slot(1, mirrored=False)[0]


PLUGIN_TEMPLATE = {
    "name": "dongnai_test", "label": "Thẻ Đồng Nai",
    "html": "<p>MẪU ĐỒNG NAI {{ card.holder_name }} {{ card.card_number }}</p>"
            "<pdf:nextpage></pdf:nextpage><p>MẶT SAU</p>",
    "css": "@page { size: 85.6mm 54mm; margin: 3mm; }",
    "layout": {"width_mm": 85.6, "height_mm": 54, "pages": 2,
               "qr": {"page": 1, "x_mm": 50, "y_mm": 15, "size_mm": 30}},
}


def test_broken_template_gives_an_error_naming_it(ctx, plugin_templates):
    plugin_templates([{"name": "hong", "label": "x", "html": "{% if %}", "css": "",
                       "layout": {"width_mm": 85.6, "height_mm": 54, "pages": 2}},
                      {"name": "khong_layout", "html": "<p>x</p>", "css": ""},
                      dict(PLUGIN_TEMPLATE, name="tran", html="<p>{{ card.holder_name }}</p>"
                           + "<pdf:nextpage></pdf:nextpage>" * 3)])
    for name in ("hong", "khong_layout"):
        with pytest.raises(templates.TemplateError, match=f"“{name}”"):
            templates.get(name)
    # Its pages overflow: found when it is loaded (a sample card is printed), not at printing.
    assert "tran" in templates.broken_templates()
    with pytest.raises(templates.TemplateError, match="“tran”: các thẻ chiếm 3 trang thay vì 2"):
        templates.get("tran")
    with pytest.raises(templates.TemplateError, match="“khong_co”: mẫu thẻ này chưa được cài"):
        templates.get("khong_co")


def test_plugin_template_is_used_where_selected_and_inherited(app, tree, plugin_templates,
                                                              client):
    from unionadmin.core.cards import printing

    plugin_templates([PLUGIN_TEMPLATE])
    allocate(app, tree["P"])
    in_g1 = carded_member(app, tree["G1"], full_name="Lê Thị Mẫu")
    in_g3 = carded_member(app, tree["G3"], full_name="Võ Văn Thường")
    as_system(app, printing.set_unit_template, tree["U1"].id, "dongnai_test")

    def effective(unit_id):
        from unionadmin.core.units.models import Unit

        return templates.effective_name(app.appbuilder.session.get(Unit, unit_id))

    assert as_system(app, effective, tree["D1"].id) == "dongnai_test"  # inherited down
    assert as_system(app, effective, tree["G3"].id) == "default"
    admin = api_headers(client, "admin", ADMIN_PASSWORD)
    first = client.get(f"/api/v1/member/{in_g1['id']}/card.pdf", headers=admin)
    assert first.status_code == 200, first.get_data(as_text=True)
    assert "MẪU ĐỒNG NAI Lê Thị Mẫu" in pdf_text(first.data)[0]
    other = client.get(f"/api/v1/member/{in_g3['id']}/card.pdf", headers=admin)
    assert "MẪU ĐỒNG NAI" not in pdf_text(other.data)[0]


def test_card_pdf_api_scope_and_audit(app, tree, client):
    from sqlalchemy import select

    from unionadmin.core.audit import AuditLog

    allocate(app, tree["P"])
    member = carded_member(app, tree["G1"], full_name="Phạm Đức Thắng")
    inside = make_user(app, tree["G1"], "Officer")
    outside = make_user(app, tree["G3"], "Officer")
    resp = client.get(f"/api/v1/member/{member['id']}/card.pdf",
                      headers=api_headers(client, inside.username))
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert "Phạm Đức Thắng" in pdf_text(resp.data)[0] and member["number"] in pdf_text(resp.data)[0]
    for pk in (member["id"], 99999999):
        assert client.get(f"/api/v1/member/{pk}/card.pdf",
                          headers=api_headers(client, outside.username)).status_code == 404
    with app.app_context():
        rows = app.appbuilder.session.scalars(select(AuditLog).where(
            AuditLog.action == "card.print", AuditLog.object_id == member["id"])).all()
        assert [r.username for r in rows] == [inside.username]


def test_card_pdf_without_card_is_409(app, tree, client):
    from tests.helpers import member_data
    from unionadmin.core.members import services

    pending = as_system(app, lambda: services.create(member_data(tree["G2"])).id)
    resp = client.get(f"/api/v1/member/{pending}/card.pdf",
                      headers=api_headers(client, "admin", ADMIN_PASSWORD))
    assert resp.status_code == 409


def test_viewer_may_not_print(app, tree, client):
    allocate(app, tree["P"])
    member = carded_member(app, tree["G1"])
    viewer = make_user(app, tree["G1"], "Viewer")
    resp = client.get(f"/api/v1/member/{member['id']}/card.pdf",
                      headers=api_headers(client, viewer.username))
    assert resp.status_code in (401, 403)


def test_bulk_action_prints_a_sheet_of_the_selection(app, tree, client):
    allocate(app, tree["P"])
    members = [carded_member(app, tree["G1"], full_name=f"Hoàng Văn Chọn {c}") for c in "ABC"]
    officer = make_user(app, tree["G1"], "Officer")
    web_login(client, officer.username)
    page = client.get("/members/list/").get_data(as_text=True)
    assert "print_cards" in page
    resp = client.post("/members/action_post", data={
        "action": "print_cards", "rowid": [str(m["id"]) for m in members[:2]],
        "csrf_token": csrf_token(page)})
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = pdf_text(resp.data)[0]
    assert "Hoàng Văn Chọn A" in text and "Hoàng Văn Chọn B" in text and "Chọn C" not in text


def test_cli_prints_a_unit_subtree(app, tree, tmp_path):
    allocate(app, tree["P"])
    for name in ("Đinh Công Một", "Đinh Công Hai"):
        carded_member(app, tree["D1"], full_name=name)
    carded_member(app, tree["G3"], full_name="Ngoài Cây Con")
    target = tmp_path / "the.pdf"
    from unionadmin.core.cards.cli import cards_command

    result = app.test_cli_runner().invoke(cards_command, [str(target), "--unit", tree["U1"].code])
    assert result.exit_code == 0, result.output
    assert "2 cards" in result.output
    text = pdf_text(target.read_bytes())
    assert len(text) == 2 and "Đinh Công Một" in text[0] and "Ngoài Cây Con" not in text[0]
    bad = app.test_cli_runner().invoke(cards_command, [str(target), "--unit", "KHONG-CO"])
    assert bad.exit_code != 0
