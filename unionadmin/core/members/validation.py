"""Checks of every member write (form, API, import): one place, Vietnamese messages per field.

`clean()` takes the submitted values, normalises them (NFC names, digits-only numbers, canonical
ethnicity) and returns them, or raises `ValidationError` listing every field that is wrong.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import Any

from flask_babel import gettext as _

from unionadmin.core.db import today
from unionadmin.core.errors import FieldErrors
from unionadmin.core.members.models import GENDERS, ID_TYPES, Member
from unionadmin.core.refdata import ethnicity_name, ethnicity_names, provinces
from unionadmin.core.schemas import check_lengths
from unionadmin.core.text import fold, nfc

REQUIRED = ("full_name", "date_of_birth", "gender", "citizen_id", "joined_on", "unit_id")
TEXT_FIELDS = {
    "religion": 64, "hometown": 255, "address": 500, "education_level": 64,
    "qualification": 128, "occupation": 128, "union_position": 128,
}
MIN_AGE_AT_JOINING = 15
MIN_BIRTH_YEAR = 1900

_NAME = re.compile(r"^[^\W\d_]+(?:[ -][^\W\d_]+)*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PASSPORT = re.compile(r"^[A-Z0-9]{6,12}$")
# Compiled once: an import runs these for every row.
_SEPARATORS = re.compile(r"[\s.]")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_CCCD = re.compile(r"\d{12}")
_OLD_ID = re.compile(r"\d{9}|\d{12}")
_PHONE = re.compile(r"0\d{9}")


def _years_between(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _digits(value: Any) -> str:
    return _SEPARATORS.sub("", str(value or ""))


#: Names in common use that differ from the statistics office's spelling (folded, no separators).
_ETHNICITY_ALIASES = {"khmer": "Khơ-me", "hmong": "Mông", "meo": "Mông", "ede": "Ê-đê",
                      "jarai": "Gia-rai", "bahnar": "Ba-na", "sedang": "Xơ-đăng"}


def clean_ethnicity(value: Any) -> str | None:
    """One of the 54 groups by name (any case, with or without diacritics, hyphens or spaces,
    or a common alias) or by its two-digit code ("1" and "01" are both Kinh)."""
    text = str(value).strip()
    if isinstance(value, int) and not isinstance(value, bool):
        text = f"{value:02d}"
    return _ethnicity_of(text)


@lru_cache(maxsize=1024)  # the list is fixed; an import asks for the same few names per row
def _ethnicity_of(text: str) -> str | None:
    name = ethnicity_name(text)
    if name is not None:
        return name
    key = re.sub(r"[\s'\-]", "", fold(text))
    matches = [n for n in ethnicity_names() if re.sub(r"[\s'\-]", "", fold(n)) == key]
    if len(matches) == 1:
        return matches[0]
    return _ETHNICITY_ALIASES.get(key)


def clean_name(value: Any, errors: FieldErrors) -> str | None:
    name = nfc(str(value or ""))
    if not name:
        return None
    if not 2 <= len(name) <= 100:
        errors.add("full_name", _("Full name must be 2 to 100 characters long."))
    elif not _NAME.match(name):
        errors.add("full_name", _("Full name may contain only letters, spaces and hyphens."))
    return name


def check_cccd(number: str, born: date | None, gender: str | None, errors: FieldErrors,
               field: str = "citizen_id") -> None:
    """12 digits: province code, century-and-gender digit, birth year (shared/data/README.md)."""
    if not _CCCD.fullmatch(number):
        errors.add(field, _("A citizen ID card number has exactly 12 digits."))
        return
    if number[:3] not in provinces():
        errors.add(field, _("The first three digits of the citizen ID are not a province code."))
    if born is None or gender not in GENDERS:
        return
    century = (born.year // 100) - 19  # 1900s -> 0, 2000s -> 1, 2100s -> 2
    if not 0 <= century <= 4:
        return
    expected = str(century * 2 + (1 if gender == "female" else 0))
    if number[3] != expected:
        errors.add(field, _("The 4th digit of the citizen ID does not match the gender and "
                            "century of birth (expected %(digit)s).", digit=expected))
    if number[4:6] != f"{born.year % 100:02d}":
        errors.add(field, _("Digits 5-6 of the citizen ID must be the last two digits of the "
                            "year of birth (%(year)s).", year=f"{born.year % 100:02d}"))


def clean_identity(data: dict[str, Any], errors: FieldErrors) -> None:
    id_type = (data.get("id_type") or "cccd").strip().lower()
    if id_type not in ID_TYPES:
        errors.add("id_type", _("Unknown type of identity document."))
        return
    data["id_type"] = id_type
    raw = data.get("citizen_id")
    if raw in (None, ""):
        return
    number = _digits(raw).upper()
    data["citizen_id"] = number
    if id_type == "cccd":
        check_cccd(number, data.get("date_of_birth"), data.get("gender"), errors)
    elif id_type == "cmnd":
        if not _OLD_ID.fullmatch(number):
            errors.add("citizen_id", _("An old identity card number has 9 or 12 digits."))
    elif not _PASSPORT.match(number):
        errors.add("citizen_id", _("A passport number has 6 to 12 letters and digits."))
    old = _digits(data.get("old_id_number"))
    data["old_id_number"] = old or None
    if old and not _OLD_ID.fullmatch(old):
        errors.add("old_id_number", _("An old identity card number has 9 or 12 digits."))
    elif old and old == number:
        errors.add("old_id_number", _("The old ID number is the same as the current one."))


def clean_dates(data: dict[str, Any], errors: FieldErrors) -> None:
    born, joined, now = data.get("date_of_birth"), data.get("joined_on"), today()
    if born and born > now:
        errors.add("date_of_birth", _("Date of birth cannot be in the future."))
    elif born and born.year < MIN_BIRTH_YEAR:
        # Also where the citizen-ID check stops: its century digit starts at 1900.
        errors.add("date_of_birth", _("Year of birth cannot be before %(year)s.",
                                      year=MIN_BIRTH_YEAR))
    if joined and joined > now:
        errors.add("joined_on", _("Date of joining cannot be in the future."))
    if born and joined and _years_between(born, joined) < MIN_AGE_AT_JOINING:
        errors.add("joined_on", _("A member must be at least %(age)s years old on the date of "
                                  "joining the union.", age=MIN_AGE_AT_JOINING))


def clean_contact(data: dict[str, Any], errors: FieldErrors) -> None:
    phone = data.get("phone")
    if phone:
        digits = _PHONE_SEPARATORS.sub("", str(phone))
        if digits.startswith("+84"):
            digits = "0" + digits[3:]
        elif digits.startswith("84") and len(digits) == 11:
            digits = "0" + digits[2:]
        if not _PHONE.fullmatch(digits):
            errors.add("phone", _("Phone number must be 10 digits starting with 0, or +84."))
        data["phone"] = digits
    else:
        data["phone"] = None
    email = (data.get("email") or "").strip()
    data["email"] = email or None
    if email and not _EMAIL.match(email):
        errors.add("email", _("This e-mail address is not valid."))


def clean(data: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Normalise and check a member's values; raise ValidationError naming every bad field.

    With `partial`, only the given fields are checked for presence (an edit that merged the
    stored values already supplies the rest).
    """
    data = dict(data)
    errors = FieldErrors()
    if "full_name" in data:
        data["full_name"] = clean_name(data.get("full_name"), errors)
    for field in REQUIRED:
        if (not partial or field in data) and data.get(field) in (None, ""):
            if field not in errors:
                errors.add(field, _("This field is required."))
    if data.get("gender") and data["gender"] not in GENDERS:
        errors.add("gender", _("Gender must be male or female."))
    if data.get("ethnicity"):
        name = clean_ethnicity(data["ethnicity"])
        if name is None:
            errors.add("ethnicity", _("Unknown ethnic group."))
        data["ethnicity"] = name
    for field, length in TEXT_FIELDS.items():
        if field in data:
            value = nfc(str(data[field])) if data[field] not in (None, "") else None
            if value and len(value) > length:
                errors.add(field, _("At most %(n)s characters.", n=length))
            data[field] = value
    if "party_member" in data:
        data["party_member"] = bool(data["party_member"])
    clean_dates(data, errors)
    clean_identity(data, errors)
    clean_contact(data, errors)
    check_lengths(Member, data, errors)
    errors.raise_if_any()
    return data
