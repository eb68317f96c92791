"""Card numbers: prefix + serial + check digit.

* prefix: 1-8 upper-case letters or digits, allocated by the central level (e.g. "75", "DN");
* serial: `SERIAL_DIGITS` digits, zero-padded;
* check digit: the Luhn (mod 10) check digit computed over the prefix and serial, letters first
  expanded to two digits as in IBAN (A=10 ... Z=35). It catches every single-character error and
  most swaps of adjacent digits, and is what most card readers already know.

Prefixes are unique, and every number has the same serial width, so two ranges can never
produce the same number (equal lengths imply equal prefix lengths, hence different prefixes).
"""

from __future__ import annotations

import re

from sqlalchemy import select, update

from unionadmin.core.cards.models import CardRange
from unionadmin.core.db import session

SERIAL_DIGITS = 7
MAX_SERIAL = 10**SERIAL_DIGITS - 1
PREFIX = re.compile(r"^[A-Z0-9]{1,8}$")
NUMBER = re.compile(rf"^([A-Z0-9]{{1,8}})(\d{{{SERIAL_DIGITS}}})(\d)$")


def _expand(text: str) -> str:
    """Letters as two digits (A=10 ... Z=35), digits unchanged."""
    return "".join(str(int(ch, 36)) for ch in text)


def luhn_digit(payload: str) -> str:
    """The Luhn check digit of `payload` (letters and digits)."""
    total = 0
    for i, ch in enumerate(reversed(_expand(payload))):
        d = int(ch)
        if i % 2 == 0:  # doubled: every second digit counting from the check digit's left
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def format_number(prefix: str, serial: int) -> str:
    payload = f"{prefix}{serial:0{SERIAL_DIGITS}d}"
    return payload + luhn_digit(payload)


def is_valid(number: str) -> bool:
    """Whether `number` has the card number format and a correct check digit."""
    match = NUMBER.match(number or "")
    return bool(match) and luhn_digit(number[:-1]) == number[-1]


def take_serial(range_id: int) -> int | None:
    """Atomically take the next serial of a range (None when it is used up).

    One UPDATE ... RETURNING: concurrent issues never get the same serial on either database.
    """
    new_next = session().execute(
        update(CardRange)
        .where(CardRange.id == range_id, CardRange.next_serial <= CardRange.end_serial)
        .values(next_serial=CardRange.next_serial + 1)
        .returning(CardRange.next_serial)
        .execution_options(synchronize_session=False)
    ).scalar()
    return None if new_next is None else new_next - 1


def ranges_of(unit_id: int) -> list[int]:
    """Ids of a unit's ranges that still have serials, oldest first."""
    return list(session().scalars(
        select(CardRange.id).where(CardRange.unit_id == unit_id,
                                   CardRange.next_serial <= CardRange.end_serial)
        .order_by(CardRange.id)))
