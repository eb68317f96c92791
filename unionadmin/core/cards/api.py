"""`GET /api/v1/member/<id>/card.pdf` and `GET|PUT /api/v1/member/<id>/photo` (docs/api.md#cards-and-photos).

A BaseApi of its own under MemberApi's route base: the paths do not clash with MemberApi's
(`/<pk>` has one segment), and the permissions are this API's (`can_print`, `can_get`,
`can_put` on MemberCardApi). Members outside the caller's scope answer 404.
"""

from __future__ import annotations

from flask import Response, request
from flask_appbuilder.api import BaseApi, expose, safe
from flask_appbuilder.security.decorators import protect

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
              description: The member has no valid card
        """
        try:
            pdf = printing.print_card(pk)
        except TemplateError as exc:
            return self.response(500, message=str(exc))
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
