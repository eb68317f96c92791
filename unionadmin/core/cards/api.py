"""`GET /api/v1/member/<id>/card.pdf` and `GET|PUT /api/v1/member/<id>/photo`, and
`GET|PUT /api/v1/unit/<id>/card_template` (docs/api.md#cards-and-photos).

BaseApis of their own under MemberApi's and UnitApi's route bases: the paths do not clash with
theirs (`/<pk>` has one segment). MemberCardApi's permissions are its own (`can_print`,
`can_get`, `can_put` on MemberCardApi); UnitCardTemplateApi's are UnitApi's (`can_get`,
`can_put` on UnitApi: who may edit a unit may choose its template, and the service asks
`abilities.can_choose_card_templates`). Members and units outside the caller's scope answer 404.
"""

from __future__ import annotations

from flask import Response, request
from flask_appbuilder.api import BaseApi, expose, safe
from flask_appbuilder.security.decorators import protect
from flask_babel import gettext as _

from unionadmin.core.api import service_errors
from unionadmin.core.cards import photos, printing
from unionadmin.core.cards.download import pdf_response
from unionadmin.core.cards.templates import TemplateError
from unionadmin.core.errors import ValidationError
from unionadmin.core.members import services as members
from unionadmin.core.members.schemas import MemberSchema


class MemberCardApi(BaseApi):
    route_base = "/api/v1/member"
    resource_name = "member_card"
    method_permission_name = {"card_pdf": "print", "get_photo": "get", "put_photo": "put"}
    openapi_spec_tag = "Member cards"

    @expose("/<int:pk>/card.pdf", methods=["GET"])
    @protect()
    @safe
    @service_errors
    def card_pdf(self, pk: int):
        """The member's card, 85.6 x 54 mm, front and back.
        ---
        get:
          parameters:
          - in: path
            name: pk
            schema:
              type: integer
          responses:
            200:
              description: PDF
              content:
                application/pdf: {}
            404:
              $ref: '#/components/responses/404'
            409:
              description: The member has no valid card, or its unit's card template cannot
                print it (the message says which and why)
        """
        try:
            pdf = printing.print_card(pk)
        except TemplateError as exc:
            # The unit's template cannot print this card: say which and why (never a 500).
            return self.response(409, message=exc.message)
        return pdf_response(pdf, f"the-doan-vien-{pk}.pdf")

    @expose("/<int:pk>/photo", methods=["GET"])
    @protect()
    @safe
    @service_errors
    def get_photo(self, pk: int):
        """The member's photo (JPEG).
        ---
        get:
          parameters:
          - in: path
            name: pk
            schema:
              type: integer
          responses:
            200:
              description: JPEG
              content:
                image/jpeg: {}
            404:
              $ref: '#/components/responses/404'
        """
        image = photos.photo_of(pk)
        if image is None:
            return self.response_404()
        return Response(image, mimetype="image/jpeg", headers={"Cache-Control": "no-store"})

    @expose("/<int:pk>/photo", methods=["PUT"])
    @protect()
    @safe
    @service_errors
    def put_photo(self, pk: int):
        """Upload the member's photo (multipart `file`: JPEG or PNG).
        ---
        put:
          parameters:
          - in: path
            name: pk
            schema:
              type: integer
          requestBody:
            content:
              multipart/form-data:
                schema:
                  type: object
                  properties:
                    file:
                      type: string
                      format: binary
          responses:
            200:
              description: The member, as GET /member/<id> gives it
            404:
              $ref: '#/components/responses/404'
            422:
              $ref: '#/components/responses/422'
        """
        members.get_owned(pk)  # 404 outside scope, 403 incoming, before reading the upload
        upload = request.files.get("file")
        if upload is None:
            raise ValidationError.single("file", photos.missing_file_message())
        photos.set_photo(pk, upload.read(photos.max_bytes() + 1))

        member = members.get(pk)
        return self.response(200, id=member.id, result=MemberSchema().dump(member))


class UnitCardTemplateApi(BaseApi):
    route_base = "/api/v1/unit"
    resource_name = "unit_card_template"
    class_permission_name = "UnitApi"
    method_permission_name = {"get_card_template": "get", "put_card_template": "put"}
    openapi_spec_tag = "Card templates"

    @expose("/<int:pk>/card_template", methods=["GET"])
    @protect()
    @safe
    @service_errors
    def get_card_template(self, pk: int):
        """The unit's card template: its own choice, the one its cards are printed with, and
        the templates it may choose.
        ---
        get:
          parameters:
          - in: path
            name: pk
            schema:
              type: integer
          responses:
            200:
              description: '`{"id", "result": {"template", "effective", "choices"}}`'
            404:
              $ref: '#/components/responses/404'
        """
        return self.response(200, id=pk, result=printing.unit_template(pk))

    @expose("/<int:pk>/card_template", methods=["PUT"])
    @protect()
    @safe
    @service_errors
    def put_card_template(self, pk: int):
        """Choose the card template of the unit and the units below it (`{"template": name}`),
        or inherit the template of the unit above (`{"template": null}`).
        ---
        put:
          parameters:
          - in: path
            name: pk
            schema:
              type: integer
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    template:
                      type: string
                      nullable: true
                  required: [template]
          responses:
            200:
              description: '`{"id", "result": {"template", "effective", "choices"}}`'
            400:
              $ref: '#/components/responses/400'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            422:
              $ref: '#/components/responses/422'
        """
        if not request.is_json or not isinstance(request.get_json(silent=True), dict):
            return self.response_400(message=_("The request body must be a JSON object."))
        return self.response(200, id=pk,
                             result=printing.choose_unit_template(pk, request.get_json()))
