"""QR codes for cards, made once when a card is issued (segno costs ~8 ms per code)."""

from __future__ import annotations

import io

import segno


def verify_url(base_url: str, token: str) -> str:
    """What a card's QR code opens: PUBLIC_BASE_URL + /verify/<token>."""
    return f"{base_url.rstrip('/')}/verify/{token}"


def make_qr_png(url: str, scale: int = 4) -> bytes:
    """A PNG of the QR code for `url` (error correction M, quiet zone 2 modules)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=scale, border=2)
    return out.getvalue()
