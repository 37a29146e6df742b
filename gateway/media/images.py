"""Proving a file is a JPEG, PNG or WebP image and re-encoding it without anything but its pixels.

The content type Twilio reports is only a claim, so the bytes are decoded with Pillow. The stored image
is drawn anew from the decoded pixels: EXIF (GPS position, camera serial, time), XMP, ICC profiles and
comments stay behind in the original, which is never stored.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
MAX_PIXELS = 40_000_000  # a 5 MB file can still unpack into gigabytes (a decompression bomb)
FULL_SIDE = 1600  # the stored image's longer side at most: enough to recognise a face, small to keep
THUMB_SIDE = 160
QUALITY = 85


class BadImage(Exception):
    """Not a JPEG/PNG/WebP image, or one that does not decode: the message's `bad_media`."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


@dataclass(frozen=True)
class Cleaned:
    full: bytes  # JPEG, no metadata
    thumb: bytes  # JPEG, no metadata
    width: int
    height: int


def clean(data: bytes) -> Cleaned:
    """The image re-encoded as metadata-free JPEGs (full size and thumbnail); BadImage when it is none."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=sorted(ALLOWED_FORMATS)) as img:
                if img.width * img.height > MAX_PIXELS:
                    raise BadImage("too_many_pixels")
                img.load()
                upright = ImageOps.exif_transpose(img)  # the picture as the phone showed it, before EXIF goes
                pixels = _rgb(upright)
        except BadImage:
            raise
        except (Image.UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise BadImage("not_image") from None
        except (OSError, ValueError, SyntaxError, EOFError):
            raise BadImage("undecodable") from None
    # Only the pixels cross over: a new image has no info, no EXIF, no ICC profile to carry.
    bare = Image.frombytes("RGB", pixels.size, pixels.tobytes())
    bare.thumbnail((FULL_SIDE, FULL_SIDE))
    thumb = bare.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    return Cleaned(full=_jpeg(bare), thumb=_jpeg(thumb), width=bare.width, height=bare.height)


def _rgb(img: Image.Image) -> Image.Image:
    """RGB pixels; transparency laid on white, as a photo print would show it."""
    if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        ground = Image.new("RGB", rgba.size, (255, 255, 255))
        ground.paste(rgba, mask=rgba.getchannel("A"))
        return ground
    return img.convert("RGB")


def _jpeg(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, "JPEG", quality=QUALITY, optimize=True)
    return out.getvalue()
