"""The demo seeder: accounts, members with their history, cards and approval steps, written
in one transaction with bulk inserts and ids assigned here (the tree and the people come from
`tree` and `people`)."""

from __future__ import annotations

import random
import secrets
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, text
from werkzeug.security import generate_password_hash

from unionadmin.core import audit
from unionadmin.core.accounts.models import UnionUser
from unionadmin.core.bulk import bulk_insert
from unionadmin.core.cards.models import Card, CardRange
from unionadmin.core.cards.numbering import format_number
from unionadmin.core.db import session, today, utcnow
from unionadmin.core.demo.data import (
    APPROVED_STATUSES,
    CARD_PREFIX,
    ENDED_STATUSES,
    PASSWORD,
    REASONS,
    ROOT_CODE,
    UPPERS,
)
from unionadmin.core.demo.people import ROLLOUT_WEEKS, People, local_date
from unionadmin.core.demo.tree import DemoUnit, Tree, max_id
from unionadmin.core.members.models import Member, MemberApproval, MemberEvent, MembershipPeriod
from unionadmin.core.members.steps import CORE_LABEL, CORE_STEP
from unionadmin.core.roles import ROLE_APPROVER, ROLE_OFFICER, ROLE_UNIT_ADMIN, ROLE_VIEWER
from unionadmin.core.units.models import Unit


class DemoDataExists(RuntimeError):
    """The demo's units or accounts are already in the database."""


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)






def _approval_model() -> tuple[Any, str, str] | None:
    """The approval-step model and the core step's name and label."""
    return MemberApproval, CORE_STEP, CORE_LABEL


def _check_empty(codes: list[str], usernames: list[str]) -> None:
    db = session()
    taken = db.scalars(select(Unit.code).where(Unit.code.in_(codes)).limit(5)).all()
    if taken:
        raise DemoDataExists(
            f"The demo data is already in this database (units {', '.join(sorted(taken))} "
            f"exist); seed_demo runs only on a database without them.")
    users = db.scalars(select(UnionUser.username).where(UnionUser.username.in_(usernames))
                       .limit(5)).all()
    if users:
        raise DemoDataExists(
            f"Demo accounts already exist ({', '.join(sorted(users))}); seed_demo runs only "
            f"on a database without them.")


# --------------------------------------------------------------------------------------------


class _Seeder(Tree, People):
    def __init__(self, members: int, seed: int) -> None:
        self.total = max(0, int(members))
        self.rng = random.Random(seed)
        self.now = utcnow().replace(microsecond=0)
        self.today = today()
        self.units: list[DemoUnit] = []
        self.grassroots: list[DemoUnit] = []
        self.accounts: dict[tuple[str, int], int] = {}  # (role, unit id) -> user id
        self.account_count = 0
        self.rollout_start = self.now - timedelta(weeks=ROLLOUT_WEEKS, days=10)
        #: Each entry opens an approval round with the core step, as `members.create` does.
        self.approval = _approval_model()
        self.core_step = self.approval[1] if self.approval else "core"
        #: A pending transfer is also kept on the member where the model has the columns.
        self.transfer_columns = {"transfer_to_unit_id", "transfer_date"} <= set(
            Member.__table__.c.keys())

    # ---------------------------------------------------------------- accounts

    def create_accounts(self) -> None:
        sm = current_app.appbuilder.sm
        roles = {}
        for name in (ROLE_UNIT_ADMIN, ROLE_APPROVER, ROLE_OFFICER, ROLE_VIEWER):
            roles[name] = sm.find_role(name)
            if roles[name] is None:
                raise RuntimeError(f"Role {name!r} is missing: run `unionadmin db upgrade` "
                                   "before seeding the demo.")
        hashed = generate_password_hash(
            PASSWORD, method=current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
            salt_length=current_app.config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16))
        root = self.units[0]
        wanted: list[tuple[str, str, DemoUnit]] = [
            ("tinh.admin", ROLE_UNIT_ADMIN, root), ("tinh.xem", ROLE_VIEWER, root)]
        for upper in (u for u in self.units if u.level == "upper"):
            wanted += [(f"{upper.slug}.admin", ROLE_UNIT_ADMIN, upper),
                       (f"{upper.slug}.duyet", ROLE_APPROVER, upper)]
        # Most grassroots unions have an officer account; a few have not started yet.
        without = set(self.rng.sample(range(len(self.grassroots)),
                                      max(1, len(self.grassroots) // 7)))
        wanted += [(f"cdcs{g.number:03d}.canbo", ROLE_OFFICER, g)
                   for i, g in enumerate(self.grassroots) if i not in without]
        for username, role, unit in wanted:
            _gender, first, last = self.person_name()
            user = sm.add_user(username, first, last, None, roles[role],
                               hashed_password=hashed, commit=False)
            if not user:
                raise RuntimeError(f"Could not create the demo account {username!r}.")
            user.unit_id = unit.id
            user.password_change_required = False
            self.accounts[(role, unit.id)] = user.id
        session().flush()
        self.account_count = len(wanted)

    # ---------------------------------------------------------------- members

    def build_members(self, sizes: dict[int, int]) -> tuple[list, list, list, list]:
        rng = self.rng
        by_id = {u.id: u for u in self.units}
        members: list[dict[str, Any]] = []
        histories: list[list[tuple]] = []
        positions = {
            "grassroots": ["Chủ tịch Công đoàn cơ sở", "Phó Chủ tịch Công đoàn cơ sở",
                           "Ủy viên Ban Chấp hành", "Ủy viên Ban Chấp hành",
                           "Ủy viên Ủy ban Kiểm tra"],
            "department": ["Chủ tịch Công đoàn bộ phận"],
            "group": ["Tổ trưởng Công đoàn"],
        }
        for unit_id, count in sizes.items():
            unit = by_id[unit_id]
            grassroots = unit.grassroots
            founded = grassroots.founded_on
            officer = self.accounts.get((ROLE_OFFICER, grassroots.id))
            approver = self.accounts.get((ROLE_APPROVER, grassroots.upper.id))
            todo = list(positions[unit.level])
            others = [g for g in self.grassroots if g is not grassroots]
            for _ in range(count):
                row = self._person(unit)
                status = self.status()
                created = self._moment(self.recent_week() if status == "pending"
                                       else self.week())
                adult = _add_years(row["date_of_birth"], 18)
                if adult > local_date(created):  # came of age during the roll-out
                    created = self._between(
                        datetime.combine(adult, time(2)), self.now - timedelta(minutes=5))
                entered = local_date(created)
                low = max(adult, founded)
                low = min(low, entered)
                row["joined_on"] = low + timedelta(days=rng.randrange((entered - low).days + 1))
                row["status"] = status
                row["created_by_id"] = officer
                if self.transfer_columns:
                    row["transfer_to_unit_id"] = row["transfer_date"] = None
                if status == "active" and todo:
                    row["union_position"] = todo.pop(0)
                    row["party_member"] = row["party_member"] or rng.random() < 0.5
                events = [(created, "created", entered, officer, None, unit.id, None)]
                if status == "rejected":
                    moment = self._between(created, min(created + timedelta(days=14), self.now))
                    events.append((moment, "rejected", local_date(moment), approver, unit.id,
                                   None, {"reason": rng.choice(REASONS["rejected"]),
                                          "step": self.core_step}))
                elif status in APPROVED_STATUSES:
                    approved = self._between(created, min(created + timedelta(days=10),
                                                          self.now))
                    events.append((approved, "approved", local_date(approved), approver,
                                   None, unit.id, {"steps": [self.core_step]}))
                    if status == "suspended":
                        moment = self._between(max(approved, self.now - timedelta(days=90)),
                                               self.now)
                        day = local_date(moment)
                        until = day + timedelta(days=rng.randint(120, 360))
                        events.append((moment, "suspended", day, officer, unit.id, None,
                                       {"reason": rng.choice(REASONS["suspended"]),
                                        "until": until.isoformat()}))
                    elif status == "transfer_pending":
                        moment = self._between(max(approved, self.now - timedelta(days=30)),
                                               self.now)
                        target = rng.choice(others)
                        events.append((moment, "transfer_requested", local_date(moment),
                                       officer, unit.id, target.id, None))
                        if self.transfer_columns:
                            row["transfer_to_unit_id"] = target.id
                            row["transfer_date"] = local_date(moment)
                    elif status in ENDED_STATUSES:
                        moment = self._between(approved, self.now)
                        reason = rng.choice(REASONS[status])
                        events.append((moment, status, local_date(moment), officer, unit.id,
                                       None, {"reason": reason} if reason else None))
                row["created_at"] = created
                row["updated_at"] = events[-1][0]
                members.append(row)
                histories.append(events)
        # Ids in order of entry, as a live system would have given them.
        order = sorted(range(len(members)), key=lambda i: (members[i]["created_at"], i))
        first_member = max_id(Member) + 1
        ordered_members, all_events, periods, approvals = [], [], [], []
        for new_index, i in enumerate(order):
            row = members[i]
            row["id"] = member_id = first_member + new_index
            ordered_members.append(row)
            for step, (moment, kind, day, actor, from_unit, to_unit, details) in \
                    enumerate(histories[i]):
                all_events.append((moment, member_id, step, kind, day, actor, from_unit,
                                   to_unit, details))
            row["card_number"] = row["card_token"] = None
            if row["status"] in APPROVED_STATUSES:
                all_events.extend(self._card(row, histories[i]))
            if row["status"] in APPROVED_STATUSES:
                ended = row["status"] in ENDED_STATUSES
                periods.append({
                    "member_id": member_id, "unit_id": row["unit_id"],
                    "start_date": row["joined_on"],
                    # as members.approve: joined before the entry, or admitted on entering
                    "start_kind": "registered" if row["joined_on"] < histories[i][0][2]
                    else "admitted",
                    "end_date": histories[i][-1][2] if ended else None,
                    "end_kind": row["status"] if ended else None,
                })
            if self.approval is not None:
                approvals.append(self._approval_row(member_id, histories[i]))
        all_events.sort(key=lambda e: (e[0], e[1], e[2]))
        return ordered_members, all_events, periods, approvals

    def allocate_card_range(self) -> None:
        """A card number range for the demo province, as an Admin allocates at /card_ranges/."""
        taken = set(session().scalars(select(CardRange.prefix)))
        prefix = next(p for p in (CARD_PREFIX, ROOT_CODE, *(f"{CARD_PREFIX}{n}" for n in range(100)))
                      if p not in taken)
        self.card_range = CardRange(unit_id=self.units[0].id, prefix=prefix, start_serial=1,
                                    end_serial=999_999, next_serial=1,
                                    note="Dải số thẻ của dữ liệu mẫu")
        session().add(self.card_range)
        session().flush()
        self.cards: list[dict[str, Any]] = []

    def _card(self, row: dict[str, Any], history: list[tuple]) -> list[tuple]:
        """The card an approved member got on approval (as `members.approve` issues it), revoked
        when the membership ended; its events. The QR image is made when the card is printed."""
        card_range = self.card_range
        number = format_number(card_range.prefix, card_range.next_serial)
        card_range.next_serial += 1
        approved = history[1]
        moment, day, approver = approved[0], approved[2], approved[3]
        card = {"member_id": row["id"], "range_id": card_range.id, "number": number,
                "token": secrets.token_urlsafe(24), "reason": "new", "issued_on": day,
                "issued_at": moment, "issued_by_id": approver, "revoked_on": None,
                "revoked_by_id": None, "revoke_reason": None}
        events = [(moment, row["id"], 1.5, "card_issued", day, approver, None, row["unit_id"],
                   {"number": number, "reason": "new"})]
        if row["status"] in ENDED_STATUSES:
            ended = history[-1]
            card.update(revoked_on=ended[2], revoked_by_id=ended[3], revoke_reason=row["status"])
            # before the leaving event, as `members.leave` writes them
            events.append((ended[0], row["id"], len(history) - 1.25, "card_revoked", ended[2],
                           ended[3], None, None, {"number": number, "reason": row["status"]}))
        else:
            row["card_number"], row["card_token"] = number, card["token"]
        self.cards.append(card)
        return events

    def _approval_row(self, member_id: int, history: list[tuple]) -> dict[str, Any]:
        _model, step, label = self.approval
        created = history[0]
        decided = history[1] if len(history) > 1 else None
        return {
            "member_id": member_id, "round": 1, "position": 0, "step": step, "label": label,
            "role": ROLE_APPROVER, "level": "grassroots", "submitted_by_id": created[3],
            "submitted_at": created[0],
            "decision": decided[1] if decided else None,
            "decided_by_id": decided[3] if decided else None,
            "decided_at": decided[0] if decided else None,
            "note": decided[6]["reason"] if decided and decided[1] == "rejected" else None,
        }

    def insert_members(self, members: list, events: list, periods: list,
                       approvals: list) -> None:
        bulk_insert(Member.__table__, members)
        first_card = max_id(Card) + 1
        for n, row in enumerate(self.cards):
            row["id"] = first_card + n
        bulk_insert(Card.__table__, self.cards)
        first_event = max_id(MemberEvent) + 1
        plain, detailed = [], []
        for n, (moment, member_id, _step, kind, day, actor, from_unit, to_unit, details) in \
                enumerate(events):
            row = {"id": first_event + n, "member_id": member_id, "kind": kind,
                   "effective_date": day, "recorded_at": moment, "actor_id": actor,
                   "from_unit_id": from_unit, "to_unit_id": to_unit}
            if details:  # events without details keep a SQL NULL, not a JSON null
                row["details"] = details
                detailed.append(row)
            else:
                plain.append(row)
        bulk_insert(MemberEvent.__table__, plain)
        bulk_insert(MemberEvent.__table__, detailed)
        first_period = max_id(MembershipPeriod) + 1
        for n, row in enumerate(periods):
            row["id"] = first_period + n
        bulk_insert(MembershipPeriod.__table__, periods)
        if self.approval is not None:
            model = self.approval[0]
            first_approval = max_id(model) + 1
            for n, row in enumerate(approvals):
                row["id"] = first_approval + n
            bulk_insert(model.__table__, approvals)

    def reset_sequences(self) -> None:
        """PostgreSQL: move the id sequences past the ids assigned here."""
        db = session()
        if db.get_bind().dialect.name != "postgresql":
            return
        tables = ["unit", "unit_event", "member", "member_event", "membership_period", "card"]
        if self.approval is not None:
            tables.append(self.approval[0].__tablename__)
        for table in tables:
            db.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT max(id) FROM {table}), 1), "
                f"(SELECT max(id) FROM {table}) IS NOT NULL)"))


def seed_demo(members: int = 3000, seed: int = 2026) -> dict[str, Any]:
    """Build the demo province with `members` fictional members; one transaction.

    Refuses (DemoDataExists) when the demo's units or accounts already exist. Needs the roles
    that `unionadmin db upgrade` creates.
    """
    seeder = _Seeder(members, seed)
    seeder.build_tree()
    codes = [u.code for u in seeder.units]
    usernames = ["tinh.admin", "tinh.xem"] + [f"{u['slug']}.admin" for u in UPPERS] + \
        [f"cdcs{g.number:03d}.canbo" for g in seeder.grassroots]
    _check_empty(codes, usernames)
    db = session()
    try:
        sizes = seeder.size_units()
        seeder.prepare()
        seeder.insert_units()
        seeder.create_accounts()
        seeder.allocate_card_range()
        member_rows, events, periods, approvals = seeder.build_members(sizes)
        seeder.insert_members(member_rows, events, periods, approvals)
        seeder.reset_sequences()
        root = seeder.units[0]
        audit.record("demo.seed", "unit", root.id, root.path,
                     {"members": len(member_rows), "units": len(seeder.units),
                      "accounts": seeder.account_count, "seed": seed})
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return {"units": len(seeder.units), "members": len(member_rows),
            "accounts": seeder.account_count, "password": PASSWORD}
