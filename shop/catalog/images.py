"""Product images: uploads decoded once under a pixel ceiling, then re-encoded.

Nothing an admin uploads is published byte for byte. The bytes are decoded with Pillow
(only after the header's dimensions pass ``PRODUCT_IMAGE_MAX_PIXELS``), the decoded
format must be one a browser shows as an image (JPEG, PNG, WebP), and what is stored is
a fresh encoding of the pixels: whatever rode along in the file (HTML or script appended
to a PNG, EXIF with GPS position, XMP, comments) is gone. Orientation from EXIF is
applied to the pixels first, so the picture still stands the right way up.
"""

import io
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps

# Decoded format -> (extension of the stored object, encoder options). Pillow names.
ALLOWED_FORMATS = {
    "JPEG": ("jpg", {"quality": 90, "optimize": True, "progressive": True}),
    "PNG": ("png", {"optimize": True}),
    "WEBP": ("webp", {"quality": 90, "method": 4}),
}
# Modes each encoder takes as they are; anything else is converted first.
ENCODABLE_MODES = {
    "JPEG": {"L", "RGB"},
    "PNG": {"1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"},
    "WEBP": {"RGB", "RGBA"},
}

# Twice the largest slot a listing shows them in (240 CSS pixels), for dense screens.
THUMBNAIL_SIZE = (480, 480)

# What Pillow raises for bytes it cannot read as a whole image: unknown or damaged data
# (UnidentifiedImageError is an OSError), truncated data ("image file is truncated"),
# broken headers, and its own decompression-bomb guard.
DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError)

NOT_AN_IMAGE = "Upload a valid image: a JPEG, PNG or WebP file."


@dataclass(frozen=True)
class ProductImage:
    """An upload made safe to publish: the re-encoded original and its thumbnail."""

    original: ContentFile
    extension: str  # of ``original``, from the decoded format, never from the upload's name
    thumbnail: ContentFile  # a JPEG of THUMBNAIL_SIZE


def prepare_product_image(image_file) -> ProductImage:
    """Decode ``image_file`` and return it re-encoded, with its thumbnail.

    Raises ``ValidationError`` (codes ``invalid_image``, ``image_format_not_allowed``,
    ``image_too_many_pixels``, ``image_damaged``) for anything that is not a whole
    JPEG, PNG or WebP within the pixel ceiling. Touches no storage: the caller stores
    the result only once everything else about the upload is known to be good.
    """
    image = _decode(image_file)
    try:
        image_format = image.format
        upright = ImageOps.exif_transpose(image)
    finally:
        image.close()
    extension, options = ALLOWED_FORMATS[image_format]
    # The thumbnail first: encoding the original drops ``info`` (PNG transparency too).
    small = _thumbnail_bytes(upright)
    return ProductImage(
        original=ContentFile(_encode(upright, image_format, options)),
        extension=extension,
        thumbnail=ContentFile(small),
    )


def thumbnail(image_file) -> ContentFile:
    """A square JPEG of ``image_file``, cropped to fill ``THUMBNAIL_SIZE``.

    For images the shop made itself (the demo data); uploads go through
    ``prepare_product_image``, which makes the thumbnail from the same decode.
    """
    image = _decode(image_file)
    try:
        return ContentFile(_thumbnail_bytes(ImageOps.exif_transpose(image)))
    finally:
        image.close()


def _decode(image_file):
    """Open ``image_file``, check format and size from its header, then decode it fully.

    Decoded from a copy of its bytes (uploads are small: ``PRODUCT_IMAGE_MAX_BYTES``), so
    that Pillow never holds, moves or closes the caller's file.
    """
    image_file.seek(0)
    data = image_file.read()
    image_file.seek(0)
    max_pixels = settings.PRODUCT_IMAGE_MAX_PIXELS
    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels(max_pixels) from exc
    except DECODE_ERRORS as exc:
        raise ValidationError(NOT_AN_IMAGE, code="invalid_image") from exc
    try:
        if image.format not in ALLOWED_FORMATS:
            raise ValidationError(
                f"{image.format} images are not accepted: upload a JPEG, PNG or WebP file.",
                code="image_format_not_allowed",
            )
        width, height = image.size
        if width * height > max_pixels:
            raise _too_many_pixels(max_pixels, image.size)
        try:
            image.load()  # the full decode, now known to be bounded
        except DECODE_ERRORS as exc:
            raise ValidationError(
                "The image is damaged or incomplete (it could not be read to the end). "
                "Upload the file again or export it anew.",
                code="image_damaged",
            ) from exc
    except ValidationError:
        image.close()
        raise
    return image


def _too_many_pixels(max_pixels, size=None):
    dimensions = f" ({size[0]} by {size[1]} pixels)" if size else ""
    return ValidationError(
        f"The image is too large{dimensions}: at most {max_pixels / 1_000_000:g} megapixels "
        "are accepted.",
        code="image_too_many_pixels",
    )


def _encode(image, image_format, options):
    """Fresh bytes of ``image``'s pixels. Only the colour profile and PNG transparency
    are carried over; every other piece of metadata is dropped."""
    keep = {key: image.info[key] for key in ("icc_profile", "transparency") if key in image.info}
    if image.mode not in ENCODABLE_MODES[image_format]:
        transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in keep
        image = image.convert("RGBA" if transparent and image_format != "JPEG" else "RGB")
        keep.pop("transparency", None)  # now in the alpha channel, if anywhere
    # Encoders also read some metadata from ``info`` itself (a JPEG's comment, for one).
    image.info = {}
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options, **keep)
    return buffer.getvalue()


def _thumbnail_bytes(image):
    if image.mode not in ("RGB", "L"):
        # Transparent PNGs and WebPs go on white, as they show on the page.
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.convert("RGBA").getchannel("A"))
        image = background
    fitted = ImageOps.fit(image.convert("RGB"), THUMBNAIL_SIZE, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    fitted.save(buffer, "JPEG", quality=82, optimize=True, progressive=True)
    return buffer.getvalue()
