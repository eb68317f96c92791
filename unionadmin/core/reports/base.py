"""What a report is (`Report`) and what its `run` receives (`Params`).

Apart from the registry so that each report module can declare its `REPORT` without importing the
registry, which imports every core report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from unionadmin.core.units.models import Unit


@dataclass
class Params:
    """Parsed, scope-checked parameters handed to a report's `run`."""

    unit: Unit
    date_from: date
    date_to: date
    status: str | None = None
    columns: list[str] | None = None
    page: int = 0
    page_size: int = 25
    #: False for file exports: list reports then give every row (up to `max_rows`), not a page.
    paged: bool = True
    max_rows: int = 100_000
    extra: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"unit_id": self.unit.id, "date_from": self.date_from.isoformat(),
                                "date_to": self.date_to.isoformat()}
        if self.status:
            data["status"] = self.status
        if self.columns:
            data["columns"] = self.columns
        return data


@dataclass
class Report:
    name: str
    title: Any
    run: Callable[[Params], Mapping[str, Any]]
    params: tuple[str, ...] = ("unit_id",)
    description: Any = ""
    #: "aggregate": a row per child unit and totals; "list": rows of records, paged.
    kind: str = "aggregate"
    plugin: str | None = None
    #: Columns a list report lets the user choose: name -> label.
    column_choices: dict[str, Any] | None = None
    #: The units it is offered for, a function of a Unit (None: every unit; plugins/applies.py).
    applies_to: Callable[[Unit], Any] | None = None
