"""`/api/v1/member/import...` and `/api/v1/member/export` (docs/api.md#imports-and-jobs).

A resource of its own (not MemberApi) under the member URL prefix: its permissions are
`can_import` and `can_export` on `MemberImportApi`.
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable

import prison
from flask import Response, request, stream_with_context
from flask_appbuilder.api import BaseApi, expose, safe
from flask_appbuilder.security.decorators import permission_name, protect
from flask_babel import gettext as _
from flask_jwt_extended import verify_jwt_in_request

from unionadmin.core.api import BadRequest, service_errors
from unionadmin.core.errors import ValidationError
from unionadmin.core.imports import columns, services
from unionadmin.core.imports.export import export as export_members
from unionadmin.core.members import search
from unionadmin.core.members.filters import member_clauses

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(data_or_file, filename: str) -> Response:
    """An xlsx download; a spooled file is streamed in chunks."""
    headers = {"Content-Disposition": f'attachment; filename="{filename}"',
               "Cache-Control": "no-store"}
    if isinstance(data_or_file, bytes):
        return Response(data_or_file, mimetype=XLSX, headers=headers)

    def chunks():
        with data_or_file:
            data_or_file.seek(0)
            while block := data_or_file.read(256 * 1024):
                yield block

    return Response(stream_with_context(chunks()), mimetype=XLSX, headers=headers)


def bearer_or_session(func: Callable) -> Callable:
    """The job page polls with the session cookie, integrators call with a token: FAB's
    `allow_browser_login` skips the JWT (and so `g.user`) when a token is sent, so load it."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if request.headers.get("Authorization", "").startswith("Bearer "):
            verify_jwt_in_request(optional=True)
        return func(*args, **kwargs)

    return wrapper


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def read_upload() -> tuple[bytes, str]:
    """The uploaded file's bytes (refused early when the request announces too much)."""
    limit = services.max_mb() * 1024 * 1024
    services.check_upload_size(request.content_length)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationError.single("file", _("Choose an Excel file (.xlsx) to upload."))
    data = upload.read(limit + 1)
    return data, upload.filename


def _unit_id(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def export_clauses(args) -> list:
    """The member list API's filters (Rison `q`, read by the same table as the list:
    members/filters.py), plus `search` (the quick search)."""
    clauses = []
    q = args.get("q")
    if q:
        try:
            filters = prison.loads(q).get("filters", [])
        except Exception:  # noqa: BLE001 - any Rison error is bad input
            raise ValidationError.single("q", _("Bad value for filter %(col)s.", col="q")) from None
        try:
            clauses.extend(member_clauses(filters))
        except BadRequest as exc:
            raise ValidationError.single("q", str(exc)) from None
    text = (args.get("search") or "").strip()
    if len(text) >= search.MIN_QUERY:
        clauses.append(search.quick_search(text))
    return clauses


class MemberImportApi(BaseApi):
    resource_name = "member_import"
    route_base = "/api/v1/member"
    openapi_spec_tag = "Member import and export"
    allow_browser_login = True

    @expose("/import_template", methods=["GET"])
    @bearer_or_session
    @protect()
    @safe
    @permission_name("import")
    def import_template(self):
        """The import template (xlsx).
        ---
        get:
          responses:
            200:
              description: The template
        """
        return xlsx_response(columns.template_bytes(), "mau-nhap-doan-vien.xlsx")

    @expose("/import", methods=["POST"])
    @bearer_or_session
    @protect()
    @safe
    @permission_name("import")
    @service_errors
    def start_import(self):
        """Upload a workbook (multipart `file`, `unit_id`, `dry_run`) and start the import job.
        ---
        post:
          responses:
            200:
              description: The job
            422:
              $ref: '#/components/responses/422'
        """
        data, filename = read_upload()
        job = services.start_import(data, filename, _unit_id(request.form.get("unit_id")),
                                    dry_run=_flag(request.form.get("dry_run")))
        return self.response(200, **services.job_state(job))

    @expose("/import/<int:job_id>", methods=["GET"])
    @bearer_or_session
    @protect()
    @safe
    @permission_name("import")
    @service_errors
    def job(self, job_id: int):
        """The import job's progress, counts and bad rows.
        ---
        get:
          parameters:
          - in: path
            name: job_id
            schema:
              type: integer
          responses:
            200:
              description: The job
            404:
              $ref: '#/components/responses/404'
        """
        return self.response(200, **services.job_state(services.get_job(job_id)))

    @expose("/import/<int:job_id>/resume", methods=["POST"])
    @bearer_or_session
    @protect()
    @safe
    @permission_name("import")
    @service_errors
    def resume(self, job_id: int):
        """Run an interrupted or failed import again: it continues where it stopped.
        ---
        post:
          responses:
            200:
              description: The job
        """
        job = services.resume(job_id)
        return self.response(200, **services.job_state(job))

    @expose("/import/<int:job_id>/errors.xlsx", methods=["GET"])
    @bearer_or_session
    @protect()
    @safe
    @permission_name("import")
    @service_errors
    def errors_file(self, job_id: int):
        """The rejected rows in the template's columns, with an error column.
        ---
        get:
          responses:
            200:
              description: The error file
        """
        job = services.get_job(job_id)
        out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
        services.error_file(job, out)
        return xlsx_response(out, f"loi-nhap-{job.id}.xlsx")

    @expose("/export", methods=["GET"])
    @bearer_or_session
    @protect()
    @safe
    @permission_name("export")
    @service_errors
    def export(self):
        """Members in scope as a workbook in the template's columns (same filters as the list).
        ---
        get:
          responses:
            200:
              description: The workbook
        """
        clauses = export_clauses(request.args)
        out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
        export_members(out, clauses)
        return xlsx_response(out, "doan-vien.xlsx")
