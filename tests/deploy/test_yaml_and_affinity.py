"""Every YAML file passes yamllint, and nothing in deploy/ configures session affinity:
any instance can answer any request, so a load balancer must never pin a client."""

import io
import re
import tokenize

import pytest

from .tools import BASE_DIR, DEPLOY, run, tool

# Each names a way to pin a client to one instance, in nginx, Kubernetes or an
# ingress controller's annotations, looked for outside comments.
AFFINITY = {
    "nginx ip_hash": re.compile(r"\bip_hash\b", re.I),
    "nginx hash on the client address": re.compile(r"\bhash\s+\$remote_addr", re.I),
    "nginx hash directive": re.compile(r"^\s*hash\s+\S+", re.M | re.I),
    "sticky sessions": re.compile(r"\bsticky|stickiness", re.I),
    "session cookie affinity": re.compile(r"session-cookie", re.I),
    "Service sessionAffinity": re.compile(r"sessionAffinity\s*:\s*[\"']?(?!None\b)\w+"),
    "sessionAffinityConfig": re.compile(r"sessionAffinityConfig"),
    "affinity annotation": re.compile(r"[\w.-]+/[\w.-]*affinity[\w.-]*\s*[:=]", re.I),
}


def without_comments(path, text):
    """``text`` without comments (and, for Python, docstrings): a comment saying "no
    ip_hash" configures nothing, a string that renders a configuration does."""
    if path.suffix == ".py":
        kept, previous = [], tokenize.NEWLINE
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            docstring = token.type == tokenize.STRING and previous in (
                tokenize.NEWLINE,
                tokenize.INDENT,
                tokenize.DEDENT,
                tokenize.NL,
            )
            if token.type != tokenize.COMMENT and not docstring:
                kept.append(token.string)
            if token.type not in (tokenize.COMMENT, tokenize.NL):
                previous = token.type
        return " ".join(kept)
    return "\n".join(re.sub(r"(^|\s)#.*$", "", line) for line in text.splitlines())


def affinity_found(path, text):
    stripped = without_comments(path, text)
    return [name for name, pattern in AFFINITY.items() if pattern.search(stripped)]


def deploy_files():
    for path in sorted(DEPLOY.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            try:
                yield path, path.read_text()
            except UnicodeDecodeError:
                continue


def test_every_yaml_file_passes_yamllint():
    result = run(tool("yamllint"), "--strict", "--config-file", ".yamllint.yaml", ".")

    assert result.returncode == 0, result.stdout + result.stderr


def test_yamllint_checks_the_deploy_files(tmp_path):
    """The config does not ignore deploy/: a broken file there is reported."""
    listed = run(tool("yamllint"), "--list-files", "--config-file", ".yamllint.yaml", ".")
    files = set(listed.stdout.split())

    assert {"./deploy/compose.yaml", "./deploy/k8s/base/deployment.yaml"} <= files
    assert "./.yamllint.yaml" in files


def test_nothing_in_deploy_configures_session_affinity():
    found = {
        str(path.relative_to(BASE_DIR)): names
        for path, text in deploy_files()
        if (names := affinity_found(path, text))
    }

    assert found == {}
    assert len(list(deploy_files())) > 10  # deploy/ was read, not skipped


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("nginx.conf", "upstream shop {\n    ip_hash;\n    server a:1;\n}\n"),
        ("nginx.conf", "upstream shop {\n    hash $remote_addr consistent;\n}\n"),
        ("nginx.conf", "upstream shop {\n    sticky cookie srv_id expires=1h;\n}\n"),
        ("service.yaml", "spec:\n  sessionAffinity: ClientIP\n"),
        (
            "ingress.yaml",
            "metadata:\n  annotations:\n    nginx.ingress.kubernetes.io/affinity: cookie\n",
        ),
        (
            "ingress.yaml",
            "metadata:\n  annotations:\n"
            "    nginx.ingress.kubernetes.io/session-cookie-name: route\n",
        ),
        (
            "ingress.yaml",
            "metadata:\n  annotations:\n"
            "    alb.ingress.kubernetes.io/target-group-attributes: stickiness.enabled=true\n",
        ),
        ("render.py", 'CONF = "upstream shop { ip_hash; }"\n'),
    ],
)
def test_each_kind_of_affinity_is_recognised(tmp_path, name, text):
    assert affinity_found(tmp_path / name, text)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("nginx.conf", "# Round robin with NO affinity: no ip_hash, no sticky cookie.\n"),
        ("service.yaml", "spec:\n  sessionAffinity: None  # no affinity\n"),
        ("conf.py", '"""No ip_hash, no sticky sessions."""\nbind = "0.0.0.0:8000"\n'),
    ],
)
def test_comments_and_explicit_none_are_not_affinity(tmp_path, name, text):
    assert affinity_found(tmp_path / name, text) == []
