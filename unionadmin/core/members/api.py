"""`/api/v1/member/`: the member register (docs/api.md#members)."""

from __future__ import annotations

from flask import request
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import permission_name, protect
from flask_babel import gettext as _

from unionadmin.core.api import ServiceModelApi, service_errors
from unionadmin.core.members import search, services
from unionadmin.core.members.extra_fields import member_fields
from unionadmin.core.members.filters import MEMBER_FILTERS, member_filters, member_interface
from unionadmin.core.members.schemas import (
    ACTION_SCHEMAS,
    MemberEventSchema,
    MemberSchema,
    MemberWriteSchema,
    with_member_fields,
)


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
    api_filters = MEMBER_FILTERS

    def __init__(self) -> None:
        # Plugin fields are known once this app's plugins are loaded (we run in its context).

        extra = member_fields()
        if extra:
            self.read_schema, self.write_schema = with_member_fields(extra)
            self.list_columns = self.show_columns = list(self.read_schema._declared_fields)
            self.add_columns = self.edit_columns = list(self.write_schema._declared_fields)
        # The filters every member list and export reads `q` with (members/filters.py).
        self.api_filters = member_filters()
        super().__init__()

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

    # -- lifecycle actions (docs/api.md#member-actions) --------------------------------------
    # 200 {id, result}; 409 the state does not allow it; 422 fields; 404 out of scope.

    def _act(self, pk: int, action: str):
        member = services.get(pk)
        raw = request.get_data(cache=True)
        body = request.get_json(silent=True) if raw.strip() else {}
        if not isinstance(body, dict):
            return self.response_400(message=_("The request body must be a JSON object."))
        data = ACTION_SCHEMAS[action]().load_translated(body)
        member = services.ACTIONS[action](member, **data)
        return self.item_response(member)

    @expose("/<int:pk>/approve", methods=["POST"])
    @protect()
    @safe
    @permission_name("approve")
    @service_errors
    def approve(self, pk: int):
        """Approve the member's next approval step (the last one activates it and issues a card).
        ---
        post:
          parameters:
          - in: path
            name: pk
            schema:
              type: integer
          responses:
            200:
              description: The member
            409:
              description: The member's state does not allow it
        """
        return self._act(pk, "approve")

    @expose("/<int:pk>/reject", methods=["POST"])
    @protect()
    @safe
    @permission_name("approve")
    @service_errors
    def reject(self, pk: int):
        """Reject a pending member: {"reason"}."""
        return self._act(pk, "reject")

    @expose("/<int:pk>/resubmit", methods=["POST"])
    @protect()
    @safe
    @permission_name("lifecycle")
    @service_errors
    def resubmit(self, pk: int):
        """Send a rejected member back for approval."""
        return self._act(pk, "resubmit")

    @expose("/<int:pk>/transfer", methods=["POST"])
    @protect()
    @safe
    @permission_name("lifecycle")
    @service_errors
    def transfer(self, pk: int):
        """Ask another unit to take the member: {"to_unit_id", "date"}."""
        return self._act(pk, "transfer")

    @expose("/<int:pk>/cancel_transfer", methods=["POST"])
    @protect()
    @safe
    @permission_name("lifecycle")
    @service_errors
    def cancel_transfer(self, pk: int):
        """The sender withdraws a pending transfer."""
        return self._act(pk, "cancel_transfer")

    @expose("/<int:pk>/accept_transfer", methods=["POST"])
    @protect()
    @safe
    @permission_name("accept_transfer")
    @service_errors
    def accept_transfer(self, pk: int):
        """The receiving unit takes the member."""
        return self._act(pk, "accept_transfer")

    @expose("/<int:pk>/refuse_transfer", methods=["POST"])
    @protect()
    @safe
    @permission_name("accept_transfer")
    @service_errors
    def refuse_transfer(self, pk: int):
        """The receiving unit refuses the member: {"reason"}."""
        return self._act(pk, "refuse_transfer")

    @expose("/<int:pk>/suspend", methods=["POST"])
    @protect()
    @safe
    @permission_name("lifecycle")
    @service_errors
    def suspend(self, pk: int):
        """Suspend for at most 12 months: {"reason", "date", "until"}."""
        return self._act(pk, "suspend")

    @expose("/<int:pk>/reinstate", methods=["POST"])
    @protect()
    @safe
    @permission_name("lifecycle")
    @service_errors
    def reinstate(self, pk: int):
        """End a suspension: {"date"} optional."""
        return self._act(pk, "reinstate")

    @expose("/<int:pk>/leave", methods=["POST"])
    @protect()
    @safe
    @permission_name("lifecycle")
    @service_errors
    def leave(self, pk: int):
        """Left, expelled or deceased: {"kind", "date", "reason"}."""
        return self._act(pk, "leave")

    @expose("/<int:pk>/readmit", methods=["POST"])
    @protect()
    @safe
    @permission_name("lifecycle")
    @service_errors
    def readmit(self, pk: int):
        """Take a member who left back on the same record (pending again): {"date"}."""
        return self._act(pk, "readmit")

    @expose("/<int:pk>/card", methods=["POST"])
    @protect()
    @safe
    @permission_name("lifecycle")
    @service_errors
    def card(self, pk: int):
        """Issue or re-issue the card: {"reason": "new|lost|damaged|info_changed"}."""
        return self._act(pk, "card")

    @expose("/<int:pk>/revoke_card", methods=["POST"])
    @protect()
    @safe
    @permission_name("lifecycle")
    @service_errors
    def revoke_card(self, pk: int):
        """Revoke the current card: {"reason"}."""
        return self._act(pk, "revoke_card")
