"""Attendee photos: any common image in, a small square JPEG out (EXIF dropped, orientation applied).

Uploads from the console are stricter (``UPLOAD_FORMATS``, ``MIN_SIDE``): a browser sends whatever file the user
picked, so only the formats phones and cameras make are taken, and a thumbnail too small to recognise anyone is
refused. The operator CLI keeps the lenient default.
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_INPUT_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 12_000  # pixels on either side; a 40-megapixel phone picture is about 7,700 x 5,200
SIZE = 256
UPLOAD_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
MIN_SIDE = 64  # pixels on the shorter side of an uploaded picture


class ImageError(ValueError):
    """The file is not a usable picture; the message is safe to show."""


def square_jpeg(
    data: bytes, size: int = SIZE, *, formats: frozenset[str] | None = None, min_side: int = 1
) -> bytes:
    """A ``size`` x ``size`` JPEG of the picture's centre, turned upright, without EXIF (location, camera) or any
    other metadata. ``formats`` (Pillow format names) limits what is accepted; ``min_side`` is the smallest
    width and height accepted. Raises ImageError with a message fit for the form."""
    if not isinstance(data, bytes | bytearray) or not data:
        raise ImageError("The file is empty.")
    if len(data) > MAX_INPUT_BYTES:
        raise ImageError("The picture is larger than 10 MB.")
    try:
        with Image.open(io.BytesIO(data)) as img:
            if formats is not None and img.format not in formats:
                names = ", ".join(sorted("WebP" if f == "WEBP" else f for f in formats))
                raise ImageError(f"Use a picture in one of these formats: {names}.")
            if img.width * img.height > MAX_PIXELS or max(img.width, img.height) > MAX_SIDE:
                raise ImageError("The picture has too many pixels.")
            if min(img.width, img.height) < min_side:
                raise ImageError(
                    f"The picture is too small: at least {min_side} x {min_side} pixels, please."
                )
            img = ImageOps.exif_transpose(img)
            img = ImageOps.fit(img.convert("RGB"), (size, size), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            img.save(out, format="JPEG", quality=85, optimize=True)  # no EXIF: location data stays out
            return out.getvalue()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ImageError("This file is not a picture we can read (use JPEG or PNG).") from exc
