"""Card pages: the public /verify/<token> page, the photo upload form, the print of a selection
and the per-unit choice of card template."""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from unionadmin.core.cards import photos, printing
from unionadmin.core.cards import templates as card_templates
from unionadmin.core.cards.download import error_text, pdf_response, print_response
from unionadmin.core.errors import NotFound, ServiceError, ValidationError
from unionadmin.core.members import services as members
from unionadmin.core.units import services as units

verify_bp = Blueprint("card_verify", __name__)


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > \
        request.accept_mimetypes["text/html"]


@verify_bp.route("/verify/<token>")
def verify(token: str):
    """Public: is this card valid now? No login; rate limited per address."""
    result = printing.verify(token)
    if _wants_json():
        response = jsonify(result)
    else:
        response = make_response(render_template("cards/verify.html", result=result))
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def register_verify(app: Flask, appbuilder) -> None:
    """Add the public page with its own rate limit (UNIONADMIN_VERIFY_RATE_LIMIT)."""
    limit = app.config.get("UNIONADMIN_VERIFY_RATE_LIMIT", "60 per minute")
    if limit:
        appbuilder.sm.limiter.limit(limit)(verify_bp)
    app.register_blueprint(verify_bp)


class CardView(BaseView):
    """Officers' card pages: photo upload and print of a selection of members."""

    route_base = "/cards"
    default_view = "templates"
    class_permission_name = "CardView"
    method_permission_name = {"photo": "photo", "print_selection": "print", "card_pdf": "print",
                              "templates": "templates"}

    @expose("/member/<int:pk>/card.pdf", methods=["GET"])
    @has_access
    def card_pdf(self, pk: int):
        """The member page's "Member card (PDF)" button (the API's PDF, with the session)."""
        try:
            pdf = printing.print_card(pk)
        except NotFound:
            abort(404)
        except (card_templates.TemplateError, ServiceError) as exc:
            flash(error_text(exc), "danger")
            return redirect(url_for("MemberView.show", pk=pk))
        return pdf_response(pdf, f"the-doan-vien-{pk}.pdf")

    @expose("/photo/<int:pk>", methods=["GET", "POST"])
    @has_access
    def photo(self, pk: int):
        try:
            member = members.get_owned(pk)
        except NotFound:
            abort(404)
        except ServiceError as exc:  # the receiver of a pending transfer
            flash(error_text(exc), "danger")
            return redirect(url_for("MemberView.show", pk=pk))
        errors: list[str] = []
        if request.method == "POST":
            upload = request.files.get("file")
            try:
                if upload is None:
                    raise ValidationError.single("file", photos.missing_file_message())
                photos.set_photo(pk, upload.read(photos.max_bytes() + 1))
            except ValidationError as exc:
                errors = [m for msgs in exc.errors.values() for m in msgs]
            else:
                flash(_("Photo saved."), "success")
                return redirect(url_for("MemberView.show", pk=pk))
        has_photo = photos.photo_of(pk) is not None
        return self.render_template("cards/photo.html", member=member, errors=errors,
                                    has_photo=has_photo), (422 if errors else 200)

    @expose("/print", methods=["POST"])
    @has_access
    def print_selection(self):
        """A4 sheets for the members ticked in the list (`rowid` values, as FAB's actions)."""
        ids = [int(v) for v in request.form.getlist("rowid") if v.isdigit()]
        return print_response(ids)

    @expose("/templates", methods=["GET", "POST"])
    @has_access
    def templates(self):
        """The installed card templates, and the choice of one for a unit's subtree."""
        if request.method == "POST":
            try:
                unit = units.lookup(request.form.get("unit_code") or "")
                printing.set_unit_template(unit.id, request.form.get("template") or None)
            except NotFound:
                flash(_("This unit does not exist or is outside your scope."), "danger")
            except ServiceError as exc:
                flash(error_text(exc), "danger")
            else:
                flash(_("Card template saved."), "success")
            return redirect(url_for("CardView.templates"))
        return self.render_template("cards/templates.html", templates=card_templates.choices(),
                                    broken=card_templates.broken_templates())
