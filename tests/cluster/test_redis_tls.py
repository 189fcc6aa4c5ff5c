"""Redis over TLS: ``rediss://`` and a CA file, configured by environment (issue 13 §4).

Servers listen on a TLS port only (``--port 0``), so a shop that reached them at all
spoke TLS; certificates are made at test time and signed by a throwaway CA.
"""

import datetime
import ipaddress
import time

import pytest
import redis
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import localcluster
from tests.cluster.redis_topology import RedisNode, RedisTopology
from tests.factories import make_product

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]

# Generous: the first request to an instance waits for its workers to boot, which takes
# seconds on a busy machine; a verdict on a refused certificate takes well under one.
TIMEOUT = 30


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject, key, issuer, issuer_key, *, ca):
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
        builder = builder.add_extension(san, critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _write_pem(path, certificate=None, key=None):
    if certificate is not None:
        path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    else:
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return path


@pytest.fixture
def pki(tmp_path):
    """A CA, a server certificate for 127.0.0.1 signed by it, and an unrelated CA."""
    ca_key, server_key, other_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    ca = _certificate("shop test CA", ca_key, "shop test CA", ca_key, ca=True)
    server = _certificate("127.0.0.1", server_key, "shop test CA", ca_key, ca=False)
    other = _certificate("someone else's CA", other_key, "someone else's CA", other_key, ca=True)
    return {
        "ca": _write_pem(tmp_path / "ca.pem", ca),
        "other_ca": _write_pem(tmp_path / "other-ca.pem", other),
        "cert": _write_pem(tmp_path / "redis.pem", server),
        "key": _write_pem(tmp_path / "redis.key", key=server_key),
    }


@pytest.fixture
def tls_redis(tmp_path, pki):
    """A redis-server with a TLS port and no plain one; its port."""
    port = localcluster.free_port()
    node = RedisNode(
        port,
        [
            "--port", "0",
            "--tls-port", str(port),
            "--tls-cert-file", str(pki["cert"]),
            "--tls-key-file", str(pki["key"]),
            "--tls-ca-cert-file", str(pki["ca"]),
            "--tls-auth-clients", "no",
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--maxmemory-policy", "noeviction",
        ],
        tmp_path / "redis-tls.log",
    ).start()  # fmt: skip
    yield port
    node.stop()


def test_the_shop_keeps_carts_on_a_tls_redis_it_verifies(start_instance, tls_redis, pki):
    product = make_product(stock=5)
    url = f"rediss://127.0.0.1:{tls_redis}/0"
    port, _ = start_instance(env={"REDIS_URL": url, "REDIS_TLS_CA_FILE": str(pki["ca"])})
    localcluster.wait_until_healthy(port)
    base = f"http://127.0.0.1:{port}"

    added = requests.post(
        f"{base}/api/v1/cart/items/",
        json={"product_id": product.pk, "quantity": 3},
        headers={"X-Cart-Token": ""},
        timeout=TIMEOUT,
    )
    assert added.status_code == 200, added.text
    cart = requests.get(
        f"{base}/api/v1/cart/",
        headers={"X-Cart-Token": added.headers["X-Cart-Token"]},
        timeout=TIMEOUT,
    )
    assert [(i["product_id"], i["quantity"]) for i in cart.json()["items"]] == [(product.pk, 3)]
    assert requests.get(f"{base}/readyz", timeout=TIMEOUT).status_code == 200
    server = redis.Redis.from_url(url, ssl_ca_certs=str(pki["ca"]))
    assert [key for key in server.scan_iter("*cart:guest:*")]  # the cart is on that server


def test_a_tls_redis_whose_certificate_the_shop_cannot_verify_is_a_503(
    start_instance, tls_redis, pki
):
    product = make_product(stock=5)
    port, _ = start_instance(
        env={
            "REDIS_URL": f"rediss://127.0.0.1:{tls_redis}/0",
            "REDIS_TLS_CA_FILE": str(pki["other_ca"]),
        }
    )
    localcluster.wait_until_healthy(port)
    base = f"http://127.0.0.1:{port}"

    refused = requests.post(
        f"{base}/api/v1/cart/items/",
        json={"product_id": product.pk},
        headers={"X-Cart-Token": ""},
        timeout=TIMEOUT,
    )
    assert refused.status_code == 503
    assert refused.json()["code"] == "cart_unavailable"
    ready = requests.get(f"{base}/readyz", timeout=TIMEOUT)
    assert ready.status_code == 503
    assert "redis" in ready.text.lower()


def test_carts_follow_a_sentinel_failover_over_tls(start_instance, pki, tmp_path):
    product = make_product(stock=5)
    (tmp_path / "topology").mkdir()
    topology = RedisTopology.start(tmp_path / "topology", master_name="shop-tls", tls=pki)
    try:
        port, _ = start_instance(
            env={
                "REDIS_URL": "rediss://shop-tls/0",
                "REDIS_SENTINELS": topology.sentinel_addresses,
                "REDIS_SENTINEL_MASTER": "shop-tls",
                "REDIS_TLS_CA_FILE": str(pki["ca"]),
                "CARTS_WAIT_REPLICAS": "1",
            }
        )
        base = f"http://127.0.0.1:{port}"
        added = requests.post(
            f"{base}/api/v1/cart/items/",
            json={"product_id": product.pk, "quantity": 2},
            headers={"X-Cart-Token": ""},
            timeout=TIMEOUT,
        )
        assert added.status_code == 200, added.text
        token = added.headers["X-Cart-Token"]

        topology.primary.kill()
        topology.wait_for_failover(topology.primary.port)
        deadline = time.monotonic() + 20
        while (
            cart := requests.get(
                f"{base}/api/v1/cart/", headers={"X-Cart-Token": token}, timeout=TIMEOUT
            )
        ).status_code != 200:
            assert cart.status_code == 503 and time.monotonic() < deadline, cart.text
            time.sleep(0.1)
        assert [(i["product_id"], i["quantity"]) for i in cart.json()["items"]] == [(product.pk, 2)]
    finally:
        topology.stop()
