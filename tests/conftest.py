"""Session fixtures: the local stack (the same one `make dev` starts), on free ports."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _emulators_available() -> bool:
    return shutil.which("gcloud") is not None and shutil.which("java") is not None


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory):
    if not _emulators_available():
        pytest.fail("the Google Cloud CLI and Java are needed for the integration tests")
    from localdev.stack import LocalStack, StackConfig

    state = tmp_path_factory.mktemp("stack")
    stack = LocalStack(
        StackConfig.on_free_ports(
            state,
            demo_sdp_records=500,
            provider_timeout_seconds=2,
            template_cache_seconds=1,
            # The relay re-enqueues what is not acknowledged after 2 s, so a test can wait it out.
            outbox_relay_after_seconds=2,
            # Finalize retries pause at most 1 s and stop after 2 minutes: a gateway restart is
            # outlasted, a test never waits long.
            finalize_retry_cap_seconds=1.0,
            finalize_give_up_seconds=120.0,
        )
    )
    stack.start()
    saved = {k: os.environ.get(k) for k in ("FIRESTORE_EMULATOR_HOST", "STORAGE_EMULATOR_HOST")}
    # The test process's own clients talk to the same emulators.
    os.environ["FIRESTORE_EMULATOR_HOST"] = stack.firestore_host
    os.environ["STORAGE_EMULATOR_HOST"] = stack.storage_emulator_url
    try:
        yield stack
    finally:
        stack.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        artifacts = REPO / "test-artifacts" / "stack-logs"
        artifacts.mkdir(parents=True, exist_ok=True)
        for log in (state / "logs").glob("*.log"):
            shutil.copy(log, artifacts / log.name)


@pytest.fixture(scope="session")
def firestore_client(local_stack):
    from google.cloud import firestore

    return firestore.Client(project=local_stack.config.project)


@pytest.fixture
def isolated_firestore(local_stack):
    """A client on a project of its own: adapter tests never see each other's documents."""
    from google.cloud import firestore

    return firestore.Client(project=f"test-{uuid.uuid4().hex[:12]}")


@pytest.fixture(scope="session")
def storage_client(local_stack):
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    return storage.Client(
        project=local_stack.config.project,
        credentials=AnonymousCredentials(),
        client_options={"api_endpoint": local_stack.storage_emulator_url},
    )


@pytest.fixture(scope="session")
def tasks_client(local_stack):
    from shared.adapters.cloud_tasks_queue import emulator_client

    return emulator_client(local_stack.tasks_host)


def today_wib() -> str:
    return (datetime.now(UTC) + timedelta(hours=7)).date().isoformat()


def wait_for(condition: Callable[[], object], timeout: float = 15.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")
