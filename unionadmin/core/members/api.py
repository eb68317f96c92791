"""`/api/v1/member/`: the member register (INTERFACES.md)."""

from __future__ import annotations

from flask import request
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import permission_name, protect
from flask_babel import gettext as _

from unionadmin.core.api import ServiceModelApi, service_errors
from unionadmin.core.db import session
from unionadmin.core.interface import ScopedInterface
from unionadmin.core.members import search, services
from unionadmin.core.members.models import STATUSES, Member
from unionadmin.core.members.schemas import MemberEventSchema, MemberSchema, MemberWriteSchema
from unionadmin.core.scope import member_clause, subtree_ids
from unionadmin.core.units.models import Unit


def _subtree_of(value):
    root = session().get(Unit, int(value)) if not isinstance(value, bool) else None
    if root is None:
        return Member.id.is_(None)
    return Member.unit_id.in_(subtree_ids(root.path))


def _statuses(values):
    values = [values] if isinstance(values, str) else list(values)
    if any(v not in STATUSES for v in values):
        raise ValueError(values)
    return Member.status.in_(values)


def member_interface(column_filters: dict | None = None) -> ScopedInterface:
    return ScopedInterface(Member, lambda actor: member_clause(actor),
                           order_keys={"full_name": "sort_key"}, column_filters=column_filters)


class MemberApi(ServiceModelApi):
    resource_name = "member"
    datamodel = member_interface()
    service = services
    read_schema = MemberSchema
    write_schema = MemberWriteSchema
    list_columns = show_columns = list(MemberSchema._declared_fields)
    add_columns = edit_columns = list(MemberWriteSchema._declared_fields)
    order_columns = ["id", "full_name", "date_of_birth", "joined_on", "status", "created_at"]
    base_order = ("full_name", "asc")
    api_filters = {
        "unit_id": {"eq": lambda v: Member.unit_id == int(v)},
        "subtree_of": {"eq": _subtree_of},
        "status": {"eq": _statuses, "in": _statuses},
        "full_name": {"ct": lambda v: search.name_contains(str(v))},
    }

    @expose("/<int:pk>/events", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    @service_errors
    def events(self, pk: int):
        """The member's history, oldest first.
        ---
        get:
          parameters:
          - in: path
            name: pk
            schema:
              type: integer
          responses:
            200:
              description: Events
            404:
              $ref: '#/components/responses/404'
        """
        member = services.get(pk)
        events = services.events_of(member)
        return self.response(200, result=MemberEventSchema(many=True).dump(events))

    @expose("/search", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def search(self):
        """Find members by name (accent-free), citizen ID, card number or phone.
        ---
        get:
          parameters:
          - in: query
            name: q
            schema:
              type: string
          responses:
            200:
              description: Matching members
            400:
              $ref: '#/components/responses/400'
        """
        q = request.args.get("q", "").strip()
        if len(q) < search.MIN_QUERY:
            return self.response_400(message=_("Type at least %(n)s characters.",
                                               n=search.MIN_QUERY))
        try:
            page = max(int(request.args.get("page", 0)), 0)
            page_size = min(max(int(request.args.get("page_size", 25)), 1), 100)
        except ValueError:
            return self.response_400(message=_("page and page_size must be whole numbers."))
        query = self.datamodel.scoped_query().filter(search.quick_search(q))
        count = self.datamodel.query_count(query)
        rows = (self.datamodel.apply_order_by(query, "full_name", "asc")
                .offset(page * page_size).limit(page_size).all())
        return self.response(200, count=count, result=self.read_schema(many=True).dump(rows))
