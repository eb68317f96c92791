"""`/reports/`: the reports menu, and a page per report with its parameter form and downloads."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import abort, flash, request
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name

from unionadmin.core.errors import NotFound, ValidationError
from unionadmin.core.members.models import STATUSES
from unionadmin.core.reports import registry
from unionadmin.core.reports.export import display, file_response


class ReportView(BaseView):
    route_base = "/reports"
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        return self.render_template("reports/index.html", reports=registry.offered_reports())

    @expose("/<name>/")
    @has_access
    @permission_name("show")
    def show(self, name: str):
        try:
            report = registry.get_report(name)
        except NotFound:
            abort(404)
        fmt = request.args.get("format")
        args = {k: v for k, v in request.args.items() if k != "format"}
        if "columns" in request.args:
            args["columns"] = ",".join(request.args.getlist("columns"))
        result, params = None, None
        try:
            if fmt in ("xlsx", "pdf"):
                return file_response(registry.produce(name, args, fmt))
            out = registry.produce(name, args, "json", audit_json=False)
            result, params = out.result, out.params
        except NotFound:
            abort(404)
        except ValidationError as exc:
            for messages in exc.errors.values():
                for message in messages:
                    flash(message, "danger")
        query = {k: v for k, v in args.items() if v}
        response = self.render_template(
            "reports/report.html", report=report, result=result, params=params, args=args,
            statuses=STATUSES, display=display,
            download=lambda f: "?" + urlencode({**query, "format": f}),
            page_link=lambda p: "?" + urlencode({**query, "page": p}))
        return response
