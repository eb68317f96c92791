"""Every change to a member goes through here: checks, events, periods, audit, hooks.

Views, the API, imports, the CLI and plugins call these functions; none of them checks or
writes members on its own. This module is the facade; the rules live beside it:

- `record.py`: reading a member in scope, entering and editing one, its events and audit rows;
- `duplicates.py`: one live member per identity number (one member, or an import batch);
- `steps.py`: the approval steps a submission opens; `approval.py`: deciding them;
- `actions.py`: what every lifecycle action shares (states, checks, the commit and hooks);
- `transfers.py`: transfers between grassroots unions; `lifecycle.py`: suspension, leaving,
  readmission; the card actions are in `cards/services.py`.
"""

from __future__ import annotations

from collections.abc import Callable

from unionadmin.core.cards.services import issue_card, revoke_card
from unionadmin.core.members.actions import (
    ACTION_STATES,
    LEAVE_KINDS,
    MAX_SUSPENSION_MONTHS,
    RECEIVER_ACTIONS,
    available_actions,
)
from unionadmin.core.members.approval import approve, can_decide, reject, resubmit
from unionadmin.core.members.duplicates import HOLDERS_CHUNK, Holder, duplicate_error, registered_holders
from unionadmin.core.members.lifecycle import leave, readmit, reinstate, suspend
from unionadmin.core.members.models import FIELDS, Member
from unionadmin.core.members.record import (
    PERSONAL,
    batch_checks,
    check_unit,
    create,
    events_of,
    get,
    get_owned,
    is_owner,
    notify,
    owned_clause,
    record_event,
    update,
    values_of,
)
from unionadmin.core.members.steps import CORE_LABEL, CORE_STEP, approval_steps, step_label, submission_rows
from unionadmin.core.members.transfers import accept_transfer, cancel_transfer, refuse_transfer, transfer

#: The card action under the name ACTIONS gives it.
card = issue_card

#: The actions as the API and pages name them.
ACTIONS: dict[str, Callable[..., Member]] = {
    "approve": approve, "reject": reject, "resubmit": resubmit, "transfer": transfer,
    "cancel_transfer": cancel_transfer, "accept_transfer": accept_transfer,
    "refuse_transfer": refuse_transfer, "suspend": suspend, "reinstate": reinstate,
    "leave": leave, "readmit": readmit, "card": card, "revoke_card": revoke_card,
}

__all__ = [
    "ACTIONS", "ACTION_STATES", "CORE_LABEL", "CORE_STEP", "FIELDS", "HOLDERS_CHUNK", "LEAVE_KINDS",
    "MAX_SUSPENSION_MONTHS", "PERSONAL", "RECEIVER_ACTIONS", "Holder",
    "accept_transfer", "approval_steps", "approve", "available_actions", "batch_checks",
    "can_decide", "cancel_transfer", "card", "check_unit", "create", "duplicate_error",
    "events_of", "get", "get_owned", "is_owner", "leave", "notify", "owned_clause", "readmit",
    "record_event", "refuse_transfer", "registered_holders", "reinstate", "reject", "resubmit",
    "revoke_card", "step_label", "submission_rows", "suspend", "transfer", "update", "values_of",
]
