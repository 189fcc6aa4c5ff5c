"""Builders for object storage (S3-compatible) and the image origins it implies."""

from urllib.parse import urlsplit

# The default storage of every profile with a bucket: django-storages' S3 backend, loaded
# only when a file is read or written (serving pages only links images).
S3_BACKEND = "shop.core.storage.S3Storage"


def public_image_domain(endpoint_url, bucket_name, *, region_name, custom_domain, url_protocol):
    """``(url_protocol, custom_domain)`` under which the bucket's public objects are linked.

    Plain string URLs: without a custom domain django-storages signs every URL with
    botocore and then strips the signature again, about a millisecond per image (a
    catalog page shows 24) and a boto3 client per process, just to print links.
    """
    if custom_domain:
        return url_protocol, custom_domain
    if endpoint_url:  # moto, MinIO: path-style on the endpoint
        parts = urlsplit(endpoint_url)
        return f"{parts.scheme}:", f"{parts.netloc}/{bucket_name}"
    return "https:", f"{bucket_name}.s3.{region_name}.amazonaws.com"


def s3_storage_options(
    endpoint_url,
    bucket_name,
    *,
    local=False,
    region_name,
    access_key,
    secret_key,
    custom_domain,
    url_protocol,
    querystring_auth,
):
    """Return the OPTIONS of django-storages' S3 backend for an endpoint and bucket.

    ``endpoint_url`` None means AWS itself; ``access_key`` and ``secret_key`` None let
    boto3 find credentials itself (instance role, ~/.aws). A ``local`` endpoint (moto)
    accepts any credentials, so it gets a fixed pair unless some are given. With
    ``querystring_auth`` botocore signs every URL on the endpoint; otherwise URLs are
    plain strings on :func:`public_image_domain`. Timeouts are short and retries few, so that an
    unreachable endpoint turns into a form error or a 503 in about a second instead of
    a hung worker.
    """
    if querystring_auth:
        protocol, domain = url_protocol, None
    else:
        protocol, domain = public_image_domain(
            endpoint_url,
            bucket_name,
            region_name=region_name,
            custom_domain=custom_domain,
            url_protocol=url_protocol,
        )
    return {
        "endpoint_url": endpoint_url,
        "bucket_name": bucket_name,
        "region_name": region_name,
        "access_key": access_key or ("local" if local else None),
        "secret_key": secret_key or ("local-secret" if local else None),
        "url_protocol": protocol,
        "custom_domain": domain,
        "querystring_auth": querystring_auth,
        "addressing_style": "path",
        "file_overwrite": False,
        "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        # botocore.config.Config's arguments (S3_BACKEND makes the Config, so that
        # settings do not import botocore).
        "client_config": {
            "connect_timeout": 1,
            "read_timeout": 5,
            "retries": {"total_max_attempts": 2, "mode": "standard"},
            "signature_version": "s3v4",
        },
    }


def image_origins(storage_options):
    """The origins images are served from, for the Content-Security-Policy's img-src."""
    if storage_options.get("custom_domain"):
        domain = storage_options["custom_domain"].split("/")[0]
        return [f"{storage_options['url_protocol']}//{domain}"]
    if storage_options.get("endpoint_url"):  # signed URLs on the endpoint
        parts = urlsplit(storage_options["endpoint_url"])
        return [f"{parts.scheme}://{parts.netloc}"]
    # Signed, path-style URLs on AWS: s3.amazonaws.com in us-east-1, regional elsewhere.
    region = storage_options["region_name"]
    return ["https://s3.amazonaws.com", f"https://s3.{region}.amazonaws.com"]
