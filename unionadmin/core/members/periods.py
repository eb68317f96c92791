"""Membership periods, kept in step with member events by the services.

Periods are half-open: [start_date, end_date)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from unionadmin.core.db import session
from unionadmin.core.members.models import Member, MembershipPeriod


def open_period(member: Member, unit_id: int, start: date, kind: str) -> MembershipPeriod:
    period = MembershipPeriod(member_id=member.id, unit_id=unit_id, start_date=start,
                              start_kind=kind)
    session().add(period)
    return period


def current_period(member: Member) -> MembershipPeriod | None:
    return session().scalar(
        select(MembershipPeriod)
        .where(MembershipPeriod.member_id == member.id, MembershipPeriod.end_date.is_(None))
        .order_by(MembershipPeriod.start_date.desc(), MembershipPeriod.id.desc())
        .limit(1)
    )


def close_period(member: Member, end: date, kind: str) -> MembershipPeriod | None:
    """End the open period on `end`. Periods are half-open, [start_date, end_date): a member
    counts in a unit on day d when start_date <= d < end_date (or end_date is empty)."""
    period = current_period(member)
    if period is not None:
        period.end_date = max(end, period.start_date)
        period.end_kind = kind
    return period
