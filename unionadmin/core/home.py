"""The home page: the signed-in officer's unit at a glance (`reports/dashboard.py` computes
it). `?unit_id=` drills down a unit in scope."""

from __future__ import annotations

from flask import abort, g, redirect, request, url_for
from flask_appbuilder import IndexView, expose

from unionadmin.core.errors import NotFound
from unionadmin.core.reports.dashboard import home_page


class HomeView(IndexView):
    index_template = "unionadmin/index.html"

    @expose("/")
    def index(self):
        user = g.get("user")
        if user is None or not user.is_authenticated:
            return redirect(url_for(self.appbuilder.sm.auth_view.endpoint + ".login"))
        try:
            page = home_page(request.args.get("unit_id"))
        except NotFound:
            abort(404)
        return self.render_template(self.index_template, **page)
