"""`/api/v1/account/`: scoped account management, and the caller's own password change."""

from __future__ import annotations

from flask import g, request
from flask_appbuilder.api import BaseApi, expose, safe
from flask_babel import gettext as _
from flask_jwt_extended import verify_jwt_in_request
from marshmallow import Schema, fields

from unionadmin.core.accounts import services, sessions
from unionadmin.core.accounts.models import UnionUser
from unionadmin.core.api import ServiceModelApi, id_value, service_errors
from unionadmin.core.interface import ScopedInterface
from unionadmin.core.schemas import StrictInt, TrimmedString, WriteSchema


class AccountSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    first_name = fields.String()
    last_name = fields.String()
    email = fields.String(allow_none=True)
    unit_id = fields.Integer(allow_none=True)
    role = fields.Function(services.role_of)
    active = fields.Boolean()
    password_change_required = fields.Boolean()


class AccountWriteSchema(WriteSchema):
    username = TrimmedString(required=True)
    first_name = TrimmedString(required=True)
    last_name = TrimmedString(required=True)
    email = TrimmedString(allow_none=True)
    unit_id = StrictInt(allow_none=True)
    role = fields.String(required=True)
    active = fields.Boolean()
    password = fields.String()


class PasswordSchema(WriteSchema):
    old_password = fields.String(required=True)
    new_password = fields.String(required=True)


class AccountApi(ServiceModelApi):
    resource_name = "account"
    datamodel = ScopedInterface(UnionUser, services.scope_clause)
    service = services
    read_schema = AccountSchema
    write_schema = AccountWriteSchema
    list_columns = show_columns = list(AccountSchema._declared_fields)
    add_columns = edit_columns = list(AccountWriteSchema._declared_fields)
    order_columns = ["id", "username", "last_name"]
    base_order = ("username", "asc")
    api_filters = {
        "unit_id": {"eq": lambda v: UnionUser.unit_id == id_value(v)},
        "active": {"eq": lambda v: UnionUser.active.is_(bool(v))},
        "username": {"eq": lambda v: UnionUser.username == str(v)},
    }


class OwnPasswordApi(BaseApi):
    """`POST /api/v1/account/password`: the one call allowed while a password change is due."""

    route_base = "/api/v1/account"
    resource_name = "account_password"

    @expose("/password", methods=["POST"])
    @safe
    @service_errors
    def password(self):
        """Change the caller's own password.
        ---
        post:
          responses:
            200:
              description: Changed
            422:
              $ref: '#/components/responses/422'
        """
        verify_jwt_in_request()
        user = g.get("user")
        if user is None or not user.is_authenticated:
            return self.response_401()
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return self.response_400(message=_("The request body must be a JSON object."))
        data = PasswordSchema().load_translated(body)
        services.change_own_password(user, data["old_password"], data["new_password"])
        # The change ended every token of the account, this one too: here are new ones.
        return self.response(200, message="OK", **sessions.issue_tokens(user))
