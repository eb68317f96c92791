"""Printing cards and verifying them: the service behind the card PDF, the print sheets, the
`unionadmin cards` command and the public /verify page.

Card numbers, tokens and QR images come from the cards domain (`models.Card`, issued by
`services.issue`); this module only reads them. Every print writes an audit row.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from pypdf import PdfWriter
from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from unionadmin.core import abilities, audit
from unionadmin.core.cards import photos
from unionadmin.core.cards import templates as card_templates
from unionadmin.core.cards.models import Card
from unionadmin.core.cards.qr import make_qr_png, verify_url
from unionadmin.core.cards.render import CardData, render
from unionadmin.core.db import session
from unionadmin.core.errors import Conflict, Forbidden, NotFound, ValidationError
from unionadmin.core.members import services as members
from unionadmin.core.members.models import Member
from unionadmin.core.scope import get_unit, member_clause, subtree_ids
from unionadmin.core.text import masked_name
from unionadmin.core.units.models import Unit

#: Members are loaded and rendered this many at a time (memory stays flat for big units).
CHUNK = 1000


def union_name() -> str:
    return current_app.config.get("UNIONADMIN_CARD_UNION_NAME") or \
        _("Vietnam General Confederation of Labour")


def _logo() -> bytes | None:
    path = current_app.config.get("UNIONADMIN_CARD_LOGO")
    return Path(path).read_bytes() if path else None


def current_cards(member_ids: list[int]) -> dict[int, Card]:
    """The valid card of each member that has one (one query, QR images included)."""
    if not member_ids:
        return {}
    rows = session().scalars(select(Card).options(undefer(Card.qr_png))
                             .where(Card.member_id.in_(member_ids), Card.revoked_on.is_(None)))
    return {card.member_id: card for card in rows}


def qr_image(card: Card) -> bytes:
    """The card's QR image, made at issue; made now for a card loaded in bulk without one."""
    return card.qr_png or make_qr_png(verify_url(current_app.config["PUBLIC_BASE_URL"], card.token))


def card_data(member_list: list[Member]) -> list[CardData]:
    """What the cards of these (already scoped) members show; members without a valid card
    are left out."""
    ids = [m.id for m in member_list]
    cards = current_cards(ids)
    pictures = photos.photos_for([i for i in ids if i in cards])
    name = union_name()
    return [CardData(holder_name=m.full_name, date_of_birth=m.date_of_birth,
                     unit_name=m.unit.name, card_number=cards[m.id].number,
                     issued_on=cards[m.id].issued_on, qr_png=qr_image(cards[m.id]),
                     photo=pictures.get(m.id), union_name=name, member_id=m.id)
            for m in member_list if m.id in cards]


def _template_for(unit: Unit, cache: dict[int, card_templates.CardTemplate]):
    if unit.id not in cache:
        cache[unit.id] = card_templates.effective(unit)
    return cache[unit.id]


def _render_groups(member_list: list[Member], sheets: bool,
                   progress: Callable[[int], None] | None = None,
                   jobs: int = 1) -> tuple[list[bytes], int]:
    """Render members grouped by their unit's template: one PDF per template."""
    cache: dict[int, card_templates.CardTemplate] = {}
    groups: dict[str, tuple[card_templates.CardTemplate, list[Member]]] = {}
    for member in member_list:
        template = _template_for(member.unit, cache)
        groups.setdefault(template.name, (template, []))[1].append(member)
    pdfs, printed = [], 0
    for template, group in groups.values():
        data = card_data(group)
        if progress and len(data) < len(group):
            progress(len(group) - len(data))
        if data:
            pdfs.append(render(data, template, sheets=sheets, logo=_logo(), progress=progress,
                               jobs=jobs))
            printed += len(data)
    return pdfs, printed


def _join(pdfs: list[bytes]) -> bytes:
    if len(pdfs) == 1:
        return pdfs[0]

    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(io.BytesIO(pdf))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _no_card() -> Conflict:
    return Conflict(_("This member has no valid card. Issue a card first."))


def print_card(member_id: int) -> bytes:
    """The card-size PDF (front and back) of one member of the actor's own units (not the
    receiver of a pending transfer: Forbidden)."""
    member = members.get_owned(member_id)
    pdfs, printed = _render_groups([member], sheets=False)
    if not printed:
        raise _no_card()
    audit.record("card.print", "member", member.id, member.unit.path, {"cards": 1})
    session().commit()
    return pdfs[0]


def print_members(member_ids: Iterable[int], sheets: bool = True) -> tuple[bytes, int]:
    """A4 sheets (or card pages) for a selection of members of the actor's own units; ids
    outside them (incoming transfers too) or without a valid card are skipped. Returns the PDF
    and the number of cards."""
    ids = sorted({int(i) for i in member_ids})
    member_list = list(session().scalars(
        select(Member).where(Member.id.in_(ids), member_clause(), members.owned_clause())
        .order_by(Member.sort_key, Member.id)))
    if not member_list:
        raise NotFound()
    pdfs, printed = _render_groups(member_list, sheets)
    if not printed:
        raise Conflict(_("None of the selected members has a valid card."))
    audit.record("card.print", "member", None, None,
                 {"cards": printed, "members": [m.id for m in member_list][:1000]})
    session().commit()
    return _join(pdfs), printed


def unit_members_query(unit: Unit, status: str | None = "active"):
    query = (select(Member).join(Card, (Card.member_id == Member.id) & Card.revoked_on.is_(None))
             .where(Member.unit_id.in_(subtree_ids(unit.path)), member_clause()))
    if status:
        query = query.where(Member.status == status)
    return query.order_by(Member.unit_id, Member.sort_key, Member.id)


def count_unit_cards(unit_id: int, status: str | None = "active") -> int:
    unit = get_unit(unit_id)
    return session().scalar(select(func.count()).select_from(
        unit_members_query(unit, status).order_by(None).subquery())) or 0


def print_unit(unit_id: int, status: str | None = "active", sheets: bool = True,
               progress: Callable[[int], None] | None = None,
               jobs: int = 1) -> tuple[bytes, int]:
    """Sheets for every member with a valid card in a unit's subtree (in scope); `jobs`
    processes render each chunk of members."""
    unit = get_unit(unit_id)
    query = unit_members_query(unit, status)
    pdfs, printed, offset = [], 0, 0
    while True:
        chunk = list(session().scalars(query.offset(offset).limit(CHUNK)))
        if not chunk:
            break
        offset += len(chunk)
        chunk_pdfs, chunk_printed = _render_groups(chunk, sheets, progress, jobs)
        pdfs.extend(chunk_pdfs)
        printed += chunk_printed
    if not printed:
        raise Conflict(_("No member of this unit has a valid card."))
    audit.record("card.print", "unit", unit.id, unit.path, {"cards": printed, "status": status})
    session().commit()
    return _join(pdfs), printed


# -- templates per unit --------------------------------------------------------------------------

def unit_template(unit_id: int) -> dict[str, Any]:
    """A unit's card template: its own choice (None: it inherits), the one its cards are printed
    with, and the ones it may choose (`GET /api/v1/unit/<id>/card_template`)."""
    return _template_state(get_unit(unit_id))


def _template_state(unit: Unit) -> dict[str, Any]:
    return {"template": unit.card_template, "effective": card_templates.effective_name(unit),
            "choices": [{"name": name, "label": label}
                        for name, label in card_templates.choices(unit)]}


def choose_unit_template(unit_id: int, data: Any) -> dict[str, Any]:
    """`PUT /api/v1/unit/<id>/card_template` with `{"template": name or null}`: the unit in scope
    (404 otherwise) first, then the body; see `set_unit_template`."""
    if not abilities.can_choose_card_templates():
        raise Forbidden(_("Only administrators choose card templates."))
    unit = get_unit(unit_id)
    if not isinstance(data, dict) or "template" not in data:
        raise ValidationError.single("template", _("This field is required."))
    unknown = sorted(k for k in data if k != "template")
    if unknown:
        raise ValidationError({k: [_("Unknown field.")] for k in unknown})
    name = data["template"]
    if name is not None and not isinstance(name, str):
        raise ValidationError.single("template", _("Give a template name, or null to inherit "
                                                   "the template of the unit above."))
    return _template_state(_set_template(unit, name, "template"))


def set_unit_template(unit_id: int, name: str | None) -> Unit:
    """Choose the card template of a unit and its subtree (None: inherit from above); a field
    error on card_template when it is not installed, broken or not offered for the unit."""
    if not abilities.can_choose_card_templates():
        raise Forbidden(_("Only administrators choose card templates."))
    return _set_template(get_unit(unit_id), name, "card_template")


def _set_template(unit: Unit, name: str | None, field: str) -> Unit:
    name = name or None
    if name is not None:
        try:
            template = card_templates.get(name)
        except card_templates.TemplateError as exc:
            if name in card_templates.broken_templates():
                # Broken when it was loaded: say what is wrong, in the user's language.
                raise ValidationError.single(field, exc.message) from None
            raise ValidationError.single(field, _("This card template is not installed.")) \
                from None
        try:
            card_templates.check_offered(template, unit)
        except ValidationError as exc:
            raise ValidationError({field: exc.errors["card_template"]}) from None
    before = unit.card_template
    unit.card_template = name
    audit.record("unit.card_template", "unit", unit.id, unit.path,
                 {"changes": {"card_template": [before, name]}})
    session().commit()
    return unit


# -- public verification -------------------------------------------------------------------------

def verify(token: str) -> dict[str, Any]:
    """What the public verify page says about a card: valid now or not, and a little about it.
    Unknown tokens answer {"valid": False} and nothing else."""
    if not token or len(token) > 64:
        return {"valid": False}
    row = session().execute(
        select(Card.number, Card.revoked_on, Member.full_name, Member.status, Unit.name)
        .join(Member, Member.id == Card.member_id).join(Unit, Unit.id == Member.unit_id)
        .where(Card.token == token)).first()
    if row is None:
        return {"valid": False}
    return {"valid": row.revoked_on is None and row.status == "active",
            "card_number": row.number, "unit": row.name, "holder": masked_name(row.full_name)}
