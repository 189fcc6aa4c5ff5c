"""The object store, without loading its client until a file is read or written.

django-storages' S3 backend imports boto3 and botocore when its module loads, about
18 MB of every worker, although serving a page only prints image links. ``S3Storage``
takes the same OPTIONS as django-storages' (``client_config`` may also be a dict of
``botocore.config.Config`` arguments, so that the settings need not import botocore),
builds public URLs itself when they are plain strings (a ``custom_domain`` and no
``querystring_auth``, as ``shop.settings.sections.storage`` configures them), exactly as
django-storages would, and hands every other operation to django-storages' backend,
made on first use: an admin upload, ``migrate_media_to_s3``, ``/readyz``.
"""

from urllib.parse import urlencode

from django.core.exceptions import SuspiciousOperation
from django.core.files.storage import Storage
from django.utils.deconstruct import deconstructible
from django.utils.encoding import filepath_to_uri
from django.utils.functional import cached_property
from storages.utils import clean_name, safe_join


@deconstructible(path="shop.core.storage.S3Storage")
class S3Storage(Storage):
    """``storages.backends.s3.S3Storage``, made when a file is first touched.

    ``url()`` of a public object is a string on the bucket's public domain and needs no
    client; anything else (``save``, ``open``, ``delete``, signed URLs, ``bucket``) is
    django-storages' own method, on the real backend.
    """

    def __init__(self, **options):
        self.options = options

    @cached_property
    def backend(self):
        # Deferred on purpose (the module docstring says why): boto3 loads here.
        from botocore.config import Config
        from storages.backends.s3 import S3Storage as BackendS3Storage

        options = dict(self.options)
        if isinstance(options.get("client_config"), dict):
            options["client_config"] = Config(**options["client_config"])
        return BackendS3Storage(**options)

    def __getattr__(self, name):
        # Attributes of django-storages' backend (bucket, connection, bucket_name, ...).
        if name.startswith("__") or name in ("options", "backend"):
            raise AttributeError(name)
        return getattr(self.backend, name)

    def url(self, name, parameters=None, expire=None, http_method=None):
        domain = self.options.get("custom_domain")
        if not domain or self.options.get("querystring_auth", True):
            return self.backend.url(name, parameters, expire, http_method)
        # django-storages' S3Storage.url for a custom domain, without its client.
        try:
            name = safe_join(self.options.get("location", ""), clean_name(name))
        except ValueError:
            raise SuspiciousOperation(f"Attempted access to {name!r} denied.") from None
        query = f"?{urlencode(parameters)}" if parameters else ""
        return (
            f"{self.options.get('url_protocol', 'https:')}//{domain}/{filepath_to_uri(name)}{query}"
        )

    # --- Django's Storage API: django-storages' backend does it ---------------------------

    def open(self, name, mode="rb"):
        return self.backend.open(name, mode)

    def save(self, name, content, max_length=None):
        return self.backend.save(name, content, max_length=max_length)

    def get_valid_name(self, name):
        return self.backend.get_valid_name(name)

    def get_alternative_name(self, file_root, file_ext):
        return self.backend.get_alternative_name(file_root, file_ext)

    def get_available_name(self, name, max_length=None):
        return self.backend.get_available_name(name, max_length=max_length)

    def generate_filename(self, filename):
        return self.backend.generate_filename(filename)

    def path(self, name):
        return self.backend.path(name)

    def delete(self, name):
        return self.backend.delete(name)

    def exists(self, name):
        return self.backend.exists(name)

    def listdir(self, path):
        return self.backend.listdir(path)

    def size(self, name):
        return self.backend.size(name)

    def get_accessed_time(self, name):
        return self.backend.get_accessed_time(name)

    def get_created_time(self, name):
        return self.backend.get_created_time(name)

    def get_modified_time(self, name):
        return self.backend.get_modified_time(name)
