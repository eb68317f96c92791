"""The framework patches (unionadmin/core/fab_compat.py): pinned to the FAB code they replace,
applied once, and each still doing its job.

When FAB is upgraded, `test_patched_fab_code_is_the_pinned_one` fails: read each changed method in
the new FAB, adapt (or drop) the patch, then record the new hashes and version here.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
from importlib.metadata import version

import pytest
from flask_babel import LazyString
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from tests.helpers import ADMIN_PASSWORD, api_headers, csrf_token, web_login
from unionadmin.core import fab_compat

#: sha256 (first 16 hex digits) of the source of FAB 5.3.0's code each patch replaces or relies
#: on (for `jsonschema` and `prison`: FAB's `rison` decorator, which calls them).
PINNED = {
    "flask_appbuilder.api.BaseApi.operation_helper": "afd7ed8ab797b1ca",
    "flask_appbuilder.api.BaseApi.response_400": "e2dd30c023a238c2",
    "flask_appbuilder.api.BaseApi.response_401": "efea6fe8f24fe6de",
    "flask_appbuilder.api.BaseApi.response_403": "0277cfcea4670d43",
    "flask_appbuilder.api.BaseApi.response_404": "4d2bc09b6fcf648d",
    "flask_appbuilder.api.BaseApi.response_500": "c7b03c933d2fb315",
    "flask_appbuilder.api.jsonschema": "a6a3f3a472b84755",
    "flask_appbuilder.api.prison": "a6a3f3a472b84755",
    "flask_appbuilder.baseviews.BaseView._prettify_column": "08a3ec42352dbf65",
    "flask_appbuilder.models.filters.Filters.add_filter_index": "bed152217e0a8ea2",
    "flask_appbuilder.views.ModelView.get_action_permission_name": "37e1363d1a44e57e",
}


def _digest(obj) -> str:
    return hashlib.sha256(inspect.getsource(obj).encode()).hexdigest()[:16]


def _current(key: str):
    """What `key` ("module.Class.attr" or "module.attr") names now: the patched object."""
    parts = key.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise LookupError(key)


def test_fab_is_the_pinned_release(app) -> None:
    major_minor = ".".join(version("flask-appbuilder").split(".")[:2])
    assert major_minor == fab_compat.FAB_VERSION, (
        "FAB changed: check every patch in unionadmin/core/fab_compat.py against it")


def test_patched_fab_code_is_the_pinned_one(app) -> None:
    kept = fab_compat.originals()
    assert set(kept) == set(PINNED), "a patch was added or removed: record its FAB code here"
    changed = [key for key, obj in kept.items() if _digest(obj) != PINNED[key]]
    assert not changed, f"FAB's code under these patches changed: {changed}"


def test_apply_is_idempotent(app) -> None:
    before = {key: _current(key) for key in PINNED}
    originals = fab_compat.originals()
    fab_compat.apply()
    fab_compat.apply()
    assert {key: _current(key) for key in PINNED} == before
    assert fab_compat.originals() == originals
    assert all(before[key] is not originals[key] for key in PINNED
               if not key.endswith(("jsonschema", "prison")))
    assert event.contains(Engine, "connect", fab_compat._sqlite_pragmas)


# -- what each patch gives (others are covered where named) ---------------------------------------

def test_unknown_action_on_a_fab_view_is_404(app) -> None:
    """unknown_action_is_404 (our own views: tests/test_security.py's URL-map test)."""
    client = app.test_client()
    assert web_login(client, "admin", ADMIN_PASSWORD).status_code == 302
    token = csrf_token(client.get("/roles/list/").get_data(as_text=True))
    resp = client.post("/roles/action/nosuch/1", data={"csrf_token": token})
    assert resp.status_code == 404


def test_generated_labels_go_through_the_catalogue(app) -> None:
    """translated_column_labels: FAB's own views get gettext'd labels for unlabelled columns."""
    views = {type(v).__name__: v for v in app.appbuilder.baseviews}
    assert isinstance(views["PermissionModelView"].label_columns["id"], LazyString)


# checked_list_filters: tests/hostile/test_bad_input.py::test_bad_web_list_filters_are_not_500.
# documented_path_parameters:
#     tests/hostile/test_bad_input.py::test_openapi_declares_every_path_parameter.
# safe_rison_parser: tests/hostile/test_bad_input.py::test_bad_list_arguments_are_400 ("(((").


@pytest.mark.parametrize("path, status, message", [
    ("/api/v1/member/", 401, "Vui lòng đăng nhập."),
])
def test_api_errors_are_in_vietnamese(client, path, status, message) -> None:
    """translated_api_errors (without a token)."""
    resp = client.get(path)
    assert resp.status_code == status
    assert resp.json["message"] == message


def test_api_errors_with_a_token_are_in_vietnamese(app, client) -> None:
    """translated_api_errors and cached_json_schemas: a `q` the schema refuses is still refused
    (400 naming q), an unknown id is 404, both in Vietnamese."""
    headers = api_headers(client, "admin", ADMIN_PASSWORD)
    resp = client.get("/api/v1/member/?q=(page:x)", headers=headers)
    assert resp.status_code == 400
    assert resp.json["message"].startswith("Tham số q không hợp lệ")
    resp = client.get("/api/v1/member/2147483000", headers=headers)
    assert resp.status_code == 404
    assert resp.json["message"] == "Không tìm thấy."
    resp = client.get("/api/v1/member/?q=(((", headers=headers)
    assert resp.status_code == 400


def test_sqlite_connections_enforce_foreign_keys(app) -> None:
    """sqlite_pragmas."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            session = app.appbuilder.session
            assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            session.rollback()


def test_cli_has_no_entry_point_commands(tmp_path) -> None:
    """unionadmin/cli.py sets FlaskGroup's private `_loaded_plugin_commands` (Flask 3.1 has no
    public switch): Flask-Limiter's `limiter` entry point stays out, our own commands are in."""
    from click.testing import CliRunner

    from unionadmin.cli import main

    env = {"UNIONADMIN_INSTANCE_PATH": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path}/cli.db"}
    runner = CliRunner(env=env)
    assert "No such command" in runner.invoke(main, ["limiter", "--help"]).output
    assert "recount" in runner.invoke(main, ["db", "--help"]).output
