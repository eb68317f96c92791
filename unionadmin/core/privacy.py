"""Personal data in lists and exports: who sees citizen ID and phone in full (one rule).

Officers and above see them (they enter and check them); Viewers see them masked
(075******234) in lists, member pages, API answers and exports.
"""

from __future__ import annotations

from typing import Any

from unionadmin.core.abilities import can_see_personal_data
from unionadmin.core.actor import Actor
from unionadmin.core.text import mask

#: Member fields masked for roles that need not see them.
PERSONAL_FIELDS = ("citizen_id", "old_id_number", "phone")
#: Who sees them in full: `abilities.can_see_personal_data` (kept under this name for callers).
sees_personal_data = can_see_personal_data


def shown(field: str, value: Any, actor: Actor | None = None) -> Any:
    """The value as this actor may see it."""
    if field in PERSONAL_FIELDS and isinstance(value, str) and not sees_personal_data(actor):
        return mask(value)
    return value


def mask_record(values: dict[str, Any], actor: Actor | None = None) -> dict[str, Any]:
    """A dumped member with its personal numbers masked where the actor's role requires."""
    if sees_personal_data(actor):
        return values
    return {k: (mask(v) if k in PERSONAL_FIELDS and isinstance(v, str) else v)
            for k, v in values.items()}
