"""Attendee photos: any common image in, a small square JPEG out (EXIF dropped, orientation applied)."""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_INPUT_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
SIZE = 256


class ImageError(ValueError):
    """The file is not a usable picture; the message is safe to show."""


def square_jpeg(data: bytes, size: int = SIZE) -> bytes:
    if not data:
        raise ImageError("The file is empty.")
    if len(data) > MAX_INPUT_BYTES:
        raise ImageError("The picture is larger than 10 MB.")
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_PIXELS:
                raise ImageError("The picture has too many pixels.")
            img = ImageOps.exif_transpose(img)
            img = ImageOps.fit(img.convert("RGB"), (size, size), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            img.save(out, format="JPEG", quality=85, optimize=True)  # no EXIF: location data stays out
            return out.getvalue()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ImageError("This file is not a picture we can read (use JPEG or PNG).") from exc
