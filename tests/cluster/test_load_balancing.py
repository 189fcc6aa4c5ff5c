"""Real gunicorn instances behind a real nginx, as `make run` and production run them."""

import os
import re
import signal
from collections import Counter

import pytest
import requests

from localcluster import NGINX_CONF
from tests.factories import APP_HASHER, make_product, make_staff

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]


def test_nginx_config_balances_without_affinity_and_retries_elsewhere():
    conf = re.sub(r"#.*", "", NGINX_CONF.read_text())

    assert not re.search(r"\b(ip_hash|hash|sticky|least_conn)\b", conf)
    assert re.findall(r"server 127\.0\.0\.1:(\d+)", conf) == ["8001", "8002", "8003"]
    assert "listen 127.0.0.1:8000;" in conf
    assert re.search(r"proxy_next_upstream error timeout", conf)
    assert "non_idempotent" not in conf


def test_requests_spread_over_instances_and_all_succeed(start_cluster):
    make_product(slug="sencha")
    cluster = start_cluster(instances=2, workers=2)

    served_by, statuses = Counter(), Counter()
    with requests.Session() as browser:
        for i in range(30):
            path = ["/", "/api/v1/products/", "/products/sencha/"][i % 3]
            response = browser.get(cluster.url + path, timeout=10)
            statuses[response.status_code] += 1
            served_by[response.headers["X-Served-By"]] += 1

    assert statuses == {200: 30}
    assert len(served_by) >= 2
    pids = {int(name.rsplit(":", 1)[1]) for name in served_by}
    assert pids.isdisjoint({p.pid for p in cluster.instances})  # workers, not masters


def test_cluster_stops_every_process_it_started(start_cluster):
    cluster = start_cluster(instances=2, workers=1)
    pids = [cluster.nginx.pid, *(p.pid for p in cluster.instances)]

    cluster.stop()

    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_killed_instance_is_invisible_to_shoppers(start_cluster):
    make_product(slug="sencha")
    cluster = start_cluster(instances=2, workers=1)
    victim = cluster.instances[0]
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()

    statuses = Counter(
        requests.get(f"{cluster.url}/products/sencha/", timeout=10).status_code for _ in range(20)
    )

    assert statuses == {200: 20}


def test_staff_stay_signed_in_to_the_admin_whichever_instance_answers(start_cluster):
    staff = make_staff(password="a long staff password", hasher=APP_HASHER)
    cluster = start_cluster(instances=2, workers=2)

    with requests.Session() as browser:
        browser.get(f"{cluster.url}/admin/login/", timeout=10)
        login = browser.post(
            f"{cluster.url}/admin/login/?next=/admin/",
            data={
                "username": staff.email,
                "password": "a long staff password",
                "csrfmiddlewaretoken": browser.cookies["csrftoken"],
            },
            headers={"Referer": f"{cluster.url}/admin/login/"},
            allow_redirects=False,
            timeout=10,
        )
        assert login.status_code == 302, login.text[:500]
        pages = [
            browser.get(f"{cluster.url}/admin/catalog/product/", timeout=10, allow_redirects=False)
            for _ in range(12)
        ]

    assert [p.status_code for p in pages] == [200] * 12
    assert len({p.headers["X-Served-By"] for p in pages}) >= 2


def test_static_files_are_compressed_and_cached_for_a_year(start_cluster):
    make_product(slug="sencha")
    cluster = start_cluster(instances=1, workers=1)
    page = requests.get(f"{cluster.url}/products/sencha/", timeout=10).text
    stylesheet = re.search(r'href="(/static/shop/shop\.[0-9a-f]{12}\.css)"', page).group(1)

    response = requests.get(
        cluster.url + stylesheet, headers={"Accept-Encoding": "br, gzip"}, timeout=10
    )

    assert response.status_code == 200
    assert response.headers["Content-Encoding"] in ("br", "gzip")
    max_age = int(re.search(r"max-age=(\d+)", response.headers["Cache-Control"]).group(1))
    assert max_age >= 365 * 24 * 3600 and "immutable" in response.headers["Cache-Control"]
