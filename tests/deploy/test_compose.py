"""deploy/compose.yaml without Docker: the Compose specification's JSON schema, the
file resolved with the committed example env file, the stack's nginx configuration
run for real in front of stand-in upstreams, and the one-off services' scripts."""

import copy
import http.client
import http.server
import json
import re
import secrets
import shutil
import ssl
import subprocess
import sys
import threading
from pathlib import Path

import jsonschema
import pytest
import yaml
from cryptography import x509

import localcluster
from localcluster import BASE_DIR

from .tools import COMPOSE, DEPLOY, SCHEMAS, dockerfile_stages, production_check, run

ENV_EXAMPLE = DEPLOY / "compose.env.example"
NGINX_TEMPLATE = DEPLOY / "compose" / "nginx.conf.template"
CERT_SCRIPT = DEPLOY / "compose" / "selfsigned_cert.py"
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}, $NAME, $$.
INTERPOLATION = re.compile(
    r"\$(?:(?P<dollar>\$)|\{(?P<braced>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}|(?P<bare>\w+))"
)


def read_env_file(path):
    """KEY=value lines of a compose env file; single quotes keep a value literal."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def interpolate(text, env):
    """Compose's interpolation of ``text``; a missing required variable raises KeyError."""

    def replace(match):
        if match["dollar"]:
            return "$"
        name = match["braced"] or match["bare"]
        value, op = env.get(name), match["op"]
        if op in (":-", ":?") and not value:
            value = None
        if value is not None:
            return value
        if op and op.endswith("?"):
            raise KeyError(f"{name}: {match['arg']}")
        return match["arg"] if op else ""

    return INTERPOLATION.sub(replace, text)


def resolved(env):
    """The compose file as Docker runs it with ``env``: YAML merge keys applied, then
    every string value interpolated (keys are not)."""

    def walk(node):
        if isinstance(node, dict):
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(value) for value in node]
        return interpolate(node, env) if isinstance(node, str) else node

    return walk(yaml.safe_load(COMPOSE.read_text()))


@pytest.fixture(scope="module")
def example_env():
    return read_env_file(ENV_EXAMPLE)


@pytest.fixture(scope="module")
def stack(example_env):
    return resolved(example_env)["services"]


@pytest.fixture(scope="module")
def schema():
    return json.loads((SCHEMAS / "compose-spec.json").read_text())


def test_the_compose_file_follows_the_compose_specification(schema, example_env):
    raw = yaml.safe_load(COMPOSE.read_text())
    validator = jsonschema.Draft7Validator(schema)

    for document in (raw, resolved(example_env)):
        errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(document)]
        assert errors == []


def test_the_schema_refuses_what_compose_would_refuse(schema, example_env):
    document = resolved(example_env)
    misspelt = copy.deepcopy(document)
    misspelt["services"]["app"]["depends_onn"] = ["migrate"]
    bad_condition = copy.deepcopy(document)
    bad_condition["services"]["app"]["depends_on"]["migrate"]["condition"] = "service_done"
    validator = jsonschema.Draft7Validator(schema)

    assert not validator.is_valid(misspelt)
    assert not validator.is_valid(bad_condition)


def test_the_vendored_schema_names_its_source():
    readme = (SCHEMAS / "README.md").read_text()

    assert "compose-spec/compose-spec" in readme and "schema/compose-spec.json" in readme
    assert re.search(r"\b[0-9a-f]{40}\b", readme)


def test_the_example_env_file_defines_every_required_variable_and_nothing_unused():
    text = COMPOSE.read_text()
    required = set(re.findall(r"\$\{(\w+):?\?", text))
    used = {m["braced"] or m["bare"] for m in INTERPOLATION.finditer(text)} - {None}
    example = set(read_env_file(ENV_EXAMPLE))

    assert required <= example
    assert example <= used


def test_a_missing_secret_stops_compose_with_a_message(example_env):
    env = {k: v for k, v in example_env.items() if k != "JWT_SIGNING_KEY"}

    with pytest.raises(KeyError, match=r"set JWT_SIGNING_KEY in deploy/compose\.env"):
        resolved(env)


def test_the_placeholders_are_refused_by_the_production_profile(example_env):
    """Starting the stack without replacing "change-me" fails instead of running."""
    for name in ("DJANGO_SECRET_KEY", "JWT_SIGNING_KEY"):
        assert len(example_env[name]) < 50


def test_redis_persists_carts_and_never_evicts_them(stack):
    command = stack["redis"]["command"]
    flags = dict(zip(command[1::2], command[2::2], strict=True))

    assert flags["--appendonly"] == "yes"
    assert flags["--maxmemory-policy"] == "noeviction"
    assert "redis-data:/data" in stack["redis"]["volumes"]


def test_three_replicas_start_only_after_the_one_off_services_succeed(stack):
    app = stack["app"]

    assert app["deploy"]["replicas"] == 3
    assert "ports" not in app, "replicas are reached through nginx only"
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert app["depends_on"]["createbucket"]["condition"] == "service_completed_successfully"
    nginx = stack["nginx"]["depends_on"]
    assert nginx["app"]["condition"] == "service_healthy"
    assert nginx["tls-cert"]["condition"] == "service_completed_successfully"


def test_migrations_are_a_one_off_service(stack):
    migrate = stack["migrate"]
    assert migrate["environment"]["DATABASE_STATEMENT_TIMEOUT"] == "0"
    assert migrate["environment"]["DATABASE_URL"] == stack["app"]["environment"]["DATABASE_URL"]

    assert migrate["entrypoint"] + migrate["command"] == [
        "python",
        "manage.py",
        "migrate",
        "--noinput",
    ]
    assert migrate["restart"] == "no"
    assert migrate["image"] == stack["app"]["image"]
    assert "entrypoint" not in stack["app"] and "command" not in stack["app"]


def test_replicas_run_read_only_with_the_images_writable_paths_in_memory(stack):
    image_env = dockerfile_stages()[-1].env()
    app = stack["app"]

    assert app["read_only"] is True
    assert set(app["tmpfs"]) == {"/tmp", image_env["PROMETHEUS_MULTIPROC_DIR"]}  # noqa: S108
    assert app["cap_drop"] == ["ALL"]


def test_the_app_is_built_from_the_repository_with_the_dockerfile(stack):
    build = stack["app"]["build"]

    assert (DEPLOY / build["context"]).resolve() == BASE_DIR
    assert (BASE_DIR / build["dockerfile"]).resolve() == (DEPLOY / "Dockerfile")


def test_every_variable_given_to_the_app_is_one_the_app_reads(stack):
    sources = "".join(p.read_text() for p in (BASE_DIR / "shop" / "settings").rglob("*.py"))
    sources += (DEPLOY / "gunicorn.conf.py").read_text()

    for name in stack["app"]["environment"]:
        assert f'"{name}"' in sources, f"{name} is not read by shop/settings or gunicorn"


def test_the_healthcheck_host_is_allowed_and_images_are_linked_through_nginx(stack, example_env):
    env = stack["app"]["environment"]

    assert env["DJANGO_ALLOWED_HOSTS"] == example_env["SHOP_HOST"]
    assert env["AWS_S3_CUSTOM_DOMAIN"] == (
        f"{example_env['SHOP_HOST']}:{example_env['SHOP_HTTPS_PORT']}/"
        f"{example_env['AWS_STORAGE_BUCKET_NAME']}"
    )


def test_the_apps_environment_passes_the_production_checks(example_env):
    """The replicas' environment, secrets filled in, makes a production configuration
    that ``check --deploy`` accepts, with images linked through nginx."""
    env = {
        **example_env,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(64),
    }
    app_env = resolved(env)["services"]["app"]["environment"]

    check, values = production_check(app_env)

    assert check.returncode == 0, check.stdout + check.stderr
    assert "no issues" in check.stdout
    assert values["hosts"] == ["shop.localhost"]
    assert values["endpoint"] == "http://minio:9000"
    assert values["domain"] == "shop.localhost:8443/stateless-shop"
    assert values["redis"].endswith("@redis:6379/0")


def test_the_bucket_script_is_valid_shell(stack):
    script = stack["createbucket"]["command"][0]

    result = subprocess.run(["sh", "-n", "-c", script], capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
    assert 'mc anonymous set download "local/$BUCKET/products"' in script


def test_the_mounted_files_exist(stack):
    for service in stack.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).is_file(), volume


def test_the_certificate_names_the_host_and_is_kept_once_written(tmp_path):
    first = run(sys.executable, str(CERT_SCRIPT), str(tmp_path), "shop.localhost")
    written = (tmp_path / "shop.crt").read_bytes()
    second = run(sys.executable, str(CERT_SCRIPT), str(tmp_path), "shop.localhost")

    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert (tmp_path / "shop.crt").read_bytes() == written
    assert (tmp_path / "shop.key").stat().st_mode & 0o077 == 0
    names = x509.load_pem_x509_certificate(written).extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    )
    assert names.value.get_values_for_type(x509.DNSName) == ["shop.localhost"]


class _Upstream(http.server.ThreadingHTTPServer):
    """A stand-in for one app replica (or MinIO): answers with its name, records calls."""

    def __init__(self, name):
        self.name, self.calls = name, []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(handler):
                self.calls.append((handler.command, handler.path, dict(handler.headers)))
                body = self.name.encode()
                handler.send_response(200)
                handler.send_header("Content-Length", str(len(body)))
                handler.end_headers()
                handler.wfile.write(body)

            do_POST = do_GET

            def log_message(handler, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


def _render_nginx(template, *, https_port, http_port, replicas, minio, certs, bucket):
    """The template as the nginx image renders it, on loopback ports instead of Docker's
    names: "app" becomes one server per replica, as Docker's DNS answers."""
    text = template.replace("${SHOP_HTTPS_PORT}", "8443")
    text = text.replace("${AWS_STORAGE_BUCKET_NAME}", bucket)
    assert "${" not in text
    (line,) = re.findall(r"^\s*server app:8000([^;]*);$", text, flags=re.M)
    servers = "\n".join(f"    server 127.0.0.1:{p}{line};" for p in replicas)
    text = re.sub(r"^\s*server app:8000[^;]*;$", servers, text, flags=re.M)
    text = text.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    text = text.replace("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;")
    text = text.replace("http://minio:9000", f"http://127.0.0.1:{minio}")
    return text.replace("/etc/nginx/certs", str(certs))


@pytest.fixture(scope="module")
def compose_nginx(tmp_path_factory):
    """The stack's nginx configuration served by a real nginx, in front of two stand-in
    replicas and a stand-in MinIO."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(nginx).exists(), "nginx is missing (deploy/dev/services.sh test installs it)"
    prefix = tmp_path_factory.mktemp("compose-nginx")
    prefix.chmod(0o755)
    certs = prefix / "certs"
    assert run(sys.executable, str(CERT_SCRIPT), str(certs), "shop.localhost").returncode == 0
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / "tmp" / name).mkdir(parents=True)
        (prefix / "tmp" / name).chmod(0o1777)
    (prefix / "tmp").chmod(0o1777)
    replicas = [_Upstream("app-1"), _Upstream("app-2")]
    minio = _Upstream("minio")
    https_port, http_port = localcluster.free_port(), localcluster.free_port()
    (prefix / "shop.conf").write_text(
        _render_nginx(
            NGINX_TEMPLATE.read_text(),
            https_port=https_port,
            http_port=http_port,
            replicas=[r.server_address[1] for r in replicas],
            minio=minio.server_address[1],
            certs=certs,
            bucket="stateless-shop",
        )
    )
    # The http {} block of the official image's nginx.conf, with a private prefix.
    (prefix / "nginx.conf").write_text(
        "pid nginx.pid;\nevents {}\nhttp {\n"
        + "".join(f"    {n}_temp_path tmp/{n};\n" for n in ("proxy", "fastcgi", "uwsgi", "scgi"))
        + "    client_body_temp_path tmp/client_body;\n    access_log off;\n"
        "    include shop.conf;\n}\n"
    )
    command = [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", "stderr"]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen([*command, "-g", "daemon off;"], start_new_session=True)
    localcluster.wait_for_port(https_port, process)
    yield {"https": https_port, "http": http_port, "replicas": replicas, "minio": minio}
    localcluster.stop(process)
    for upstream in [*replicas, minio]:
        upstream.shutdown()


def _request(port, method, path, *, tls=True):
    if tls:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=5, context=context)
    else:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request(method, path, headers={"Host": f"shop.localhost:{port}"})
    response = connection.getresponse()
    result = response.status, response.getheader("Location"), response.read().decode()
    connection.close()
    return result


def test_nginx_spreads_one_clients_requests_over_every_replica(compose_nginx):
    answers = [_request(compose_nginx["https"], "GET", "/")[2] for _ in range(6)]

    assert answers == ["app-1", "app-2"] * 3


def test_nginx_passes_the_host_and_says_the_request_came_over_https(compose_nginx):
    _request(compose_nginx["https"], "GET", "/cart/")

    calls = [c for r in compose_nginx["replicas"] for c in r.calls if c[1] == "/cart/"]
    headers = calls[-1][2]
    assert headers["Host"] == f"shop.localhost:{compose_nginx['https']}"
    assert headers["X-Forwarded-Proto"] == "https"
    assert headers["X-Forwarded-For"] == "127.0.0.1"


def test_nginx_keeps_metrics_private(compose_nginx):
    status, _, _ = _request(compose_nginx["https"], "GET", "/metrics")

    assert status == 404
    assert not any(c[1] == "/metrics" for r in compose_nginx["replicas"] for c in r.calls)


def test_nginx_serves_product_images_from_the_bucket_read_only(compose_nginx):
    read = _request(compose_nginx["https"], "GET", "/stateless-shop/products/a.jpg")
    write = _request(compose_nginx["https"], "POST", "/stateless-shop/products/a.jpg")

    assert read[0] == 200 and read[2] == "minio"
    assert write[0] == 403
    assert [c[:2] for c in compose_nginx["minio"].calls] == [
        ("GET", "/stateless-shop/products/a.jpg")
    ]


def test_nginx_redirects_plain_http_to_https(compose_nginx):
    status, location, _ = _request(compose_nginx["http"], "GET", "/cart/?x=1", tls=False)

    assert status == 308
    assert location == "https://shop.localhost:8443/cart/?x=1"
