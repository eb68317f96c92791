"""Per-unit member counts kept by the database, so that progress figures never count a million rows.

Small tables, written only by triggers on `member` and `membership_period` (migrations 0012
and 0013), so that every write path (services, the import's bulk inserts, the demo seeder, a
DBA's UPDATE) keeps them right:

* `unit_status_tally` (unit, status) -> members: the counts by status of the dashboard and the
  `progress` report; a province has ~3,000 units, so ~20,000 rows instead of 1,000,000.
* `unit_entry_tally` (unit, day) -> members entered that day (Viet Nam's date of `created_at`)
  and not rejected: the last 7 and 28 days of `progress` and the dashboard's weekly chart.
* `unit_period_tally` (unit) -> membership periods open now, with their make-up, and periods
  ever started by kind; `unit_birth_tally` (unit, birth year) -> periods open now: `changes`
  counts those at the end of a date from them and from the few periods started or closed after
  that date, instead of reading every open period.

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

#: Period start kinds that are transfers in (every other start is an admission).
TRANSFER_STARTS = ("transferred_in", "moved")
TRANSFER_STARTS_SQL = "(" + ", ".join(f"'{kind}'" for kind in TRANSFER_STARTS) + ")"
#: Hours added to the stored UTC `created_at` to get Viet Nam's date (no daylight saving).
VN_OFFSET_HOURS = 7


class UnitStatusTally(Model):
    __tablename__ = "unit_status_tally"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class UnitPeriodTally(Model):
    """Membership periods per unit: `n` open now, with `female`, `minority` (not Kinh) and
    `party` among them, and the periods ever started, by kind (`admitted`: every start that is
    not a transfer in). Read by `changes`."""

    __tablename__ = "unit_period_tally"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    female: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    minority: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    party: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    admitted: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    transferred_in: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")


class UnitBirthTally(Model):
    """Membership periods open now per unit and birth year (0: unknown): those under 35."""

    __tablename__ = "unit_birth_tally"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    birth_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")


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
    """Recount every tally from `member` and `membership_period` and (unless `profiles` is
    False, for a loader that wrote them itself) copy every member's profile onto its periods,
    after a load that bypassed the triggers."""
    conn = connection if connection is not None else session().connection()
    rebuild_members(conn)
    if profiles:
        copy_profiles(conn)
    rebuild_periods(conn)


def rebuild_members(conn) -> None:
    """Recount `unit_status_tally` and `unit_entry_tally` from `member`."""
    day = entry_day_sql(conn.dialect.name)
    conn.execute(text("DELETE FROM unit_status_tally"))
    conn.execute(text("DELETE FROM unit_entry_tally"))
    conn.execute(text("INSERT INTO unit_status_tally (unit_id, status, n) "
                      "SELECT unit_id, status, count(*) FROM member GROUP BY unit_id, status"))
    conn.execute(text(f"INSERT INTO unit_entry_tally (unit_id, day, n) "
                      f"SELECT unit_id, {day}, count(*) FROM member WHERE status <> 'rejected' "
                      f"GROUP BY unit_id, {day}"))


def copy_profiles(conn) -> None:
    """Copy each member's gender, ethnicity, party membership and birth date onto its periods."""
    conn.execute(text("UPDATE membership_period SET gender = m.gender, ethnicity = m.ethnicity, "
                      "party_member = m.party_member, date_of_birth = m.date_of_birth FROM member m "
                      "WHERE m.id = membership_period.member_id"))


def birth_year_sql(dialect: str, column: str = "date_of_birth") -> str:
    """SQL for the birth year of a date column, 0 when it is empty (the tally's key)."""
    if dialect == "postgresql":
        return f"COALESCE(CAST(EXTRACT(YEAR FROM {column}) AS INTEGER), 0)"
    return f"COALESCE(CAST(strftime('%Y', {column}) AS INTEGER), 0)"


def rebuild_periods(conn) -> None:
    """Recount `unit_period_tally` and `unit_birth_tally` from `membership_period`."""
    transfer = f"start_kind IN {TRANSFER_STARTS_SQL}"
    is_open = "end_date IS NULL"
    conn.execute(text("DELETE FROM unit_period_tally"))
    conn.execute(text("DELETE FROM unit_birth_tally"))
    conn.execute(text(
        "INSERT INTO unit_period_tally (unit_id, n, female, minority, party, admitted, transferred_in) "
        f"SELECT unit_id, sum(CASE WHEN {is_open} THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN {is_open} AND gender = 'female' THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN {is_open} AND COALESCE(ethnicity, 'Kinh') <> 'Kinh' THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN {is_open} AND party_member THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN {transfer} THEN 0 ELSE 1 END), sum(CASE WHEN {transfer} THEN 1 ELSE 0 END) "
        "FROM membership_period GROUP BY unit_id"))
    year = birth_year_sql(conn.dialect.name)
    conn.execute(text(f"INSERT INTO unit_birth_tally (unit_id, birth_year, n) SELECT unit_id, {year}, "
                      f"count(*) FROM membership_period WHERE {is_open} GROUP BY unit_id, {year}"))


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
