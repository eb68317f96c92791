"""Member photos: checked by content, EXIF stripped, cropped to 3:4 and resized to card
resolution, stored in their own table (shared by every app server, off the member row's hot path).
"""

from __future__ import annotations

import io
import warnings

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps
from sqlalchemy import select

from unionadmin.core import audit
from unionadmin.core.actor import current_actor
from unionadmin.core.cards.models import MemberPhoto
from unionadmin.core.db import session, utcnow
from unionadmin.core.errors import ValidationError
from unionadmin.core.members import services as members

#: 3:4 portrait at ~300 dpi for the card's 21 x 28 mm photo area.
PHOTO_SIZE = (248, 331)
MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
ALLOWED_FORMATS = ("JPEG", "PNG")


def max_bytes() -> int:
    return int(current_app.config.get("UNIONADMIN_PHOTO_MAX_BYTES", MAX_BYTES))


def missing_file_message() -> str:
    return _("Choose a photo file.")


def _bad(message: str) -> ValidationError:
    return ValidationError.single("file", message)


def process(data: bytes) -> bytes:
    """Check an uploaded photo and return the stored JPEG; ValidationError on bad input."""
    limit = max_bytes()
    if not data:
        raise _bad(missing_file_message())
    if len(data) > limit:
        raise _bad(_("The photo is too large (at most %(mb)s MB).", mb=limit // (1024 * 1024)))
    try:
        with warnings.catch_warnings():  # Pillow only warns up to twice its pixel limit
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
        if img.format not in ALLOWED_FORMATS:
            raise _bad(_("The photo must be a JPEG or PNG image."))
        if img.width * img.height > MAX_PIXELS:  # before any pixel is decoded
            raise _bad(_("The photo has too many pixels."))
        img.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _bad(_("The photo has too many pixels.")) from None
    except Exception:  # noqa: BLE001 - a broken file raises many kinds (OSError, SyntaxError...)
        raise _bad(_("The file is not a readable JPEG or PNG image.")) from None
    if min(img.size) < 60:
        raise _bad(_("The photo is too small."))
    try:
        return _reencode(img)
    except Exception:  # noqa: BLE001 - a mode or a block Pillow cannot convert
        raise _bad(_("The file is not a readable JPEG or PNG image.")) from None


def _reencode(img: Image.Image) -> bytes:
    """The stored JPEG: new pixels only, so nothing smuggled in the upload (a polyglot's HTML or
    zip, a comment, a profile, metadata) comes back out."""
    try:
        img = ImageOps.exif_transpose(img)  # turn as the camera meant, then drop the metadata
    except Exception:  # noqa: BLE001, S110 - a broken EXIF block: keep the picture as it is
        pass
    if img.mode in ("RGBA", "LA", "P", "PA"):
        rgba = img.convert("RGBA")
        img = Image.new("RGB", rgba.size, (255, 255, 255))
        img.paste(rgba, mask=rgba.getchannel("A"))
    img = ImageOps.fit(img.convert("RGB"), PHOTO_SIZE, Image.Resampling.LANCZOS)
    img.info = {}  # Pillow would write back a comment or an ICC profile it read
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85, optimize=True)  # no exif= argument: no metadata kept
    return out.getvalue()


def photo_of(member_id: int) -> bytes | None:
    """The photo of a member the actor may see (scoped: NotFound otherwise)."""
    member = members.get(member_id)
    return session().scalar(select(MemberPhoto.image).where(MemberPhoto.member_id == member.id))


def photos_for(member_ids: list[int]) -> dict[int, bytes]:
    """Photos of members already checked for scope, in one query."""
    if not member_ids:
        return {}
    rows = session().execute(select(MemberPhoto.member_id, MemberPhoto.image)
                             .where(MemberPhoto.member_id.in_(member_ids)))
    return dict(rows.all())


def set_photo(member_id: int, data: bytes) -> MemberPhoto:
    """Store a member's photo, with an event and an audit row (members of the actor's own units
    only: the receiver of a pending transfer is refused)."""
    member = members.get_owned(member_id)
    image = process(data)
    db = session()
    row = db.get(MemberPhoto, member.id)
    replaced = row is not None
    if row is None:
        row = MemberPhoto(member_id=member.id, image=image)
        db.add(row)
    row.image, row.updated_at = image, utcnow()
    row.updated_by_id = current_actor().user_id
    event = members.record_event(member, "photo_changed", details={"replaced": replaced})
    audit.record("member.photo", "member", member.id, member.unit.path,
                 {"bytes": len(image), "replaced": replaced})
    db.commit()
    members.notify(event)
    return row
