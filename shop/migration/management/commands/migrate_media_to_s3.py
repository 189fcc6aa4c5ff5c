"""``manage.py migrate_media_to_s3``: MEDIA_ROOT into the bucket, under the same keys.

Run it with the settings whose default storage is the bucket (the stateless profile).
Every file under ``--source`` (default ``MEDIA_ROOT``) is uploaded to the key equal to its
path relative to that directory, which is the name a FileField stores, so no database
row changes. An upload sends the file's MD5 (S3 refuses a corrupted body), then the
object is verified: its size, and its checksum (the single-part ETag is the MD5; the
SHA-256 is also kept as object metadata). A key already in the bucket with the same size
and checksum is skipped, so a second run copies nothing and an interrupted run resumes;
a key with different content is reported and never overwritten. Safe while the shop
serves: it only reads MEDIA_ROOT, and a run after the last legacy upload catches up.
Exit status 1 when a file could not be copied or verified.

The report lists what is missing on either side: files stored in the database
(FileFields) that are neither under MEDIA_ROOT nor in the bucket, and objects in the
bucket that MEDIA_ROOT does not have (uploads made after the switch, or leftovers).
"""

import base64
import hashlib
import mimetypes
import posixpath
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError
from django.apps import apps
from django.conf import settings
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError
from django.db import models

from shop.migration.progress import Progress, Summary

CHUNK = 1024 * 1024
MAX_LISTED = 50


class Command(BaseCommand):
    help = (
        "Copies MEDIA_ROOT into the default storage's bucket under the same keys, verified "
        "by size and checksum; skips identical objects, never overwrites different ones, "
        "and reports files missing on either side. --dry-run copies nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report, copy nothing.")
        parser.add_argument("--source", help="The directory to copy (default: MEDIA_ROOT).")

    def handle(self, *args, dry_run, source, **options):
        storage = storages["default"]
        if not hasattr(storage, "bucket"):
            raise CommandError(
                "The default storage is not a bucket: run this command with the settings "
                "that name an S3 storage (django-storages' or shop.core.storage.S3Storage, "
                "e.g. shop.settings.stateless)."
            )
        root = Path(source or settings.MEDIA_ROOT)
        if not root.is_dir():
            raise CommandError(f"{root} is not a directory.")
        self.storage, self.client = storage, storage.bucket.meta.client
        try:
            remote = self._list_bucket()
        except (BotoCoreError, ClientError) as exc:
            raise CommandError(f"The bucket cannot be listed: {exc}") from exc
        files = sorted(p for p in root.rglob("*") if p.is_file())
        summary, progress = Summary(), Progress(self.stdout, total=len(files), label="files")
        local_names = set()
        for path in files:
            name = path.relative_to(root).as_posix()
            local_names.add(name)
            status, reason = self._copy(path, self._key(name), remote, dry_run=dry_run)
            summary.add(status, reason, f"{name}: {reason}" if status == "failed" else None)
            progress.advance(1)
        progress.finish()
        summary.write(self.stdout, dry_run=dry_run, verb="copied")
        self._missing(local_names, remote)
        if summary.count("failed"):
            raise CommandError(
                f"{summary.count('failed')} file(s) not copied: see above.", returncode=1
            )

    def _key(self, name):
        location = getattr(self.storage, "location", "")
        return posixpath.join(location, name) if location else name

    def _list_bucket(self):
        """``{key: (size, etag)}`` of every object, in pages of 1000."""
        found = {}
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.storage.bucket_name
        )
        for page in pages:
            for item in page.get("Contents", []):
                found[item["Key"]] = (item["Size"], item["ETag"].strip('"'))
        return found

    def _copy(self, path, key, remote, *, dry_run):
        size = path.stat().st_size
        md5, sha256 = _digests(path)
        if key in remote:
            if self._same(key, remote[key], size, md5, sha256):
                return "skipped", "already in the bucket, identical"
            return "failed", "a different object has this key; not overwritten"
        if dry_run:
            return "moved", None
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        try:
            with path.open("rb") as body:
                self.client.put_object(
                    Bucket=self.storage.bucket_name,
                    Key=key,
                    Body=body,
                    ContentMD5=base64.b64encode(bytes.fromhex(md5)).decode(),
                    ContentType=content_type,
                    Metadata={"sha256": sha256},
                    **_object_parameters(self.storage),
                )
            head = self.client.head_object(Bucket=self.storage.bucket_name, Key=key)
        except (BotoCoreError, ClientError) as exc:
            return "failed", f"upload failed: {exc}"
        if not self._same(key, (head["ContentLength"], head["ETag"].strip('"')), size, md5, sha256):
            return "failed", "verification failed: size or checksum differ after upload"
        return "moved", None

    def _same(self, key, remote, size, md5, sha256):
        remote_size, etag = remote
        if remote_size != size:
            return False
        if "-" not in etag:
            return etag == md5  # a single-part upload's ETag is its MD5
        # Multipart: the ETag is not a checksum of the content; ours is in the metadata,
        # else the content is read back.
        head = self.client.head_object(Bucket=self.storage.bucket_name, Key=key)
        if "sha256" in head.get("Metadata", {}):
            return head["Metadata"]["sha256"] == sha256
        body = self.client.get_object(Bucket=self.storage.bucket_name, Key=key)["Body"]
        digest = hashlib.sha256()
        for chunk in iter(lambda: body.read(CHUNK), b""):
            digest.update(chunk)
        return digest.hexdigest() == sha256

    def _missing(self, local_names, remote):
        prefix = self._key("")
        only_remote = sorted(
            k[len(prefix) :] for k in remote if k[len(prefix) :] not in local_names
        )
        referenced = _stored_file_names()
        nowhere = sorted(
            n for n in referenced if n not in local_names and self._key(n) not in remote
        )
        for label, names in (
            ("In the database but neither in MEDIA_ROOT nor in the bucket", nowhere),
            ("In the bucket but not in MEDIA_ROOT", only_remote),
        ):
            if names:
                self.stdout.write(f"{label}: {len(names)}")
                for name in names[:MAX_LISTED]:
                    self.stdout.write(f"  {name}")


def _digests(path):
    md5, sha256 = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(CHUNK), b""):
            md5.update(chunk)
            sha256.update(chunk)
    return md5.hexdigest(), sha256.hexdigest()


def _object_parameters(storage):
    """The storage's own object parameters (CacheControl…), as its uploads get them."""
    return {k: v for k, v in getattr(storage, "object_parameters", {}).items() if k != "Metadata"}


def _stored_file_names():
    """Every file name stored in a FileField (ImageField included) of any model."""
    names = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField):
                values = model._default_manager.exclude(**{field.name: ""}).values_list(
                    field.name, flat=True
                )
                names.update(v for v in values if v)
    return names
