"""deploy/Dockerfile, checked without a container engine: hadolint, its stages, and the
steps it runs (collectstatic, gunicorn's settings, the HEALTHCHECK) run here for real."""

import fnmatch
import os
import runpy
import sys
import time
from pathlib import PurePosixPath

import pytest

import localcluster
from localcluster import BASE_DIR

from .tools import DEPLOY, DOCKERFILE, dockerfile_stages, run, tool

PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "k3#v9!qP2z@Lr7^wX1&mN5*bT8(cY4)hJ6_fD0+gS-aE=uR.iO;pK,lM<nB>vC?xZ",
    "JWT_SIGNING_KEY": "Zq8#Lm2!vB7@xR4$wT9%nY3^kP6&hJ1*dF5(gS0)aE-uI=oC+lM;rN:tV<sW>yX?",
    # Never connected to: /healthz touches no dependency.
    "DATABASE_URL": "postgres://shop:secret@127.0.0.1:1/shop",
    "DJANGO_ALLOWED_HOSTS": "shop.example.com",
}


@pytest.fixture(scope="module")
def stages():
    return dockerfile_stages()


@pytest.fixture(scope="module")
def final(stages):
    return stages[-1]


def _clean_environ():
    return {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_"))}


def test_hadolint_finds_nothing_with_the_committed_config():
    result = run(tool("hadolint"), "--config", ".hadolint.yaml", str(DOCKERFILE))

    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_fails_a_dockerfile_that_runs_as_root(tmp_path):
    """The committed config does not silence the rules the tests rely on."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:3.11-slim\nRUN pip install django\nUSER root\n")

    result = run(tool("hadolint"), "--config", ".hadolint.yaml", str(bad))

    assert result.returncode != 0
    assert "DL3002" in result.stdout and "DL3013" in result.stdout


def test_the_final_stage_declares_a_numeric_non_root_user(final):
    users = final.all("USER")

    assert users, "the final stage declares no USER, so the container runs as root"
    user, _, group = users[-1].arguments.partition(":")
    # Numeric, so that Kubernetes' runAsNonRoot can check it without reading /etc/passwd.
    assert user.isdigit() and int(user) != 0
    assert not group or (group.isdigit() and int(group) != 0)


def test_dependencies_are_installed_in_a_build_stage_and_copied(stages, final):
    assert len(stages) >= 2
    build = stages[0]
    assert build.name == "build"
    assert build.base == final.base == "${PYTHON_IMAGE}"
    assert any("pip install" in i.arguments for i in build.all("RUN"))
    assert not any("pip" in i.arguments for i in final.all("RUN"))
    copied = [i.arguments for i in final.all("COPY")]
    assert "--from=build /opt/venv /opt/venv" in copied
    assert "--from=build /app /app" in copied


def test_the_base_image_is_a_slim_python_3_11():
    default = next(
        line.split("=", 1)[1]
        for line in DOCKERFILE.read_text().splitlines()
        if line.startswith("ARG PYTHON_IMAGE=")
    )

    assert default.startswith("python:3.11-slim")


def test_the_entry_point_is_gunicorn_with_the_project_config(final):
    entrypoint = final.all("ENTRYPOINT")[-1].exec_form()
    cmd = final.all("CMD")[-1].exec_form()

    assert entrypoint == ["gunicorn", "--config", "deploy/gunicorn.conf.py"]
    assert cmd == ["shop.wsgi:application"]
    # Migrations are a one-off command, never part of the start.
    assert "migrate" not in " ".join(entrypoint + cmd)
    assert not any("migrate" in i.arguments for i in final.all("RUN"))


def test_gunicorn_listens_on_every_interface_and_trusts_only_private_proxies(final, monkeypatch):
    env = final.env()
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))

    assert env["DJANGO_SETTINGS_MODULE"] == "shop.settings.production"
    assert config["bind"] == "0.0.0.0:8000"
    assert "8000" in " ".join(i.arguments for i in final.all("EXPOSE"))
    assert config["forwarded_allow_ips"] == env["FORWARDED_ALLOW_IPS"]
    assert "*" not in env["FORWARDED_ALLOW_IPS"]


@pytest.fixture(scope="module")
def collected_static(stages, tmp_path_factory):
    """The build's collectstatic step, run here with every service unreachable."""
    step = next(i.arguments for i in stages[0].all("RUN") if "collectstatic" in i.arguments)
    assert step.startswith("DJANGO_SETTINGS_MODULE=shop.settings.stateless ")
    static_root = tmp_path_factory.mktemp("staticfiles")
    unreachable = {
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "DATABASE_URL": "postgres://shop:shop@127.0.0.1:1/shop",
        "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:1",
    }
    result = run(
        sys.executable,
        "manage.py",
        "collectstatic",
        "--noinput",
        env={
            **_clean_environ(),
            **unreachable,
            "DJANGO_SETTINGS_MODULE": "shop.settings.stateless",
            "DJANGO_STATIC_ROOT": str(static_root),
        },
        timeout=240,
    )
    return result, static_root


def test_static_files_are_collected_at_build_without_any_service(collected_static):
    result, static_root = collected_static

    assert result.returncode == 0, result.stderr
    assert (static_root / "staticfiles.json").is_file()


@pytest.fixture(scope="module")
def production_instance(final, collected_static, tmp_path_factory):
    """A real gunicorn with the image's environment (production profile) and its
    collected static files, on loopback."""
    port = localcluster.free_port()
    metrics = tmp_path_factory.mktemp("prometheus")
    env = {
        **final.env(),
        **PRODUCTION_ENV,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics),
        "DJANGO_STATIC_ROOT": str(collected_static[1]),
    }
    process = localcluster.start_instance(port, env, workers=1, threads=2)
    # The port answers before the worker has booted (a loaded machine takes seconds):
    # wait for one answer, so that the tests time the probe and not the boot.
    deadline = time.monotonic() + 60
    while _healthcheck(final, env).returncode != 0 and time.monotonic() < deadline:
        time.sleep(0.5)
    yield env
    localcluster.stop(process)


def _healthcheck(final, env):
    command = final.all("HEALTHCHECK")[-1].exec_form()
    assert command[0] == "python"
    return run(sys.executable, *command[1:], env={**_clean_environ(), **env}, timeout=30)


def test_the_healthcheck_passes_against_the_production_profile(final, production_instance):
    result = _healthcheck(final, production_instance)

    assert result.returncode == 0, result.stderr


def test_the_healthcheck_fails_when_its_host_is_not_allowed(final, production_instance):
    """Proves the Host header matters: the same probe with a host Django refuses."""
    server_env = {**production_instance, "DJANGO_ALLOWED_HOSTS": "elsewhere.example.org"}

    result = _healthcheck(final, server_env)

    assert result.returncode == 1
    assert "answered 400 for Host elsewhere.example.org" in result.stderr


def test_the_healthcheck_fails_when_nothing_listens(final):
    port = localcluster.free_port()

    result = _healthcheck(final, {"GUNICORN_BIND": f"0.0.0.0:{port}"})

    assert result.returncode == 1
    assert "refused" in result.stderr.lower()


@pytest.mark.parametrize(
    ("allowed_hosts", "host"),
    [
        ("shop.example.com,www.example.com", "shop.example.com"),
        (" .example.com", "example.com"),
        ("*", "localhost"),
        ("", "localhost"),
    ],
)
def test_the_healthcheck_sends_the_first_allowed_host(allowed_hosts, host):
    healthcheck = runpy.run_path(str(DEPLOY / "healthcheck.py"))

    assert healthcheck["probe_host"](allowed_hosts) == host


def _ignored(patterns, path):
    """Whether Docker leaves ``path`` out of the context: some .dockerignore pattern
    matches it or a folder above it ("**/" also matches no folder; the last match wins)."""
    ignored = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        alternatives = {pattern, pattern.removeprefix("**/")}
        candidates = [path, *(str(p) for p in PurePosixPath(path).parents)]
        if any(fnmatch.fnmatch(c, a) for c in candidates for a in alternatives):
            ignored = not negated
    return ignored


def test_dockerignore_keeps_secrets_and_local_state_out_and_the_app_in():
    patterns = [
        line.strip()
        for line in (BASE_DIR / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    for path in [".env", "deploy/compose.env", ".git/config", ".venv/bin/python", "var/x"]:
        assert _ignored(patterns, path), path
    needed = [
        "manage.py",
        "pyproject.toml",
        "templates/base.html",
        "shop/urls.py",
        "shop/static/shop/shop.js",
        "deploy/gunicorn.conf.py",
        "deploy/healthcheck.py",
    ]
    for path in needed:
        assert not _ignored(patterns, path), path
