"""Attendee photos: any common picture becomes a square JPEG; junk is refused with a message."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlmodel import select

from client_profile.integrations.images import ImageError, square_jpeg
from client_profile.models import Attendee
from client_profile.services.demo import load_demo
from client_profile.services.errors import DomainError, NotFound
from client_profile.services.schedule.attendees import remove_photo, set_photo


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (13, 148, 136)).save(out, format="PNG")
    return out.getvalue()


def test_square_jpeg_crops_and_shrinks():
    data = square_jpeg(png(800, 400))
    with Image.open(io.BytesIO(data)) as img:
        assert (img.format, img.size) == ("JPEG", (256, 256))
        assert not img.info.get("exif")


@pytest.mark.parametrize("junk", [b"", b"not a picture", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20])
def test_junk_is_refused(junk):
    with pytest.raises(ImageError):
        square_jpeg(junk)


def test_set_and_remove_photo(db):
    load_demo(db)
    db.commit()
    ema = db.exec(select(Attendee).where(Attendee.first_name == "Ema")).one()
    set_photo(db, ema.id, png(300, 300))
    db.commit()
    assert db.get(Attendee, ema.id).photo_jpeg.startswith(b"\xff\xd8")
    with pytest.raises(DomainError):
        set_photo(db, ema.id, b"junk")
    with pytest.raises(NotFound):
        set_photo(db, 10**9, png(10, 10))
    remove_photo(db, ema.id)
    db.commit()
    assert db.get(Attendee, ema.id).photo_jpeg is None
