"""The HTTP response of a card PDF, shared by the pages and the API (which do not import each
other)."""

from __future__ import annotations

from flask import Response


def pdf_response(pdf: bytes, filename: str) -> Response:
    """Shown in the browser (inline), never cached: a card carries personal data."""
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-store"})
