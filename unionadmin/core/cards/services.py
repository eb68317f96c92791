"""Card number ranges (allocated by the central level) and member cards: issue, re-issue, revoke.

Member cards are issued and revoked inside the member services' transactions (approval, leaving):
`issue` and `revoke` add rows to the current transaction and never commit. The member actions
`/card` and `/revoke_card` (`issue_card`, `revoke_card`) and the range functions are whole
writes of their own.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from unionadmin.core import abilities, audit
from unionadmin.core.actor import current_actor
from unionadmin.core.cards import numbering
from unionadmin.core.cards.models import ISSUE_REASONS, Card, CardRange
from unionadmin.core.cards.qr import make_qr_png, verify_url
from unionadmin.core.db import session, today
from unionadmin.core.errors import Conflict, FieldErrors, Forbidden, NotFound, ValidationError
from unionadmin.core.members.actions import finish, guarded, reason_text, require_state
from unionadmin.core.members.models import Member
from unionadmin.core.members.record import record_event, require_owner
from unionadmin.core.scope import require_unit_in_scope, unit_id_clause
from unionadmin.core.units.models import Unit

RANGE_FIELDS = ("unit_id", "prefix", "start_serial", "end_serial", "next_serial", "note")

# -- ranges -----------------------------------------------------------------------------------


def _range_values(item: CardRange) -> dict[str, Any]:
    return {f: getattr(item, f) for f in RANGE_FIELDS}


def _require_admin() -> None:
    if not abilities.can_allocate_card_ranges():
        raise Forbidden(_("Only the central level allocates card number ranges."))


def _int(data: dict[str, Any], field: str, errors: FieldErrors, default: int | None = None) -> int | None:
    value = data.get(field)
    if value in (None, ""):
        return default
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= numbering.MAX_SERIAL:
        errors.add(field, _("Must be a whole number from 0 to %(max)s.", max=numbering.MAX_SERIAL))
        return None
    return value


def _clean_range(data: dict[str, Any], item: CardRange | None) -> dict[str, Any]:
    errors = FieldErrors()
    out = {**(_range_values(item) if item else {}), **{k: v for k, v in data.items() if k in RANGE_FIELDS}}
    prefix = str(out.get("prefix") or "").strip().upper()
    out["prefix"] = prefix
    if not numbering.PREFIX.match(prefix):
        errors.add("prefix", _("A prefix is 1 to 8 capital letters or digits."))
    elif session().scalar(select(CardRange.id).where(CardRange.prefix == prefix,
                                                     CardRange.id != (item.id if item else -1))):
        errors.add("prefix", _("Another range already uses this prefix."))
    try:
        unit = require_unit_in_scope(out.get("unit_id") if isinstance(out.get("unit_id"), int) else None,
                                     "unit_id")
        if unit.level != "province":
            errors.add("unit_id", _("Ranges are allocated to a province federation or a national "
                                    "sector union."))
    except ValidationError as exc:
        errors.add("unit_id", exc.errors["unit_id"][0])
    start = _int(out, "start_serial", errors, 1)
    end = _int(out, "end_serial", errors)
    if end is None and "end_serial" not in errors:
        errors.add("end_serial", _("This field is required."))
    nxt = _int(out, "next_serial", errors, start)
    if start is not None and end is not None and end < start:
        errors.add("end_serial", _("The last serial must not be below the first."))
    if None not in (start, end, nxt) and not start <= nxt <= end + 1:
        errors.add("next_serial", _("The next serial must lie inside the range."))
    if item is not None and item.used and (prefix != item.prefix or out["unit_id"] != item.unit_id
                                           or start != item.start_serial or (nxt or 0) < item.next_serial):
        errors.add("prefix", _("Cards were issued from this range: only its end and note may change."))
    out.update(start_serial=start, end_serial=end, next_serial=nxt,
               note=(str(out.get("note") or "").strip() or None))
    errors.raise_if_any()
    return out


def create(data: dict[str, Any]) -> CardRange:
    _require_admin()
    data = _clean_range(data, None)
    item = CardRange(**data)
    db = session()
    db.add(item)
    db.flush()
    audit.record("card_range.create", "card_range", item.id, item.unit.path if item.unit else None,
                 {"values": _range_values(item)})
    db.commit()
    return item


def update(item: CardRange, changes: dict[str, Any]) -> CardRange:
    _require_admin()
    before = _range_values(item)
    data = _clean_range(changes, item)
    for field, value in data.items():
        setattr(item, field, value)
    audit.record("card_range.update", "card_range", item.id, None,
                 {"changes": audit.diff(before, _range_values(item))})
    session().commit()
    return item


def range_clause(actor=None):
    return unit_id_clause(CardRange.unit_id, actor)


def province_of(unit: Unit) -> Unit | None:
    """The province-level ancestor (or self) of a unit."""
    return session().scalar(select(Unit).where(Unit.id.in_(unit.ancestor_ids), Unit.level == "province")
                            .order_by(Unit.depth.desc()).limit(1))


# -- cards ------------------------------------------------------------------------------------


def current_card(member) -> Card | None:
    return session().scalar(select(Card).where(Card.member_id == member.id, Card.revoked_on.is_(None)))


def cards_of(member) -> list[Card]:
    """The member's cards, newest first (the card history)."""
    return list(session().scalars(select(Card).where(Card.member_id == member.id)
                                  .order_by(Card.id.desc())))


def _serial_for(unit: Unit) -> tuple[int, str, int]:
    province = province_of(unit)
    if province is None:
        raise Conflict(_("This unit is not under a province federation or national sector union: "
                         "no card number range applies to it."))
    for range_id in numbering.ranges_of(province.id):
        serial = numbering.take_serial(range_id)
        if serial is not None:
            prefix = session().scalar(select(CardRange.prefix).where(CardRange.id == range_id))
            return range_id, prefix, serial
    allocated = session().scalar(select(CardRange.id).where(CardRange.unit_id == province.id).limit(1))
    if allocated is None:
        raise Conflict(_("No card number range has been allocated to %(unit)s yet: an administrator "
                         "allocates one on the Card number ranges page (/card_ranges/).",
                         unit=province.name))
    raise Conflict(_("The card number ranges of %(unit)s are used up: an administrator allocates "
                     "a new one on the Card number ranges page (/card_ranges/).", unit=province.name))


def issue(member, reason: str = "new") -> Card:
    """Issue a card to `member` in the current transaction (the caller revokes any old one
    first, writes the `card_issued` event and commits)."""
    if reason not in ISSUE_REASONS:
        raise ValidationError.single("reason", _("Not one of the allowed values."))
    unit = session().get(Unit, member.unit_id)
    range_id, prefix, serial = _serial_for(unit)
    token = secrets.token_urlsafe(24)
    card = Card(member_id=member.id, range_id=range_id, number=numbering.format_number(prefix, serial),
                token=token, reason=reason, issued_on=today(), issued_by_id=current_actor().user_id,
                qr_png=make_qr_png(verify_url(current_app.config["PUBLIC_BASE_URL"], token)))
    session().add(card)
    member.card_number = card.number
    member.card_token = card.token
    return card


def revoke(member, reason: str) -> Card | None:
    """Revoke the member's current card in the current transaction; None if it has none."""
    card = current_card(member)
    if card is None:
        return None
    card.revoked_on = today()
    card.revoked_by_id = current_actor().user_id
    card.revoke_reason = reason
    member.card_number = None
    member.card_token = None
    session().flush()  # the partial unique index sees the old card revoked before a new one
    return card


def get_range(range_id: int) -> CardRange:
    item = session().scalar(select(CardRange).where(CardRange.id == range_id, range_clause()))
    if item is None:
        raise NotFound()
    return item


# -- member actions ---------------------------------------------------------------------------
#
# The card actions of a member's lifecycle (`members.services.ACTIONS["card"]` and
# `["revoke_card"]`): checked, recorded and committed like every other action.


@guarded
def issue_card(member: Member, reason: Any = "new") -> Member:
    """Issue a card, or re-issue one (lost, damaged, information changed): the old card is
    revoked and a new number is given."""
    require_state(member, "card")
    require_owner(member)
    reason = reason or "new"
    if reason not in ISSUE_REASONS:
        raise ValidationError.single("reason", _("Not one of the allowed values."))
    events = []
    old = revoke(member, reason)
    if old is not None:
        events.append(record_event(member, "card_revoked", details={"number": old.number,
                                                                    "reason": reason}))
    new = issue(member, reason)
    events.append(record_event(member, "card_issued", details={"number": new.number,
                                                               "reason": reason}))
    return finish(member, "card", events, {"card_number": new.number, "reason": reason})


@guarded
def revoke_card(member: Member, reason: Any = None) -> Member:
    """Revoke the member's valid card without issuing another (a card reported misused)."""
    require_state(member, "revoke_card")
    require_owner(member)
    text = reason_text(reason)
    old = revoke(member, text)
    if old is None:
        raise Conflict(_("This member has no valid card."))
    events = [record_event(member, "card_revoked", details={"number": old.number, "reason": text})]
    return finish(member, "revoke_card", events, {"reason": text})
