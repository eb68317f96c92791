"""The demo data set: a province modelled on Đồng Nai, with fictional members and accounts.

`seed_demo()` builds the unit tree (province, upper-level unions, about forty grassroots unions
of very different sizes, a few departments and groups), accounts (a Unit Admin and a Viewer for
the province, a Unit Admin and an Approver per upper-level union, an Officer for most grassroots
unions, all with the password `PASSWORD`), and the requested number of members with
consistent history: a `created` event for every record (the roll-out of the last two years,
busiest in the last weeks), then `approved`, `suspended`, `transfer_requested`, `rejected`,
`left`, `expelled` or `deceased` events and membership periods as each member's status
requires. It refuses (`DemoDataExists`) to run twice on one database.

Everything is written in one transaction with bulk inserts and ids assigned here, so 100,000
members take well under a minute. Bulk inserts bypass ORM events: the derived columns
(`search_name`, `sort_key`, unit paths and keys) are computed here as the services compute them.
People, phone numbers and identity numbers are invented; the citizen IDs follow the structure
in shared/data/README.md and are unique.

The package: `data` (the tree's unions and the names and places people are drawn from),
`tree` (the units), `people` (names, identity numbers, phones), `seeder` (accounts, members
and their history, cards; `seed_demo`).
"""

from unionadmin.core.demo.data import PASSWORD
from unionadmin.core.demo.seeder import DemoDataExists, seed_demo

__all__ = ["PASSWORD", "DemoDataExists", "seed_demo"]
