"""The home page: the signed-in officer's unit at a glance (the full dashboard builds on it)."""

from __future__ import annotations

from flask import g, redirect, url_for
from flask_appbuilder import IndexView, expose
from sqlalchemy import func, select

from unionadmin.core.actor import current_actor
from unionadmin.core.db import session
from unionadmin.core.members.models import Member
from unionadmin.core.scope import member_clause, unit_clause
from unionadmin.core.units.models import Unit


def scope_summary() -> dict:
    """Units and members by status in the actor's scope (grouped counts, no row loads)."""
    units = session().scalar(select(func.count()).select_from(Unit).where(unit_clause(None)))
    by_status = dict(session().execute(
        select(Member.status, func.count()).where(member_clause(None)).group_by(Member.status)
    ).all())
    return {"units": units, "by_status": by_status}


class HomeView(IndexView):
    index_template = "unionadmin/index.html"

    @expose("/")
    def index(self):
        user = g.get("user")
        if user is None or not user.is_authenticated:
            return redirect(url_for(self.appbuilder.sm.auth_view.endpoint + ".login"))
        actor = current_actor()
        unit = session().get(Unit, actor.unit_id) if actor.unit_id else None
        return self.render_template(self.index_template, unit=unit, summary=scope_summary())
