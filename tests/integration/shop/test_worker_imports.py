"""A serving worker does not load what only uploads, the schema or the admin need.

A fresh interpreter with the stateless profile loads the WSGI application the way a
gunicorn worker does, serves the catalog page, the product API and a guest cart write
through it, and lists what it has imported: the S3 client (boto3, botocore,
django-storages' S3 backend) and Pillow are loaded only where files are written or read
(shop.core.storage, the admin's upload form).
"""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from tests.factories import make_product

pytestmark = pytest.mark.django_db(transaction=True)

NOT_FOR_SERVING = ("boto3", "botocore", "storages.backends.s3", "PIL")

WORKER = """
import io, json, sys
from django.core.wsgi import get_wsgi_application

app = get_wsgi_application()


def call(method, path, body=b"", **headers):
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1:8000",
        "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        **{"HTTP_" + k.upper(): v for k, v in headers.items()},
    }
    answer = {}
    body = b"".join(app(environ, lambda status, h, exc=None: answer.update(status=status)))
    return int(answer["status"].split()[0]), body


product_id, slug = json.loads(sys.argv[1])
statuses = {
    "healthz": call("GET", "/healthz")[0],
    "catalog": call("GET", "/")[0],
    "product page": call("GET", f"/products/{slug}/")[0],
    "product API": call("GET", f"/api/v1/products/{slug}/")[0],
    "guest add": call(
        "POST", "/api/v1/cart/items/", json.dumps({"product_id": product_id}).encode()
    )[0],
}
page = call("GET", f"/api/v1/products/{slug}/")[1]
print(json.dumps({
    "statuses": statuses,
    "image_url": json.loads(page)["image_url"],
    "loaded": [name for name in json.loads(sys.argv[2]) if name in sys.modules],
}))
"""


def serve_in_a_fresh_worker(instance_env, product):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(instance_env, DJANGO_LOG_LEVEL="WARNING")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            WORKER,
            json.dumps([product.id, product.slug]),
            json.dumps(NOT_FOR_SERVING),
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def test_serving_pages_and_the_cart_loads_no_s3_client_and_no_pillow(instance_env):
    product = make_product(image="products/kettle.jpg")

    worker = serve_in_a_fresh_worker(instance_env, product)

    assert set(worker["statuses"].values()) == {200}, worker["statuses"]
    assert worker["loaded"] == []
    # Image links are still plain strings on the bucket's public domain.
    bucket = f"{instance_env['AWS_S3_ENDPOINT_URL']}/{instance_env['AWS_STORAGE_BUCKET_NAME']}"
    assert worker["image_url"] == f"{bucket}/products/kettle.jpg"
