"""The local S3 endpoint (moto's server) and its bucket."""

import json
import subprocess

import boto3
from botocore.exceptions import ClientError

from .processes import BIN, wait_for_port

# Product images are public, like a shop window; everything else in the bucket is not.
PUBLIC_PREFIXES = ("products/",)


def start_s3(port):
    """moto's S3 server on ``port``; its data lives in the process and ends with it."""
    process = subprocess.Popen(
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for_port(port, process)
    return process


def ensure_bucket(options):
    """Create the bucket of django-storages ``options`` if missing; make images public.

    Production buckets get the same policy from their infrastructure code (or sit behind
    a CDN); see docs/operations.md.
    """
    client = boto3.session.Session().client(
        "s3",
        endpoint_url=options["endpoint_url"],
        region_name=options["region_name"],
        aws_access_key_id=options["access_key"],
        aws_secret_access_key=options["secret_key"],
    )
    try:
        client.head_bucket(Bucket=options["bucket_name"])
    except ClientError:
        client.create_bucket(Bucket=options["bucket_name"])
    bucket = options["bucket_name"]
    statement = {
        "Sid": "PublicProductImages",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": [f"arn:aws:s3:::{bucket}/{prefix}*" for prefix in PUBLIC_PREFIXES],
    }
    policy = {"Version": "2012-10-17", "Statement": [statement]}
    client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
