"""The HTTP response of a card PDF, shared by the pages and the API (which do not import each
other), and the printing of a selection from the card and the member pages."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, url_for

from unionadmin.core.cards import printing
from unionadmin.core.cards import templates as card_templates
from unionadmin.core.errors import NotFound, ServiceError, ValidationError


def pdf_response(pdf: bytes, filename: str) -> Response:
    """Shown in the browser (inline), never cached: a card carries personal data."""
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-store"})


def error_text(exc: Exception) -> str:
    """A service's or a template's error as one line (a field error gives its messages)."""
    if isinstance(exc, ValidationError):
        return " ".join(m for messages in exc.errors.values() for m in messages)
    return str(getattr(exc, "message", None) or exc)


def print_response(member_ids: list[int]):
    """The PDF of a selection, or back to the list with a message."""
    try:
        pdf, count = printing.print_members(member_ids)
    except NotFound:
        abort(404)
    except (card_templates.TemplateError, ServiceError) as exc:
        flash(error_text(exc), "danger")
        return redirect(url_for("MemberView.list"))
    return pdf_response(pdf, f"the-doan-vien-{count}.pdf")
