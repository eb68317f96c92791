"""Per-unit member counts kept by the database, so that progress figures never count a million rows.

Two small tables, written only by triggers on `member` (migration 0012), so that every write path
(services, the import's bulk inserts, the demo seeder, a DBA's UPDATE) keeps them right:

* `unit_status_tally` (unit, status) -> members: the counts by status of the dashboard and the
  `progress` report; a province has ~3,000 units, so ~20,000 rows instead of 1,000,000.
* `unit_entry_tally` (unit, day) -> members entered that day (Viet Nam's date of `created_at`)
  and not rejected: the last 7 and 28 days of `progress` and the dashboard's weekly chart.

A member moving unit or changing status moves its count between rows in the same transaction.
The same triggers copy each member's profile (gender, ethnicity, party membership, date of birth)
onto its membership periods, for the make-up columns of `changes`. Loaders that bypass triggers
(the benchmark generator copies with them switched off) call `rebuild` afterwards, as does
`unionadmin db recount`.
"""

from __future__ import annotations

from datetime import date

from flask_appbuilder import Model
from sqlalchemy import Date, ForeignKey, Index, Integer, Select, String, func, select, text, true
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import ColumnElement

from unionadmin.core.db import session

#: Hours added to the stored UTC `created_at` to get Viet Nam's date (no daylight saving).
VN_OFFSET_HOURS = 7


class UnitStatusTally(Model):
    __tablename__ = "unit_status_tally"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class UnitEntryTally(Model):
    __tablename__ = "unit_entry_tally"
    __table_args__ = (Index("ix_unit_entry_tally_day", "day", "unit_id", "n"),)

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


def entry_day_sql(dialect: str, column: str = "created_at") -> str:
    """SQL for Viet Nam's date of a stored UTC timestamp column."""
    if dialect == "postgresql":
        return f"CAST({column} + INTERVAL '{VN_OFFSET_HOURS} hours' AS DATE)"
    return f"date({column}, '+{VN_OFFSET_HOURS} hours')"


def rebuild(connection=None, profiles: bool = True) -> None:
    """Recount both tables from `member` and (unless `profiles` is False, for a loader that wrote
    them itself) copy every member's profile onto its periods, after a load that bypassed the
    triggers."""
    conn = connection if connection is not None else session().connection()
    day = entry_day_sql(conn.dialect.name)
    conn.execute(text("DELETE FROM unit_status_tally"))
    conn.execute(text("DELETE FROM unit_entry_tally"))
    conn.execute(text("INSERT INTO unit_status_tally (unit_id, status, n) "
                      "SELECT unit_id, status, count(*) FROM member GROUP BY unit_id, status"))
    conn.execute(text(f"INSERT INTO unit_entry_tally (unit_id, day, n) "
                      f"SELECT unit_id, {day}, count(*) FROM member WHERE status <> 'rejected' "
                      f"GROUP BY unit_id, {day}"))
    if not profiles:
        return
    conn.execute(text("UPDATE membership_period SET gender = m.gender, ethnicity = m.ethnicity, "
                      "party_member = m.party_member, date_of_birth = m.date_of_birth FROM member m "
                      "WHERE m.id = membership_period.member_id"))


def _within(column, unit_ids: Select | None) -> ColumnElement[bool]:
    return column.in_(unit_ids) if unit_ids is not None else true()


def status_counts(unit_ids: Select | None) -> list[tuple[int, str, int]]:
    """(unit id, status, members) for the units of `unit_ids` (a sub-select; None: all)."""
    t = UnitStatusTally
    rows = session().execute(select(t.unit_id, t.status, t.n).where(_within(t.unit_id, unit_ids), t.n != 0))
    return [(unit_id, status, n) for unit_id, status, n in rows]


def members(unit_ids: Select | None) -> int:
    """Members of every status in the units of `unit_ids`."""
    t = UnitStatusTally
    return session().scalar(select(func.coalesce(func.sum(t.n), 0)).where(_within(t.unit_id, unit_ids))) or 0


def entries_by_day(unit_ids: Select | None, first: date) -> list[tuple[int, date, int]]:
    """(unit id, day, members entered) from `first` on, for the units of `unit_ids`."""
    t = UnitEntryTally
    rows = session().execute(select(t.unit_id, t.day, t.n)
                             .where(t.day >= first, _within(t.unit_id, unit_ids), t.n != 0))
    return [(unit_id, day, n) for unit_id, day, n in rows]


def entries_per_day(unit_ids: Select | None, first: date) -> dict[date, int]:
    """Members entered per day from `first` on, summed over the units of `unit_ids`."""
    t = UnitEntryTally
    rows = session().execute(select(t.day, func.sum(t.n))
                             .where(t.day >= first, _within(t.unit_id, unit_ids)).group_by(t.day))
    return {day: int(n or 0) for day, n in rows}
