"""Uploaded photos, checked by their content and re-encoded: what reaches the storage is an
image Pillow wrote itself, never the bytes a client sent.

Refused (a ValidationError naming `image`): anything but JPEG, PNG and WebP, whatever its name
or declared type says (GIF, SVG, TIFF, HTML...); more than MAX_UPLOAD_BYTES; more than
MAX_PIXELS pixels, read from the header before any decoding (a decompression bomb: a small
file that would decode to gigabytes); a file Pillow cannot verify and fully decode (truncated,
corrupt); a polyglot — an image that is also something else: data after the image's end (a
ZIP appended to a PNG, which archive readers find from the end) or markup anywhere in it
(`<script`, `<html`... which a browser sniffing the content could run).

The re-encoded image keeps the pixels (turned upright by the EXIF orientation) and the
colour profile, nothing else: no EXIF (GPS position, camera, dates), no XMP, no text chunks.
"""

from __future__ import annotations

import io
import re
import struct
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
# Pillow's name of each accepted format: (file extension, content type).
FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}
# The widths of the thumbnails the job makes (WebP), never wider than the photo itself.
THUMBNAIL_WIDTHS = (320, 960)

_MARKUP = re.compile(rb"<(?:script|html|body|svg|iframe|object|embed|\?php|!doctype)\b", re.I)
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_ZIP_HEADER = b"PK\x03\x04"


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    format: str  # JPEG, PNG or WEBP
    width: int
    height: int

    @property
    def extension(self) -> str:
        return FORMATS[self.format][0]


def refuse(message: str) -> ValidationError:
    return ValidationError({"image": [message]})


def image_clean(upload) -> CleanImage:
    """The upload (a file object: Django's UploadedFile, or any binary file), checked and
    re-encoded; a ValidationError naming `image` otherwise."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise refuse(_("Upload an image of at most 10 MB."))
    upload.seek(0)
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise refuse(_("Upload an image of at most 10 MB."))
    unsupported = refuse(_("Upload a JPEG, PNG or WebP image."))
    with warnings.catch_warnings():
        # Pillow warns (rather than refuses) between MAX_IMAGE_PIXELS and twice that.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
                image_format = image.format
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise refuse(_("Upload an image of at most 40 megapixels."))
                image.verify()
            _refuse_polyglot(data, image_format)
            with Image.open(io.BytesIO(data), formats=[image_format]) as image:
                image.load()
                return _reencode(image, image_format)
        except ValidationError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise refuse(_("Upload an image of at most 40 megapixels.")) from None
        except UnidentifiedImageError:
            raise unsupported from None
        except (OSError, SyntaxError, ValueError, TypeError, EOFError, struct.error):
            raise refuse(_("This image is damaged or incomplete.")) from None


def _refuse_polyglot(data: bytes, image_format: str) -> None:
    polyglot = refuse(_("This file is not only an image: upload the image alone."))
    if _MARKUP.search(data):
        raise polyglot
    if image_format == "PNG" and not data.endswith(_PNG_END):
        raise polyglot
    if image_format == "WEBP":
        # RIFF: the size field counts every byte after the first eight.
        if int.from_bytes(data[4:8], "little") + 8 != len(data):
            raise polyglot
    if image_format == "JPEG":
        # Cameras and phones may leave bytes after the end of image (FFD9), so only an
        # archive there is refused.
        end = data.rfind(b"\xff\xd9")
        if end == -1 or _ZIP_HEADER in data[end:]:
            raise polyglot


def _reencode(image: Image.Image, image_format: str) -> CleanImage:
    icc_profile = image.info.get("icc_profile")
    image = ImageOps.exif_transpose(image)
    options: dict = {}
    if image_format == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        options = {"quality": 88, "optimize": True}
    elif image_format == "PNG":
        if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"):
            image = image.convert("RGBA")
        options = {"optimize": True}
    else:
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.mode else "RGB")
        options = {"quality": 88}
    if icc_profile:
        options["icc_profile"] = icc_profile
    out = io.BytesIO()
    # No exif=, no pnginfo=: Pillow writes no metadata it is not given.
    image.save(out, format=image_format, **options)
    return CleanImage(out.getvalue(), image_format, image.width, image.height)


def thumbnail(content: bytes, width: int) -> tuple[bytes, int, int]:
    """A WebP of the image `content` (one we re-encoded), `width` pixels wide at most."""
    with Image.open(io.BytesIO(content), formats=list(FORMATS)) as image:
        image.load()
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        if image.width > width:
            height = max(1, round(image.height * width / image.width))
            image = image.resize((width, height), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.save(out, format="WEBP", quality=82)
        return out.getvalue(), image.width, image.height
