"""The hand-built scenario of the report tests: members written directly (whatever service
writes them, reports read periods and events), the period F..T the figures are checked over."""

from __future__ import annotations

from datetime import date, timedelta

from tests.helpers import cccd
from unionadmin.core.db import utcnow

F, T = date(2026, 1, 1), date(2026, 6, 30)


# -- building data directly (whatever service writes it, reports read periods and events) ----

def add_member(db, unit, status="active", periods=(), *, gender="male", ethnicity="Kinh",
               party=False, dob=date(1990, 5, 1), created_days_ago=0, card=None, name="Nguyễn Văn An"):
    from unionadmin.core.members.models import Member, MembershipPeriod

    member = Member(full_name=name, date_of_birth=dob, gender=gender, ethnicity=ethnicity,
                    citizen_id=cccd(dob.year, gender), joined_on=date(2015, 1, 1),
                    unit_id=unit.id, status=status, party_member=party, card_number=card,
                    created_at=utcnow() - timedelta(days=created_days_ago))
    db.add(member)
    db.flush()
    for p_unit, start, start_kind, end, end_kind in periods:
        db.add(MembershipPeriod(member_id=member.id, unit_id=p_unit.id, start_date=start,
                                start_kind=start_kind, end_date=end, end_kind=end_kind))
    db.flush()
    return member
