"""What the deploy tests share: paths, the validators' binaries and small file readers.

The validators (hadolint, kubectl, kubernetes-validate, yamllint) come from the dev
extras that ``make test`` installs. A missing one fails the test that needs it: nothing
here is skipped because a tool is absent.
"""

import json
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from localcluster import BASE_DIR, BIN

DEPLOY = BASE_DIR / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = DEPLOY / "compose.yaml"
K8S = DEPLOY / "k8s"
SCHEMAS = Path(__file__).parent / "schemas"


def tool(name):
    """The path of a validator installed in the project's virtualenv."""
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{name} is not installed in {BIN}; `make test` installs it (.[dev])")
    return str(path)


def run(*args, timeout=120, **kwargs):
    return subprocess.run(
        args, capture_output=True, text=True, timeout=timeout, cwd=BASE_DIR, **kwargs
    )


@dataclass
class Instruction:
    keyword: str  # upper case: FROM, RUN, USER, ...
    arguments: str  # as written, continuation lines joined

    def exec_form(self):
        """The JSON (exec) form of CMD/ENTRYPOINT/HEALTHCHECK CMD as a list, else None."""
        text = self.arguments
        if self.keyword == "HEALTHCHECK":
            text = re.sub(r"^(--\S+\s+)*CMD\s+", "", text)
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return None
        return value if isinstance(value, list) else None

    def env(self):
        """The variables an ENV instruction sets (``KEY=value`` pairs)."""
        return dict(pair.split("=", 1) for pair in shlex.split(self.arguments))


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list = field(default_factory=list)

    def all(self, keyword):
        return [i for i in self.instructions if i.keyword == keyword]

    def env(self):
        variables = {}
        for instruction in self.all("ENV"):
            variables.update(instruction.env())
        return variables


def dockerfile_stages(path=DOCKERFILE):
    """The stages of a Dockerfile, in order; instructions before the first FROM dropped."""
    logical, current = [], ""
    for line in path.read_text().splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if current and line.lstrip().startswith("#"):
            continue  # a comment inside a continued instruction
        if line.rstrip().endswith("\\"):
            current += line.rstrip()[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    stages = []
    for text in logical:
        keyword, _, arguments = text.strip().partition(" ")
        instruction = Instruction(keyword.upper(), " ".join(arguments.split()))
        if instruction.keyword == "FROM":
            words = instruction.arguments.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(words[0], name))
        elif stages:
            stages[-1].instructions.append(instruction)
    return stages


def production_check(env):
    """``manage.py check --deploy`` under the production profile with ``env`` alone (no
    variable of ours leaks in), then a few settings it resolves to, in one process.

    Returns ``(completed process, values)``; ``values`` is None when the check failed.
    """
    base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    code = (
        "import django, json; django.setup()\n"
        "from django.conf import settings as s\n"
        "from django.core.management import call_command\n"
        "call_command('check', deploy=True, fail_level='WARNING')\n"
        "o = s.STORAGES['default']['OPTIONS']\n"
        "print(json.dumps({'hosts': s.ALLOWED_HOSTS, 'endpoint': o['endpoint_url'], "
        "'domain': o['custom_domain'], 'redis': s.CACHES['default']['LOCATION']}))\n"
    )
    result = run(
        sys.executable,
        "-c",
        code,
        env={**base, "DJANGO_SETTINGS_MODULE": "shop.settings.production", **env},
    )
    lines = result.stdout.strip().splitlines()
    values = json.loads(lines[-1]) if result.returncode == 0 and lines else None
    return result, values
