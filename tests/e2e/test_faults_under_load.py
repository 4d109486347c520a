"""Faults during load, embedded profile: the `make up` stack with 16 students chatting and
searching and a refresh of 30 documents running, while one process is SIGKILLed and started
again. What each fault must leave behind is in tests/support/fault_school.py; here, what
/readyz must say while the process is dead. Recovery times go to bench/results/faults.json."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest

from services.stack import SERVICES, Stack
from tests.e2e.conftest import free_port
from tests.support.fault_school import STACK_ENV, School, open_school, run_fault

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SIGKILLs process groups"),
]


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> Iterator[School]:
    """Its own stack: this module kills processes."""
    stack = Stack(
        data_dir=tmp_path_factory.mktemp("faults"),
        ports={name: free_port() for name in SERVICES},
        extra_env=STACK_ENV,
    )
    try:
        stack.start_all()
        issued = stack.first_admin_key()
        assert issued is not None
        with open_school(stack, issued.token, "faults") as made:
            yield made
    finally:
        stack.stop_all()


def fault(school: School, service: str, course_id: str) -> dict[str, Any]:
    """SIGKILLs `service` once the refresh runs, under load; starts it again."""
    stack = school.stack
    return run_fault(
        school, service, course_id, lambda: stack.kill(service), lambda: stack.start(service)
    )


def test_a_worker_killed_mid_refresh_leaves_a_job_that_ends_and_every_chunk_once(
    school: School,
) -> None:
    seen = fault(school, "worker", "faultworker")
    # Ready but degraded: uploads are taken and jobs queued, and /readyz says they wait.
    for probe in seen["readiness"]:
        assert probe["code"] == 200, probe
        assert probe["status"] == "degraded", probe
        assert "no worker is running" in probe["checks"]["ingest"], probe


def test_with_the_model_server_killed_chats_are_degraded_and_normal_after_its_restart(
    school: School,
) -> None:
    seen = fault(school, "modelserver", "faultmodel")
    assert seen["record"]["degraded_during"] > 0
    for probe in seen["readiness"]:
        assert probe["status"] == "degraded", probe
        assert "model_server" in probe["checks"]["inference"], probe


def test_with_the_inference_service_killed_the_gateway_says_so_and_recovers(
    school: School,
) -> None:
    seen = fault(school, "inference", "faultinference")
    for probe in seen["readiness"]:
        assert probe["status"] == "degraded", probe
        assert probe["checks"]["inference"] != "ok", probe
