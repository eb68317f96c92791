"""Card templates with text boxes (issue #5): the card's text drawn by reportlab in the layout's
boxes, the template's HTML laid out once as the background of every card."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.cards_helpers import pdf_text, xhtml2pdf_warnings
from unionadmin.core.cards import imposition, render, templates
from unionadmin.core.cards.qr import make_qr_png

TEXT_TEMPLATE = {
    "name": "hop_chu", "label": "Thẻ hộp chữ",
    "html": "<p>NỀN MẶT TRƯỚC {{ union_name }}</p><pdf:nextpage></pdf:nextpage><p>NỀN MẶT SAU</p>",
    "css": "@page { size: 85.6mm 54mm; margin: 2mm; }",
    "layout": {"width_mm": 85.6, "height_mm": 54, "pages": 2,
               "qr": {"page": 1, "x_mm": 50, "y_mm": 15, "size_mm": 30},
               "text": [{"page": 0, "x_mm": 5, "y_mm": 20, "width_mm": 70, "height_mm": 20,
                         "markup": "<b>{{ card.holder_name }}</b><br/>{{ _('Card number') }}: "
                                   "{{ card.card_number }}", "size_pt": 8, "color": "#c8102e"},
                        {"page": 1, "x_mm": 5, "y_mm": 5, "width_mm": 40, "height_mm": 8,
                         "markup": "{{ card.card_number }}"}]},
}


def _card(name: str = "Đặng Thị Ưng & <Ỷ>", number: str = "7912345678") -> render.CardData:
    return render.CardData(holder_name=name, date_of_birth=dt.date(1990, 5, 1),
                           unit_name="Công đoàn cơ sở", card_number=number,
                           issued_on=dt.date(2026, 1, 2), qr_png=make_qr_png("https://x/verify/t"))


def test_core_template_draws_its_text_in_boxes(ctx):
    template = templates.get(None)
    assert template.compiled_text  # the fast path
    front, back = pdf_text(render.render([_card()], template))
    assert "Đặng Thị Ưng & <Ỷ>" in front and "7912345678" in front
    assert "THẺ ĐOÀN VIÊN" in front.upper() and "7912345678" in back


def test_plugin_text_boxes_over_a_background(ctx, plugin_templates):
    plugin_templates([TEXT_TEMPLATE])
    with xhtml2pdf_warnings() as warnings:
        pdf = render.render([_card(), _card("Lý Văn Hai", "7900000002")], templates.get("hop_chu"),
                            sheets=True)
    assert warnings == []
    fronts, backs = pdf_text(pdf)
    assert fronts.count("NỀN MẶT TRƯỚC") == 2 and "Đặng Thị Ưng & <Ỷ>" in fronts
    assert "Lý Văn Hai" in fronts and "7900000002" in backs and backs.count("NỀN MẶT SAU") == 2


def test_text_box_problems_name_the_template(ctx, plugin_templates):
    layout = TEXT_TEMPLATE["layout"]
    plugin_templates([
        dict(TEXT_TEMPLATE, name="chat", layout=dict(layout, text=[dict(layout["text"][0],
                                                                        height_mm=3)])),
        dict(TEXT_TEMPLATE, name="thieu", layout=dict(layout, text=[{"page": 0, "x_mm": 1}])),
        dict(TEXT_TEMPLATE, name="sai_trang", layout=dict(layout, text=[dict(layout["text"][0],
                                                                             page=2)])),
        dict(TEXT_TEMPLATE, name="nen_the", html="<p>{{ card.holder_name }}</p>"),
    ])
    # Each is left out when it is loaded, with what is wrong (a sample card is printed).
    with pytest.raises(templates.TemplateError, match="“chat”: ô chữ 1 tràn"):
        templates.get("chat")
    for name in ("thieu", "sai_trang"):
        with pytest.raises(templates.TemplateError, match=f"“{name}”: layout ô chữ 1"):
            templates.get(name)
    with pytest.raises(templates.TemplateError, match="“nen_the”: phần html dùng card nhưng"):
        templates.get("nen_the")


def test_jobs_render_whole_sheets_in_processes_in_order(ctx):
    template = templates.get(None)
    cards = [_card(f"Phan Văn Số {i:03d}", f"79{i:08d}") for i in range(render.PARALLEL_MIN + 5)]
    done = []
    pdf = render.render(cards, template, sheets=True, jobs=2, progress=done.append)
    texts = pdf_text(pdf)
    assert sum(done) == len(cards) and len(done) == 2
    assert len(texts) == 2 * -(-len(cards) // imposition.sheet_grid(template).per_sheet)
    assert "Phan Văn Số 000" in texts[0] and "Phan Văn Số 104" in texts[-2]
    assert "7900000104" in texts[-1]
