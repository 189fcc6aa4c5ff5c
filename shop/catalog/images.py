"""Thumbnails: product images resized for the slots they are shown in."""

import io

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

# Twice the largest slot a listing shows them in (240 CSS pixels), for dense screens.
THUMBNAIL_SIZE = (480, 480)


def thumbnail(image_file) -> ContentFile:
    """A square JPEG of ``image_file``, cropped to fill ``THUMBNAIL_SIZE``."""
    image_file.seek(0)
    with Image.open(image_file) as image:
        image = ImageOps.exif_transpose(image)
        if image.mode not in ("RGB", "L"):
            # Transparent PNGs and WebPs go on white, as they show on the page.
            background = Image.new("RGB", image.size, "white")
            background.paste(image, mask=image.convert("RGBA").getchannel("A"))
            image = background
        fitted = ImageOps.fit(image.convert("RGB"), THUMBNAIL_SIZE, Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        fitted.save(buffer, "JPEG", quality=82, optimize=True, progressive=True)
    image_file.seek(0)
    return ContentFile(buffer.getvalue())
