"""Reading an uploaded image with Pillow, and the clean copy that is stored.

An upload is recognised by its content, never by its name or declared type.
Its size and its pixel count (read from the header) are checked before a
single pixel is decoded, so a small file that would expand to gigabytes (a
decompression bomb) is refused cheaply. What is kept is re-encoded from the
decoded pixels: no EXIF, GPS or other metadata survives, the camera's
orientation is applied, and the long side is at most ``LONGEST_SIDE``.
"""
import io
import warnings
from dataclasses import dataclass

from PIL import Image as PillowImage
from PIL import ImageOps, UnidentifiedImageError

from blog.models.image import AVATAR_SIDE, LONGEST_SIDE

# Pillow's format name → what the image is served as.
CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif",
                 "WEBP": "image/webp"}
MAX_PIXELS = 40_000_000
# The modes each format is written in; anything else is converted to the first.
MODES = {"PNG": ("RGBA", "RGB", "LA", "L", "P", "1"), "JPEG": ("RGB", "L"),
         "GIF": ("P", "L"), "WEBP": ("RGBA", "RGB")}
# Encoder settings of the clean copy (ImageField encodes the stored file from it).
SAVE_OPTIONS = {"JPEG": {"quality": 92}, "WEBP": {"quality": 90}, "PNG": {}, "GIF": {}}
NOT_AN_IMAGE = "That file is not a PNG, JPEG, GIF or WebP image."


class ImageRefused(ValueError):
    """An upload that cannot be stored; ``status`` is the HTTP status that says why."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


@dataclass
class CleanImage:
    data: bytes          # the clean copy, encoded in its own format
    format: str          # Pillow's name: PNG, JPEG, GIF or WEBP
    width: int
    height: int

    @property
    def content_type(self):
        return CONTENT_TYPES[self.format]


def read_upload(stream, max_bytes):
    """The bytes of an uploaded file, or ImageRefused (413) past ``max_bytes``."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageRefused(f"That file is larger than {megabytes(max_bytes)}: "
                           "make it smaller and try again.", 413)
    if not data:
        raise ImageRefused("That file is empty.")
    return data


def megabytes(size):
    return f"{size / 1_000_000:.3g} MB"


def clean_image(data, square=False):
    """The clean copy of the image in ``data``: for an avatar (``square``), cropped to a
    square of ``AVATAR_SIDE``; else at most ``LONGEST_SIDE`` on its long side."""
    picture = _open(data)
    image_format = picture.format
    try:
        picture.load()
        picture = ImageOps.exif_transpose(picture)
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ImageRefused("That image is damaged or cut short: "
                           "save it again and upload the new file.") from error
    kept = {key: picture.info[key] for key in ("transparency",) if key in picture.info}
    picture = _in_mode(picture, image_format)
    if square:
        picture = ImageOps.fit(picture, (AVATAR_SIDE, AVATAR_SIDE), PillowImage.LANCZOS)
    else:
        picture.thumbnail((LONGEST_SIDE, LONGEST_SIDE), PillowImage.LANCZOS)
    # A copy made from the pixels carries none of the original's metadata.
    picture.info = kept if picture.mode in ("P", "L", "1") else {}
    output = io.BytesIO()
    picture.save(output, image_format, **SAVE_OPTIONS[image_format])
    return CleanImage(output.getvalue(), image_format, picture.width, picture.height)


def _open(data):
    """The image in ``data`` with its header read (no pixels yet), or ImageRefused."""
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb warning starts far above MAX_PIXELS, checked below.
            warnings.simplefilter("ignore", PillowImage.DecompressionBombWarning)
            picture = PillowImage.open(io.BytesIO(data), formats=list(CONTENT_TYPES))
    except PillowImage.DecompressionBombError as error:
        raise ImageRefused(_too_many_pixels()) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise ImageRefused(NOT_AN_IMAGE) from error
    if picture.format not in CONTENT_TYPES:
        raise ImageRefused(NOT_AN_IMAGE)
    if picture.width * picture.height > MAX_PIXELS:
        raise ImageRefused(_too_many_pixels())
    return picture


def _too_many_pixels():
    return (f"That image has more than {MAX_PIXELS // 1_000_000} million pixels: "
            "make it smaller and try again.")


def _in_mode(picture, image_format):
    """``picture`` (its first frame, for an animation) in a mode ``image_format`` writes."""
    modes = MODES[image_format]
    if picture.mode in modes:
        return picture
    if image_format == "GIF":
        return picture.convert("RGB").convert("P", palette=PillowImage.ADAPTIVE)
    has_alpha = "A" in picture.mode or "transparency" in picture.info
    return picture.convert("RGBA" if has_alpha and "RGBA" in modes else modes[0])
