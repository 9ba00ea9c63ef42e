"""The production set-up agrees with itself and with the code: docker/compose.yaml fits its
schema and the deployment's shape, every configuration variable the code reads is documented in
docs/deployment.md, every variable the compose file sets is one the code reads, and the image
is pinned to the tested dependencies. No container engine runs here, so these are static."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml

from storage.connection import EventStoreUrl

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
PACKAGES = ("archive", "domain", "storage", "retention", "api")
VARIABLE = re.compile(r"SAKSI_[A-Z0-9_]+")
SECRET_READ = re.compile(r'secret\([^,()]+,\s*"(SAKSI_[A-Z0-9_]+)"\)')

# The subset of the Compose specification this deployment uses, strictly: a misspelt key
# (`helthcheck`) or a wrong type fails here rather than on the first `docker compose up`.
_STRINGS = {"type": "array", "items": {"type": "string"}}
_HEALTH = {
    "type": "object",
    "required": ["test"],
    "additionalProperties": False,
    "properties": {
        "test": _STRINGS,
        "interval": {"type": "string"},
        "timeout": {"type": "string"},
        "retries": {"type": "integer"},
        "start_period": {"type": "string"},
    },
}
_SERVICE = {
    "type": "object",
    "additionalProperties": False,
    "anyOf": [{"required": ["image"]}, {"required": ["build"]}],
    "properties": {
        "image": {"type": "string"},
        "build": {
            "type": "object",
            "properties": {"context": {"type": "string"}, "dockerfile": {"type": "string"}},
            "additionalProperties": False,
        },
        "hostname": {"type": "string"},
        "command": {"oneOf": [{"type": "string"}, _STRINGS]},
        "entrypoint": _STRINGS,
        "environment": {
            "type": "object",
            "additionalProperties": {"type": "string"},
        },
        "secrets": _STRINGS,
        "volumes": _STRINGS,
        "ports": _STRINGS,
        "restart": {"enum": ["no", "always", "unless-stopped", "on-failure"]},
        "depends_on": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["condition"],
                "properties": {
                    "condition": {
                        "enum": [
                            "service_started",
                            "service_healthy",
                            "service_completed_successfully",
                        ]
                    }
                },
            },
        },
        "healthcheck": _HEALTH,
        "stop_grace_period": {"type": "string"},
        "profiles": _STRINGS,
        "networks": {
            "oneOf": [
                _STRINGS,
                {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "properties": {"aliases": _STRINGS},
                        "additionalProperties": False,
                    },
                },
            ]
        },
    },
}
COMPOSE_SCHEMA = {
    "type": "object",
    "required": ["services"],
    "additionalProperties": False,
    "patternProperties": {"^x-": {}},
    "properties": {
        "name": {"type": "string"},
        "services": {"type": "object", "additionalProperties": _SERVICE},
        "networks": {"type": "object"},
        "volumes": {"type": "object"},
        "secrets": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {"type": "string"}},
            },
        },
    },
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def code_variables() -> tuple[set[str], set[str]]:
    """(variables the code names, those it also reads as NAME_FILE through settings.secret)."""
    names: set[str] = set()
    with_file: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text()
            names |= set(VARIABLE.findall(text))
            with_file |= set(SECRET_READ.findall(text))
    return names, with_file


def test_the_compose_file_fits_the_compose_schema(compose: dict[str, Any]) -> None:
    jsonschema_rs.validator_for(COMPOSE_SCHEMA).validate(compose)


def test_the_compose_file_has_the_production_shape(compose: dict[str, Any]) -> None:
    services = compose["services"]
    minio = [n for n, s in services.items() if s.get("image", "").startswith("minio/minio")]
    assert sorted(minio) == ["minio1", "minio2", "minio3", "minio4"]
    for name in minio:  # one distributed cluster of all four, not four single servers
        assert "http://minio{1...4}/data{1...2}" in services[name]["command"]
    init = (DOCKER / "minio-init.sh").read_text()
    assert "mb --ignore-existing --with-lock" in init  # the bucket has object lock
    serve = [n for n, s in services.items() if s.get("command", [])[:1] == ["serve"]]
    assert sorted(serve) == ["api1", "api2"]
    assert all("--no-scheduler" in services[n]["command"] for n in serve)
    assert [n for n, s in services.items() if s.get("command") == ["scheduler"]] == ["scheduler"]
    caddy = (DOCKER / "Caddyfile").read_text()
    upstreams = re.search(r"reverse_proxy ([^{]+)\{", caddy)
    assert upstreams and upstreams.group(1).split() == [f"{n}:8000" for n in sorted(serve)]
    assert "health_uri /ready" in caddy


def test_every_long_running_service_has_a_health_check_and_its_references_exist(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    for name, service in services.items():
        if service.get("restart") != "no":
            assert "healthcheck" in service, name
        for other in service.get("depends_on", {}):
            assert other in services, (name, other)
        for secret in service.get("secrets", []):
            assert secret in compose["secrets"], (name, secret)
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DOCKER / source).exists(), (name, source)
            else:
                assert source in compose["volumes"], (name, source)
    for env in (s.get("environment", {}) for s in services.values()):
        for key, value in env.items():
            if key.endswith("_FILE") and value.startswith("/run/secrets/"):
                assert value.removeprefix("/run/secrets/") in compose["secrets"], key
    secrets_script = (DOCKER / "secrets.sh").read_text()
    for declared in compose["secrets"].values():  # ./secrets.sh makes every secret file
        assert Path(declared["file"]).name in secrets_script, declared


def test_every_variable_the_code_reads_is_documented_for_deployment() -> None:
    names, with_file = code_variables()
    docs = (ROOT / "docs" / "deployment.md").read_text()
    documented = set(VARIABLE.findall(docs))
    for name in sorted(names):
        if name.endswith("_"):  # a prefix the code completes (SAKSI_HTTP_RATE_<KIND>)
            assert any(d.startswith(name) for d in documented), name
        else:
            assert name in documented, f"{name} is read by the code but not in docs/deployment.md"
    for name in with_file:
        assert f"{name}_FILE" in documented, name
    assert {"SAKSI_EVENT_STORE", "SAKSI_OBJECT_STORE", "SAKSI_METRICS_TOKEN"} <= with_file


def test_every_variable_the_compose_file_sets_is_one_the_code_reads(
    compose: dict[str, Any],
) -> None:
    names, with_file = code_variables()
    prefixes = {n for n in names if n.endswith("_")}
    readable = names | {f"{n}_FILE" for n in with_file}
    used = {
        key
        for service in compose["services"].values()
        for key in service.get("environment", {})
        if key.startswith("SAKSI_")
    }
    unknown = {v for v in used if v not in readable and not v.startswith(tuple(prefixes))}
    unknown.discard("SAKSI_DOMAIN")  # the proxy's own (Caddyfile), not Saksi's
    assert unknown == set(), f"set in docker/compose.yaml but read by no code: {sorted(unknown)}"
    assert len(used) >= 10


def test_the_image_runs_unprivileged_with_ffmpeg_and_pinned_dependencies() -> None:
    dockerfile = (DOCKER / "Dockerfile").read_text()
    users = re.findall(r"^USER (\S+)", dockerfile, flags=re.M)
    assert users and users[-1] not in ("root", "0")
    assert "ffmpeg" in dockerfile and "tini" in dockerfile
    assert "-c /tmp/requirements.lock" in dockerfile


def test_the_lock_pins_what_pyproject_pins_and_what_the_tests_run_with() -> None:
    lock = {
        name: version
        for name, _, version in (
            line.partition("==")
            for line in (DOCKER / "requirements.lock").read_text().splitlines()
            if line and not line.startswith("#")
        )
    }
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"]:
        name, _, version = requirement.partition("==")
        name = re.sub(r"\[.*\]", "", name).lower().replace("_", "-")
        assert lock.get(name) == version, (name, version, lock.get(name))
    spec = importlib.util.spec_from_file_location("saksi_lock", DOCKER / "lock.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert lock == module.closure("saksi"), "docker/requirements.lock is stale: run `make lock`"


def test_the_database_has_a_synchronous_standby_and_saksi_lists_both(
    compose: dict[str, Any],
) -> None:
    """What the failover drill ran (tests/reliability/test_postgres_failover.py) is what is
    deployed: a streaming standby of the primary, named in its synchronous_standby_names, and
    an event store URL listing both servers for the one that takes writes."""
    services = compose["services"]
    primary, standby = services["postgres"], services["postgres-standby"]
    assert standby["image"] == primary["image"] and standby["command"] == primary["command"]
    assert (
        "./postgres-primary-init.sh:/docker-entrypoint-initdb.d/replication.sh:ro"
        in (primary["volumes"])
    )
    init = (DOCKER / "postgres-primary-init.sh").read_text()
    name = re.search(r"synchronous_standby_names = '(\w+)'", init)
    assert name and "WITH REPLICATION" in init and "host replication replicator" in init
    script = (DOCKER / "postgres-standby.sh").read_text()
    assert standby["entrypoint"] == ["/bin/sh", "/docker/postgres-standby.sh"]
    assert "pg_basebackup -h postgres" in script and f"application_name={name.group(1)}" in script
    assert "synchronous_standby_names = ''" in script  # once promoted it waits for no one
    assert compose["x-saksi"]["depends_on"]["postgres-standby"] == {"condition": "service_healthy"}
    line = re.search(r'echo "(postgresql://[^"]+)"', (DOCKER / "secrets.sh").read_text())
    assert line, "secrets.sh writes no PostgreSQL URL"
    url = EventStoreUrl.parse(re.sub(r"\$\(cat [^)]+\)", "secret", line.group(1)))
    assert url.hosts == (("postgres", 5432), ("postgres-standby", 5432))
    assert url.target_session_attrs == "read-write"


def test_the_deployment_doc_describes_every_service_and_the_node_loss_drills(
    compose: dict[str, Any],
) -> None:
    docs = (ROOT / "docs" / "deployment.md").read_text()
    named = set(re.findall(r"`([\w-]+)`", docs))
    for first, last in re.findall(r"`([a-z]+\d+)`…`([a-z]+\d+)`", docs):  # `minio1`…`minio4`
        stem = first.rstrip("0123456789")
        named |= {f"{stem}{n}" for n in range(int(first[len(stem) :]), int(last[len(stem) :]) + 1)}
    assert set(compose["services"]) <= named, set(compose["services"]) - named
    drills = docs[docs.index("## Node loss and failover") :]
    for test_file in ("test_object_node_loss.py", "test_postgres_failover.py"):
        source = (ROOT / "tests" / "reliability" / test_file).read_text()
        assert f"tests/reliability/{test_file}" in drills
        for scenario in re.findall(r'report\.record\("(\w+)"', source):  # its figures
            assert f"`{scenario}`" in drills, scenario
    assert "pg_ctl promote" in drills and "postgres-standby" in drills
    assert "target_session_attrs=read-write" in drills and "SAKSI_RELIABILITY_PG_SYNC=off" in drills
    assert "Patroni" in drills and "kill -s KILL minio" in drills
