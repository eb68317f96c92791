"""`/api/v1/report/`: the list of reports, and `/api/v1/report/<name>` in json, xlsx or pdf."""

from __future__ import annotations

from flask import request
from flask_appbuilder.api import BaseApi, expose, protect
from flask_babel import gettext as _

from unionadmin.core.errors import ServiceError, ValidationError
from unionadmin.core.reports import registry
from unionadmin.core.reports.export import file_response


def describe(report: registry.Report) -> dict:
    return {"name": report.name, "title": str(report.title), "description": str(report.description),
            "params": list(report.params), "kind": report.kind, "plugin": report.plugin}


class ReportApi(BaseApi):
    resource_name = "report"
    openapi_spec_tag = "Reports"
    method_permission_name = {"list_reports": "get", "get_report": "get"}

    @expose("/", methods=["GET"])
    @protect()
    def list_reports(self):
        """The reports offered to the caller (core, and plugins' where they apply)."""
        return self.response(200, result=[describe(r) for r in registry.offered_reports()])

    @expose("/<name>", methods=["GET"])
    @protect()
    def get_report(self, name: str):
        """One report for a unit in the caller's scope: JSON, or an xlsx/pdf file."""
        fmt = request.args.get("format", "json")
        try:
            out = registry.produce(name, request.args, fmt)
        except ValidationError as exc:
            return self.response_422(message=exc.errors)
        except ServiceError as exc:
            if exc.status == 404:
                return self.response_404()
            return self.response(exc.status, message=str(exc.message or _("This action is not allowed.")))
        if fmt == "json":
            return self.response(200, **out.content)
        return file_response(out)
