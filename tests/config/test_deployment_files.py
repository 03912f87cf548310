"""The container files are checked here, where no container engine runs: compose.yaml, the
Dockerfile and the Procfile name entrypoints that exist (and that the integration tests run),
compose has what a deployment needs, and the entrypoints are valid POSIX shell."""

import os
import re
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINTS = {"bin/web", "bin/worker", "bin/beat", "bin/migrate"}


def _compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def _larder_services(compose: dict) -> dict:
    return {name: s for name, s in compose["services"].items() if "build" in s}


def test_every_entrypoint_is_an_executable_posix_shell_script():
    for entrypoint in ENTRYPOINTS:
        path = ROOT / entrypoint
        assert os.access(path, os.X_OK), entrypoint
        assert path.read_text().startswith("#!/bin/sh\n"), entrypoint
        done = subprocess.run(["sh", "-n", str(path)], capture_output=True, text=True)
        assert done.returncode == 0, (entrypoint, done.stderr)


def test_compose_services_run_existing_entrypoints():
    compose = _compose()
    services = _larder_services(compose)

    assert {"postgres", "redis"} <= set(compose["services"])
    commands = {name: service["command"] for name, service in services.items()}
    assert {command[0] for command in commands.values()} <= ENTRYPOINTS
    assert [name for name, command in commands.items() if command == ["bin/beat"]] == ["beat"]
    assert commands["migrate"] == ["bin/migrate"]
    assert services["migrate"]["restart"] == "no"
    for name, service in services.items():
        if name != "migrate":
            assert service["depends_on"]["migrate"] == {
                "condition": "service_completed_successfully"
            }, name
        # Production settings refuse to start without these (config/settings/production.py).
        for variable in (
            "SECRET_KEY",
            "LARDER_FIELD_ENCRYPTION_KEYS",
            "DATABASE_URL",
            "CELERY_BROKER_URL",
            "ALLOWED_HOSTS",
        ):
            assert service["environment"][variable], (name, variable)
    assert compose["services"]["postgres"]["healthcheck"]
    assert compose["services"]["redis"]["healthcheck"]


def test_compose_has_a_worker_for_every_queue():
    from config.queues import queue_names

    queues = set(queue_names())  # compose runs without LARDER_QUEUE_PREFIX
    served = set()
    for service in _larder_services(_compose()).values():
        if service["command"][0] == "bin/worker":
            served |= set(service["environment"]["WORKER_QUEUES"].split(","))
    assert served == queues


def test_every_compose_variable_is_documented():
    documented = (ROOT / "docs" / "deployment.md").read_text()
    services = _larder_services(_compose())
    variables = {name for service in services.values() for name in service["environment"]}
    assert {v for v in variables if f"`{v}`" not in documented} == set()


def test_dockerfile_is_multi_stage_non_root_with_static_files_and_a_healthcheck():
    instructions = [
        line.split(None, 1)
        for line in (ROOT / "Dockerfile").read_text().replace("\\\n", " ").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    keywords = [keyword for keyword, _ in instructions]
    assert keywords.count("FROM") == 2
    assert "slim" in instructions[0][1]
    users = [argument for keyword, argument in instructions if keyword == "USER"]
    assert users == ["larder"]
    runs = " ".join(argument for keyword, argument in instructions if keyword == "RUN")
    assert "collectstatic" in runs
    assert "/healthz" in dict(instructions)["HEALTHCHECK"]
    assert dict(instructions)["CMD"] == '["bin/web"]'
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".local", ".git"} <= set(ignored)


def test_procfile_runs_the_entrypoints_and_migrates_on_release():
    processes = dict(
        re.match(r"(\w+): (.+)", line).groups()
        for line in (ROOT / "Procfile").read_text().splitlines()
    )
    assert processes == {
        "release": "bin/migrate",
        "web": "bin/web",
        "worker": "bin/worker",
        "beat": "bin/beat",
    }
