"""`migrate_media_to_s3` against the real S3 endpoint: same keys, equal checksums, once."""

import hashlib
import uuid

import pytest
from django.conf import settings

from tests.factories import make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(tmp_path, settings):
    """A MEDIA_ROOT with a few uploads under a prefix of this test's own."""
    settings.MEDIA_ROOT = tmp_path
    prefix = f"products/{uuid.uuid4().hex[:8]}"
    files = {
        f"{prefix}/tea.jpg": b"\xff\xd8 a jpeg" * 500,
        f"{prefix}/cups/blue cup.png": b"\x89PNG a png" * 200,
        f"{prefix}/empty.txt": b"",
    }
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return prefix, files


def bucket():
    return settings.STORAGES["default"]["OPTIONS"]["bucket_name"]


def sha256(content):
    return hashlib.sha256(content).hexdigest()


def test_every_file_lands_under_its_key_with_an_equal_checksum(media, run, s3_client):
    _, files = media

    status, out = run("migrate_media_to_s3")

    assert status == 0, out
    assert "3 copied, 0 skipped, 0 failed" in out
    for name, content in files.items():
        stored = s3_client.get_object(Bucket=bucket(), Key=name)
        assert sha256(stored["Body"].read()) == sha256(content)
        assert stored["Metadata"]["sha256"] == sha256(content)
        assert stored["CacheControl"].startswith("public")


def test_a_second_run_copies_nothing(media, run):
    run("migrate_media_to_s3")

    status, out = run("migrate_media_to_s3")

    assert status == 0
    assert "0 copied, 3 skipped" in out and "already in the bucket, identical: 3" in out


def test_a_dry_run_copies_nothing(media, run, s3_client):
    prefix, _ = media

    status, out = run("migrate_media_to_s3", "--dry-run")

    assert status == 0 and "3 would be copied" in out
    listed = s3_client.list_objects_v2(Bucket=bucket(), Prefix=prefix)
    assert listed.get("KeyCount", 0) == 0


def test_a_different_object_under_the_same_key_is_reported_not_overwritten(media, run, s3_client):
    prefix, _ = media
    s3_client.put_object(Bucket=bucket(), Key=f"{prefix}/tea.jpg", Body=b"someone else's")

    status, out = run("migrate_media_to_s3")

    assert status == 1 and "2 copied, 0 skipped, 1 failed" in out
    assert f"{prefix}/tea.jpg: a different object has this key; not overwritten" in out
    body = s3_client.get_object(Bucket=bucket(), Key=f"{prefix}/tea.jpg")["Body"].read()
    assert body == b"someone else's"


def test_files_missing_on_either_side_are_reported(media, run, s3_client):
    prefix, _ = media
    make_product(image=f"{prefix}/lost.jpg")  # in the database, on no disk, in no bucket
    s3_client.put_object(Bucket=bucket(), Key=f"{prefix}/uploaded-after.jpg", Body=b"x")

    status, out = run("migrate_media_to_s3")

    assert status == 0, out
    nowhere, only_bucket = out.split("In the database")[1].split("In the bucket")
    assert f"  {prefix}/lost.jpg" in nowhere
    assert f"  {prefix}/uploaded-after.jpg" in only_bucket
    assert f"{prefix}/tea.jpg" not in only_bucket
