"""Hostile uploads through the Django admin's add view, against the real S3 endpoint.

Only a whole JPEG, PNG or WebP within the pixel ceiling is published, and what is
published is a fresh encoding of its pixels: nothing that rode along in the file
survives, and nothing of a refused upload is left in the bucket.
"""

import io
import random
import re
import struct
import zlib

import pytest
from botocore.exceptions import ClientError
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import ExifTags, Image

from shop.catalog.models import Product
from shop.core.storage import S3Storage
from tests.factories import make_category, make_product

pytestmark = pytest.mark.django_db

ADD = "/admin/catalog/product/add/"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_END = b"IEND\xaeB`\x82"
UNREACHABLE = "The image store is not reachable right now"


# --- Files ---------------------------------------------------------------------------------


def encoded(image, image_format, **options):
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def png(size=(64, 48), colour="teal"):
    return encoded(Image.new("RGB", size, colour), "PNG")


def noise(image_format, size=(300, 200)):
    """Random pixels: they do not compress, so half the file is half the picture."""
    rng = random.Random(7)
    pixels = bytes(rng.getrandbits(8) for _ in range(size[0] * size[1] * 3))
    return encoded(Image.frombytes("RGB", size, pixels), image_format)


def png_claiming(width, height):
    """A small PNG whose header claims ``width`` by ``height``: decoding it would need
    the memory of the whole picture (and would find the data missing)."""

    def chunk(kind, data):
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (1 + 3 * min(width, 4096)) * 16)
    return PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def jpeg_from_a_phone():
    """A JPEG as a phone writes it: EXIF with the GPS position and the camera, turned
    on its side by the Orientation tag, with XMP and a comment beside."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # shown rotated by 90 degrees
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (48.0, 51.0, 29.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (2.0, 17.0, 40.0),
    }
    picture = Image.new("RGB", (200, 100), "navy")
    return encoded(
        picture,
        "JPEG",
        exif=exif,
        xmp=b"<x:xmpmeta><rdf:Description>home address</rdf:Description></x:xmpmeta>",
        comment=b"<script>alert(1)</script>",
    )


SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script></svg>"
)
HTML = b"<html><body><script>fetch('/api/v1/auth/me/')</script></body></html>"


# --- Helpers -------------------------------------------------------------------------------


def upload(staff_client, product_form, name, content):
    file = SimpleUploadedFile(name, content, "application/octet-stream")
    return staff_client.post(ADD, product_form(make_category(), image=file))


def stored(s3_client, key):
    bucket = settings.STORAGES["default"]["OPTIONS"]["bucket_name"]
    return s3_client.get_object(Bucket=bucket, Key=key)["Body"].read()


def published(response):
    assert response.status_code == 302, response.content.decode()[:3000]
    return Product.objects.get(slug="ceramic-dripper")


def assert_refused(response, message, before, bucket_keys):
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert UNREACHABLE not in html
    assert not Product.objects.filter(slug="ceramic-dripper").exists()
    assert bucket_keys() == before


# --- Refused -------------------------------------------------------------------------------

REFUSED = {
    "renamed-text-file": ("notes.png", b"shopping list: tea, milk\n" * 40, "Upload a valid image"),
    "svg-with-script": ("logo.svg", SVG, "File extension “svg” is not allowed"),
    "svg-with-script-named-png": ("logo.png", SVG, "Upload a valid image"),
    "html-named-jpeg": ("photo.jpg", HTML, "Upload a valid image"),
    "gif-named-gif": ("anim.gif", encoded(Image.new("P", (8, 8)), "GIF"), "GIF images are not"),
    "bmp-named-png": ("photo.png", encoded(Image.new("RGB", (8, 8)), "BMP"), "BMP images are not"),
    "truncated-png": ("photo.png", noise("PNG")[: len(noise("PNG")) // 2], "damaged or incomplete"),
    "truncated-jpeg": ("photo.jpg", noise("JPEG")[: len(noise("JPEG")) // 2], "damaged or"),
    "decompression-bomb": ("huge.png", png_claiming(100_000, 100_000), "The image is too large"),
}


@pytest.mark.parametrize(("name", "content", "message"), REFUSED.values(), ids=REFUSED)
def test_a_hostile_or_broken_upload_is_a_form_error_and_leaves_nothing(
    staff_client, product_form, bucket_keys, name, content, message
):
    before = bucket_keys()

    response = upload(staff_client, product_form, name, content)

    assert_refused(response, message, before, bucket_keys)


def test_dimensions_over_the_ceiling_are_refused_before_the_pixels_are_decoded(
    staff_client, product_form, bucket_keys, settings
):
    """The header claims 6000 by 5000 with almost no data: had it been decoded, it would
    be "damaged"; it is refused for its size, from the header alone."""
    settings.PRODUCT_IMAGE_MAX_PIXELS = 25_000_000
    before = bucket_keys()

    response = upload(staff_client, product_form, "wide.png", png_claiming(6000, 5000))

    assert_refused(response, "too large (6000 by 5000 pixels)", before, bucket_keys)
    assert "at most 25 megapixels" in response.content.decode()


def test_the_pixel_ceiling_is_read_at_call_time(staff_client, product_form, settings):
    settings.PRODUCT_IMAGE_MAX_PIXELS = 3000

    refused = upload(staff_client, product_form, "small.png", png(size=(64, 48)))
    settings.PRODUCT_IMAGE_MAX_PIXELS = 64 * 48
    accepted = upload(staff_client, product_form, "small.png", png(size=(64, 48)))

    assert "at most 0.003 megapixels" in refused.content.decode()
    assert published(accepted).image


def test_a_form_refused_for_another_field_stores_nothing(staff_client, product_form, bucket_keys):
    make_product(slug="ceramic-dripper", name="Already here")
    before = bucket_keys()

    response = upload(staff_client, product_form, "photo.png", png())

    assert response.status_code == 200
    assert "Product with this Slug already exists" in response.content.decode()
    assert bucket_keys() == before


class ThumbnailsRefused(S3Storage):
    """The real S3 storage, with the endpoint refusing every thumbnail write: the
    original has been written by then, and must not stay."""

    def save(self, name, content, max_length=None):
        if name.startswith("products/thumbnails/"):
            raise ClientError({"Error": {"Code": "ServiceUnavailable"}}, "PutObject")
        return super().save(name, content, max_length)


def test_a_thumbnail_that_cannot_be_stored_takes_the_original_back_out(
    staff_client, product_form, bucket_keys
):
    before = bucket_keys()
    storages = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "BACKEND": f"{__name__}.ThumbnailsRefused"},
    }

    with override_settings(STORAGES=storages):
        response = upload(staff_client, product_form, "photo.png", png())

    assert response.status_code == 200
    assert UNREACHABLE in response.content.decode()
    assert not Product.objects.filter(slug="ceramic-dripper").exists()
    assert bucket_keys() == before


# --- Published, re-encoded -----------------------------------------------------------------


def test_html_appended_to_a_png_is_not_published(staff_client, product_form, s3_client):
    polyglot = png(size=(90, 60)) + HTML

    product = published(upload(staff_client, product_form, "photo.png", polyglot))

    original = stored(s3_client, product.image.name)
    assert original.startswith(PNG_SIGNATURE) and original.endswith(PNG_END)
    assert b"<script" not in original and b"<html" not in original
    assert Image.open(io.BytesIO(original)).size == (90, 60)


def test_gps_and_other_metadata_are_gone_and_the_orientation_is_applied(
    staff_client, product_form, s3_client
):
    product = published(upload(staff_client, product_form, "IMG_0001.JPG", jpeg_from_a_phone()))

    original = stored(s3_client, product.image.name)
    image = Image.open(io.BytesIO(original))
    assert image.format == "JPEG"
    assert image.size == (100, 200)  # stands as the phone showed it
    assert not image.getexif() and not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert not {"exif", "xmp", "comment"} & set(image.info)
    for leaked in (b"PhoneCo", b"home address", b"<script", b"Exif"):
        assert leaked not in original
    thumbnail = stored(s3_client, product.thumbnail.name)
    assert b"Exif" not in thumbnail and Image.open(io.BytesIO(thumbnail)).size == (480, 480)


def test_the_stored_extension_is_the_decoded_format_not_the_name(
    staff_client, product_form, s3_client
):
    product = published(upload(staff_client, product_form, "photo.jpg", png()))

    assert product.image.name.endswith(".png")
    assert stored(s3_client, product.image.name).startswith(PNG_SIGNATURE)


def test_transparency_survives_the_re_encoding(staff_client, product_form, s3_client):
    picture = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    picture.paste((200, 10, 10, 255), (10, 10, 30, 30))

    product = published(upload(staff_client, product_form, "badge.png", encoded(picture, "PNG")))

    image = Image.open(io.BytesIO(stored(s3_client, product.image.name))).convert("RGBA")
    assert image.getpixel((0, 0))[3] == 0 and image.getpixel((20, 20)) == (200, 10, 10, 255)


def test_a_webp_is_published_as_webp(staff_client, product_form, s3_client):
    webp = encoded(Image.new("RGB", (50, 50), "olive"), "WEBP")

    product = published(upload(staff_client, product_form, "photo.webp", webp))

    assert product.image.name.endswith(".webp")
    assert Image.open(io.BytesIO(stored(s3_client, product.image.name))).format == "WEBP"


TRAVERSALS = [
    "../../../etc/passwd.png",
    "..\\..\\windows\\system32\\evil.png",
    "products/thumbnails/../../../escape.png",
    "%2e%2e%2f%2e%2e%2fescape.png",
]


@pytest.mark.parametrize("filename", TRAVERSALS)
def test_a_path_in_the_file_name_never_chooses_the_key(
    staff_client, product_form, bucket_keys, filename
):
    """The multipart body is written by hand: the test client would strip the path."""
    before = bucket_keys()
    fields = product_form(make_category())
    boundary = "----shop-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="{filename}"'
        "\r\nContent-Type: image/png\r\n\r\n".encode()
        + png()
        + b"\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()

    response = staff_client.post(
        ADD, body, content_type=f"multipart/form-data; boundary={boundary}"
    )

    product = published(response)
    assert re.fullmatch(r"products/[0-9a-f]{32}\.png", product.image.name)
    assert re.fullmatch(r"products/thumbnails/[0-9a-f]{32}\.jpg", product.thumbnail.name)
    assert bucket_keys() - before == {product.image.name, product.thumbnail.name}
