"""Commands that act as an account (`--as USERNAME`) resolve it the same way: an unknown or
disabled account is refused by name before anything runs."""

from __future__ import annotations

import pytest

from tests.helpers import make_user
from unionadmin.core.cards.cli import cards_command
from unionadmin.core.imports.cli import import_members
from unionadmin.core.reports.cli import report


def _disable(app, user_id: int) -> None:
    with app.app_context():
        user = app.appbuilder.sm.get_user_by_id(user_id)
        user.active = False
        app.appbuilder.sm.session.commit()


@pytest.fixture
def commands(tmp_path, tree):
    workbook = tmp_path / "m.xlsx"
    workbook.write_bytes(b"not read: the account is refused first")
    unit = tree["G1"].code
    return {"cards": (cards_command, [str(tmp_path / "cards.pdf"), "--unit", unit]),
            "import-members": (import_members, [str(workbook), "--unit", unit, "--dry-run"]),
            "report": (report, ["progress", "--unit", unit])}


@pytest.mark.parametrize("name", ["cards", "import-members", "report"])
def test_unknown_or_disabled_account_is_refused(app, tree, commands, name):
    command, args = commands[name]
    runner = app.test_cli_runner()
    unknown = runner.invoke(command, [*args, "--as", "no-such-account"])
    assert unknown.exit_code == 1
    assert "No active account named 'no-such-account'." in unknown.output
    officer = make_user(app, tree["G1"], "Officer")
    _disable(app, officer.id)
    disabled = runner.invoke(command, [*args, "--as", officer.username])
    assert disabled.exit_code == 1
    assert f"No active account named '{officer.username}'." in disabled.output
