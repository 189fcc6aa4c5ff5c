"""deploy/k8s without a cluster: the base and the production overlay rendered by
``kubectl kustomize``, validated strictly against a current Kubernetes version's
schemas, and read for what the schemas cannot say (probes, affinity, users, paths)."""

import secrets
import shutil
import subprocess
from urllib.parse import urlsplit

import pytest
import yaml

import localcluster

from .tools import DEPLOY, K8S, dockerfile_stages, production_check, run, tool

KUBERNETES_VERSION = "1.37.0"
OVERLAYS = {"base": K8S / "base", "production": K8S / "overlays" / "production"}


def render(directory):
    result = run(tool("kubectl"), "kustomize", str(directory))
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module", params=sorted(OVERLAYS))
def rendered(request):
    """(name, YAML text, {(kind, name): object}) of one rendered kustomization."""
    text = render(OVERLAYS[request.param])
    objects = {(o["kind"], o["metadata"]["name"]): o for o in yaml.safe_load_all(text)}
    return request.param, text, objects


def one(objects, kind):
    (found,) = [o for (k, _), o in objects.items() if k == kind]
    return found


def pod_spec(objects, kind):
    spec = one(objects, kind)["spec"]
    if kind == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"]


def config_map(objects, reference):
    """The ConfigMap a (hash-suffixed) envFrom reference names."""
    return objects[("ConfigMap", reference)]["data"]


def test_the_manifests_pass_strict_validation(rendered, tmp_path):
    name, text, objects = rendered
    manifest = tmp_path / f"{name}.yaml"
    manifest.write_text(text)

    result = run(tool("kubernetes-validate"), "--strict", "-k", KUBERNETES_VERSION, str(manifest))

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("passed for resource") == len(objects)


def test_strict_validation_refuses_an_unknown_field(rendered, tmp_path):
    """The validator bites: a misspelt field (ignored by a lenient apply) fails."""
    _, _, objects = rendered
    service = one(objects, "Service")
    service = {**service, "spec": {**service["spec"], "sessionAfinity": "ClientIP"}}
    manifest = tmp_path / "service.yaml"
    manifest.write_text(yaml.safe_dump(service))

    result = run(tool("kubernetes-validate"), "--strict", "-k", KUBERNETES_VERSION, str(manifest))

    assert result.returncode != 0
    assert "sessionAfinity" in result.stdout + result.stderr


def test_three_replicas_and_an_autoscaler_that_keeps_at_least_as_many(rendered):
    _, _, objects = rendered
    deployment, hpa = one(objects, "Deployment"), one(objects, "HorizontalPodAutoscaler")

    assert deployment["spec"]["replicas"] == 3
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": deployment["metadata"]["name"],
    }
    assert hpa["spec"]["minReplicas"] == 3 < hpa["spec"]["maxReplicas"]
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"]["type"] == "Utilization"


def test_the_service_the_pdb_and_the_deployment_select_the_same_pods(rendered):
    _, _, objects = rendered
    deployment = one(objects, "Deployment")
    labels = deployment["spec"]["template"]["metadata"]["labels"]

    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert one(objects, "Service")["spec"]["selector"].items() <= labels.items()
    pdb = one(objects, "PodDisruptionBudget")["spec"]
    assert pdb["selector"]["matchLabels"].items() <= labels.items()
    assert pdb["maxUnavailable"] == 1


def test_probes_ask_healthz_and_readyz_with_an_allowed_host(rendered):
    _, _, objects = rendered
    (container,) = pod_spec(objects, "Deployment")["containers"]
    (config_ref,) = [e["configMapRef"]["name"] for e in container["envFrom"] if "configMapRef" in e]
    allowed = config_map(objects, config_ref)["DJANGO_ALLOWED_HOSTS"].split(",")
    ingress_hosts = [rule["host"] for rule in one(objects, "Ingress")["spec"]["rules"]]

    paths = {}
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        get = container[probe]["httpGet"]
        paths[probe] = get["path"]
        (host,) = [h["value"] for h in get["httpHeaders"] if h["name"] == "Host"]
        assert host in allowed, f"{probe} sends Host {host}, which Django refuses"
        assert get["port"] == "http"
    assert paths == {
        "startupProbe": "/healthz",
        "readinessProbe": "/readyz",
        "livenessProbe": "/healthz",
    }
    assert set(ingress_hosts) <= set(allowed)
    # docs/operations.md: /readyz may take about 5 s when every dependency hangs.
    assert container["readinessProbe"]["timeoutSeconds"] >= 5


def test_the_production_host_is_set_in_one_place(tmp_path):
    """Changing the Ingress host of the overlay moves the probes and ALLOWED_HOSTS."""
    copy = tmp_path / "k8s"
    shutil.copytree(K8S, copy)
    ingress = copy / "overlays" / "production" / "ingress.yaml"
    ingress.write_text(ingress.read_text().replace("shop.example.com", "store.example.net"))

    objects = {
        (o["kind"], o["metadata"]["name"]): o
        for o in yaml.safe_load_all(render(copy / "overlays" / "production"))
    }

    (container,) = pod_spec(objects, "Deployment")["containers"]
    hosts = {
        h["value"]
        for probe in ("startupProbe", "readinessProbe", "livenessProbe")
        for h in container[probe]["httpGet"]["httpHeaders"]
    }
    assert hosts == {"store.example.net"}
    (config,) = [o["data"] for (kind, _), o in objects.items() if kind == "ConfigMap"]
    assert config["DJANGO_ALLOWED_HOSTS"].split(",")[0] == "store.example.net"


@pytest.mark.parametrize("kind", ["Deployment", "Job", "CronJob"])
def test_pods_run_as_the_images_non_root_user_on_a_read_only_filesystem(rendered, kind):
    _, _, objects = rendered
    spec = pod_spec(objects, kind)
    user = dockerfile_stages()[-1].all("USER")[-1].arguments.split(":")[0]
    (container,) = spec["containers"]

    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] == int(user)
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert spec["automountServiceAccountToken"] is False


@pytest.mark.parametrize("kind", ["Deployment", "Job", "CronJob"])
def test_the_writable_paths_are_mounted(rendered, kind):
    _, _, objects = rendered
    spec = pod_spec(objects, kind)
    (container,) = spec["containers"]
    env = {e["name"]: e["value"] for e in container.get("env", [])}
    metrics_dir = env.get(
        "PROMETHEUS_MULTIPROC_DIR", dockerfile_stages()[-1].env()["PROMETHEUS_MULTIPROC_DIR"]
    )
    empty_dirs = {v["name"] for v in spec["volumes"] if "emptyDir" in v}

    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert {"/tmp", metrics_dir} <= set(mounts)  # noqa: S108
    assert {mounts["/tmp"], mounts[metrics_dir]} <= empty_dirs  # noqa: S108


@pytest.mark.parametrize("kind", ["Deployment", "Job", "CronJob"])
def test_every_container_has_resource_requests_and_limits(rendered, kind):
    _, _, objects = rendered
    (container,) = pod_spec(objects, kind)["containers"]

    for bound in ("requests", "limits"):
        assert set(container["resources"][bound]) == {"cpu", "memory"}


def test_a_stopping_pod_drains_before_gunicorn_is_told_to_stop(rendered):
    _, _, objects = rendered
    spec = pod_spec(objects, "Deployment")
    (container,) = spec["containers"]
    command = container["lifecycle"]["preStop"]["exec"]["command"]
    graceful = 20  # GUNICORN_GRACEFUL_TIMEOUT's default, deploy/gunicorn.conf.py

    assert command[0] == "sleep"
    assert spec["terminationGracePeriodSeconds"] > int(command[1]) + graceful
    strategy = one(objects, "Deployment")["spec"]["strategy"]["rollingUpdate"]
    assert strategy["maxUnavailable"] == 0


def test_prometheus_scrapes_the_app_port(rendered):
    _, _, objects = rendered
    template = one(objects, "Deployment")["spec"]["template"]
    annotations = template["metadata"]["annotations"]
    (container,) = template["spec"]["containers"]
    (port,) = container["ports"]

    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/path"] == "/metrics"
    assert int(annotations["prometheus.io/port"]) == port["containerPort"] == 8000
    image_bind = dockerfile_stages()[-1].env()["GUNICORN_BIND"]
    assert image_bind.endswith(":8000")


def test_the_migration_job_runs_migrate_with_the_apps_image_and_settings(rendered):
    _, _, objects = rendered
    (job,) = pod_spec(objects, "Job")["containers"]
    (app,) = pod_spec(objects, "Deployment")["containers"]

    assert job["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert job["image"] == app["image"]
    assert job["envFrom"] == app["envFrom"]
    assert pod_spec(objects, "Job")["restartPolicy"] == "Never"
    assert "migrate" not in str(app.get("command", "")) + str(app.get("args", ""))


def test_tokens_are_pruned_daily_one_run_at_a_time_with_the_apps_settings(rendered):
    _, _, objects = rendered
    cronjob = one(objects, "CronJob")["spec"]
    (container,) = pod_spec(objects, "CronJob")["containers"]
    (app,) = pod_spec(objects, "Deployment")["containers"]

    assert container["command"] == ["python", "manage.py", "prune_tokens"]
    assert cronjob["concurrencyPolicy"] == "Forbid"
    assert len(cronjob["schedule"].split()) == 5
    assert container["image"] == app["image"] and container["envFrom"] == app["envFrom"]


def test_the_service_and_ingress_carry_no_affinity(rendered):
    _, _, objects = rendered

    for obj in objects.values():
        spec = obj.get("spec", {})
        assert spec.get("sessionAffinity", "None") == "None"
        assert "sessionAffinityConfig" not in spec
        for key, value in obj["metadata"].get("annotations", {}).items():
            text = f"{key}={value}".lower()
            assert not any(w in text for w in ("affinity", "sticky", "stickiness", "cookie"))


def test_every_configured_variable_is_one_the_app_reads(rendered):
    _, _, objects = rendered
    sources = "".join(p.read_text() for p in (DEPLOY.parent / "shop" / "settings").rglob("*.py"))
    sources += (DEPLOY / "gunicorn.conf.py").read_text()
    names = set()
    for (kind, _), obj in objects.items():
        if kind in ("ConfigMap", "Secret"):
            names |= set(obj.get("data", {})) | set(obj.get("stringData", {}))
    for kind in ("Deployment", "Job", "CronJob"):
        (container,) = pod_spec(objects, kind)["containers"]
        names |= {e["name"] for e in container.get("env", [])}

    # Read by Django itself and by prometheus_client.
    others = {"DJANGO_SETTINGS_MODULE", "PROMETHEUS_MULTIPROC_DIR"}
    unread = {n for n in names - others if f'"{n}"' not in sources}
    assert unread == set()


@pytest.fixture
def local_sentinel(redis_server, tmp_path):
    """A real Sentinel on loopback monitoring a real Redis as ``master``, whose password
    is ``password``: ``start(master, password) -> "127.0.0.1:<port>"``."""
    started = []

    def start(master, password):
        url, _ = redis_server("--requirepass", password)
        port = localcluster.free_port()
        conf = tmp_path / f"sentinel-{port}.conf"
        conf.write_text(
            f"port {port}\nbind 127.0.0.1\n"
            f"sentinel monitor {master} 127.0.0.1 {urlsplit(url).port} 1\n"
            f"sentinel auth-pass {master} {password}\n"
        )
        process = subprocess.Popen(
            ["redis-server", str(conf), "--sentinel"],
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        started.append(process)
        localcluster.wait_for_port(port, process)
        return f"127.0.0.1:{port}"

    yield start
    for process in started:
        localcluster.stop(process)


def test_the_config_map_and_the_secrets_keys_pass_the_production_checks(
    rendered, local_sentinel, tmp_path
):
    """The pods' environment (the Secret's keys from the base template, secrets filled
    in) makes a production configuration that ``check --deploy`` accepts."""
    name, _, objects = rendered
    (config,) = [o["data"] for (kind, _), o in objects.items() if kind == "ConfigMap"]
    template = yaml.safe_load((K8S / "base" / "secret.yaml").read_text())["stringData"]
    env = {
        **config,
        **template,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(64),
    }
    (container,) = pod_spec(objects, "Deployment")["containers"]
    env |= {e["name"]: e["value"] for e in container["env"]}
    if "REDIS_SENTINELS" in env:
        # The check asks the Sentinels for the primary and reads its eviction policy:
        # here a real Sentinel and Redis on loopback (without TLS) stand in for the
        # cluster's, with the template's password.
        password = env["REDIS_URL"].split("@")[0].rsplit(":", 1)[1]
        env["REDIS_SENTINELS"] = local_sentinel(env["REDIS_SENTINEL_MASTER"], password)
        env["REDIS_URL"] = env["REDIS_URL"].replace("rediss://", "redis://")
    # The pod's metrics directory is an emptyDir mount; here a directory of the test's.
    assert env["PROMETHEUS_MULTIPROC_DIR"]
    env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path)

    check, values = production_check(env)

    assert check.returncode == 0, check.stdout + check.stderr
    assert "no issues" in check.stdout
    assert values["hosts"] == config["DJANGO_ALLOWED_HOSTS"].split(",")
    assert values["endpoint"] is None  # AWS S3 itself
    if name == "production":
        # Sentinel: the location names the monitored primary, not a host.
        assert values["redis"].endswith(f"@{config['REDIS_SENTINEL_MASTER']}/0")


def test_production_redis_goes_through_sentinel_and_the_base_through_one_endpoint(rendered):
    name, _, objects = rendered
    (config,) = [o["data"] for (kind, _), o in objects.items() if kind == "ConfigMap"]

    if name == "production":
        sentinels = config["REDIS_SENTINELS"].split(",")
        assert len(sentinels) == 3 and all(s.rsplit(":", 1)[1].isdigit() for s in sentinels)
        assert config["REDIS_SENTINEL_MASTER"]
    else:
        assert "REDIS_SENTINELS" not in config


def test_production_leaves_the_secret_to_the_operator(rendered):
    name, _, objects = rendered
    secrets = [n for (kind, n) in objects if kind == "Secret"]
    (container,) = pod_spec(objects, "Deployment")["containers"]
    (secret_ref,) = [e["secretRef"]["name"] for e in container["envFrom"] if "secretRef" in e]

    assert secrets == ([] if name == "production" else [secret_ref])
    if name == "production":
        assert one(objects, "Namespace")["metadata"]["name"] == "shop"
        assert container["image"].endswith(":1.0.0")
