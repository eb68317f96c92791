"""The demo's people: names, birth dates, identity numbers, phones and working-hours moments,
drawn with the seeder's random generator from the tables in `data`."""

from __future__ import annotations

import bisect
import itertools
import math
import random
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from unionadmin.core.db import session
from unionadmin.core.demo.data import (
    BIRTH_PROVINCES,
    ETHNIC_GROUPS,
    FAMILY_NAMES,
    GIVEN_NAMES,
    MIDDLE_NAMES,
    OCCUPATIONS,
    PHONE_PREFIXES,
    PLACES,
    PROVINCE_SUFFIX,
    QUALIFICATIONS,
    RELIGIONS,
    SECOND_MIDDLE,
    STATUS_SHARES,
)
from unionadmin.core.demo.tree import DemoUnit
from unionadmin.core.members.models import CLOSED_STATUSES, Member
from unionadmin.core.refdata import ethnicities, provinces
from unionadmin.core.text import fold, sort_key

VN_OFFSET = timedelta(hours=7)  # Asia/Ho_Chi_Minh has no daylight saving time
ROLLOUT_WEEKS = 104


class Picker:
    """Weighted choice with precomputed cumulative weights (fast in a loop)."""

    def __init__(self, rng: random.Random, weights: dict[Any, float]) -> None:
        self.rng = rng
        self.items = list(weights)
        self.cum = list(itertools.accumulate(weights.values()))
        self.total = self.cum[-1]

    def __call__(self) -> Any:
        return self.items[bisect.bisect_right(self.cum, self.rng.random() * self.total)]


def local_date(moment: datetime) -> date:
    return (moment + VN_OFFSET).date()


class People:
    """The seeder's part that makes people (a mixin of `seeder._Seeder`: it reads the seeder's
    `rng`, `today`, `now` and `rollout_start`)."""

    rng: random.Random
    today: date
    now: datetime
    rollout_start: datetime

    def person_name(self) -> tuple[str, str, str]:
        """(gender, family and middle names, given name)."""
        rng = self.rng
        gender = "female" if rng.random() < 0.55 else "male"
        return gender, f"{self.family()} {self.middle[gender]()}", rng.choice(GIVEN_NAMES[gender])

    def prepare(self) -> None:
        """Weighted pickers, serial-number permutations, and the numbers already taken."""
        rng = self.rng
        self.family = Picker(rng, FAMILY_NAMES)
        self.middle = {g: Picker(rng, w) for g, w in MIDDLE_NAMES.items()}
        names = ethnicities()
        self.ethnic = Picker(rng, {(names[c], tuple(p) if p else None): w
                                    for c, w, p in ETHNIC_GROUPS})
        known = provinces()
        self.birth_province = Picker(rng, {c: w for c, w in BIRTH_PROVINCES.items()
                                            if c in known})
        self.province_names = {c: row["name"] for c, row in known.items()}
        self.religion = Picker(rng, RELIGIONS)
        self.status = Picker(rng, STATUS_SHARES)
        self.occupation = {k: Picker(rng, w) for k, w in OCCUPATIONS.items()}
        self.qualification = {k: Picker(rng, w) for k, w in QUALIFICATIONS.items()}
        weeks = {}
        for k in range(ROLLOUT_WEEKS):  # roll-out: busiest lately, a thin tail before
            weeks[k] = [8, 7.5, 7, 6.5, 6, 5.5, 5, 4.5][k] if k < 8 else \
                1.6 * math.exp(-(k - 8) / 24)
        self.week = Picker(rng, weeks)
        self.recent_week = Picker(rng, {k: weeks[k] for k in range(8)})
        # Serial numbers: a permutation of 0..999999 per prefix, so numbers never repeat.
        self.serial_mul = rng.randrange(1, 1_000_000, 2)
        while self.serial_mul % 5 == 0:
            self.serial_mul = rng.randrange(1, 1_000_000, 2)
        self.serial_add = rng.randrange(1_000_000)
        self.serial_next: dict[str, int] = {}
        self.old_id_next = itertools.count(rng.randrange(1_000_000))
        self.phones: set[str] = set()
        self.name_cache: dict[str, tuple[str, str]] = {}
        self.taken_ids: set[str] = set()
        if session().scalar(select(func.count()).select_from(Member)):
            live = Member.status.not_in(CLOSED_STATUSES)
            self.taken_ids = set(session().scalars(select(Member.citizen_id).where(live)))
            self.taken_ids |= set(session().scalars(
                select(Member.old_id_number).where(live, Member.old_id_number.is_not(None))))

    def _moment(self, week: int) -> datetime:
        """A working-hours moment (stored as naive UTC) in the given week before now."""
        rng = self.rng
        day = self.today - timedelta(days=7 * week + rng.randrange(7))
        if day.weekday() == 6:
            day -= timedelta(days=1)
        local = datetime.combine(day, time(7, 30)) + timedelta(seconds=rng.randrange(36_000))
        moment = local - VN_OFFSET
        fallback = self.now - timedelta(seconds=rng.randrange(60, 4 * 3600))
        if moment > self.now - timedelta(minutes=1):  # later today: not in the future
            moment = fallback
        return max(moment, self.rollout_start)

    def _between(self, start: datetime, end: datetime) -> datetime:
        if end <= start:
            return start
        return start + timedelta(seconds=int((end - start).total_seconds() * self.rng.random()))

    def _citizen_id(self, province: str, born: date, gender: str) -> str:
        digit = (born.year // 100 - 19) * 2 + (1 if gender == "female" else 0)
        prefix = f"{province}{digit}{born.year % 100:02d}"
        while True:
            n = self.serial_next.get(prefix, 0)
            if n >= 1_000_000:
                raise RuntimeError(f"No citizen ID serials left for prefix {prefix}.")
            self.serial_next[prefix] = n + 1
            shift = self.serial_add + int(prefix) * 7_919
            number = f"{prefix}{(self.serial_mul * (n + shift)) % 1_000_000:06d}"
            if number not in self.taken_ids:
                return number

    def _old_id(self) -> str:
        while True:
            number = f"27{(next(self.old_id_next) * 7_654_321) % 10_000_000:07d}"
            if number not in self.taken_ids:
                self.taken_ids.add(number)
                return number

    def _phone(self) -> str:
        rng = self.rng
        while True:
            phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10_000_000):07d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def _names(self, full_name: str) -> tuple[str, str]:
        cached = self.name_cache.get(full_name)
        if cached is None:
            cached = self.name_cache[full_name] = (fold(full_name), sort_key(full_name))
        return cached

    def _person(self, unit: DemoUnit) -> dict[str, Any]:
        rng = self.rng
        grassroots = unit.grassroots
        gender = "female" if rng.random() < grassroots.female else "male"
        middle = self.middle[gender]()
        if rng.random() < 0.12:
            second = rng.choice(SECOND_MIDDLE[gender])
            if second != middle:
                middle = f"{middle} {second}"
        full_name = f"{self.family()} {middle} {rng.choice(GIVEN_NAMES[gender])}"
        age = rng.triangular(18, 60, 27 if grassroots.kind not in ("school", "hospital") else 38)
        born = self.today - timedelta(days=min(21_900, max(6_600, int(age * 365.25))))
        ethnicity, places = self.ethnic()
        province = rng.choice(places) if places else self.birth_province()
        religion = self.religion()
        if ethnicity != "Kinh" and religion == "Công giáo" and rng.random() < 0.7:
            religion = None
        kind = grassroots.kind
        qual_kind = kind if kind in ("school", "hospital", "office") else "worker"
        party_rate = 0.3 if grassroots.sector == "state" else 0.03
        search_name, key = self._names(full_name)
        return {
            "full_name": full_name, "search_name": search_name, "sort_key": key,
            "date_of_birth": born, "gender": gender, "ethnicity": ethnicity,
            "religion": religion, "id_type": "cccd",
            "citizen_id": self._citizen_id(province, born, gender),
            "old_id_number": self._old_id() if province == "075" and born.year < 1992
            and rng.random() < 0.25 else None,
            "phone": self._phone() if rng.random() < 0.92 else None,
            "email": None,
            "hometown": self.province_names[province] if rng.random() < 0.85 else None,
            "address": (f"Tổ {rng.randint(1, 30)}, {rng.choice(PLACES)}{PROVINCE_SUFFIX}"
                        if rng.random() < 0.8 else None),
            "education_level": "12/12" if rng.random() < 0.78 or qual_kind != "worker"
            else "9/12",
            "qualification": self.qualification[qual_kind](),
            "occupation": self.occupation[kind]() if rng.random() < 0.9 else None,
            "union_position": None,
            "party_member": rng.random() < party_rate,
            "unit_id": unit.id,
        }
