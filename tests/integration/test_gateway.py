"""The local gateway as a process: what its gunicorn master holds before it forks."""

from __future__ import annotations

from pathlib import Path


def _mapped_files(pid: int) -> str:
    return Path(f"/proc/{pid}/maps").read_text()


def test_gateway_master_loads_no_grpc_before_forking(local_stack):
    # gRPC's event engine does not survive a fork: a master that built the functions (their
    # Firestore and Cloud Tasks clients) before forking its worker aborted at start with
    # "epoll_wait error: Bad file descriptor" (CI, exit -6). The functions are built in the
    # worker, as each Cloud Functions instance builds its own.
    master = local_stack.parts["gateway"].pid
    assert "cygrpc" not in _mapped_files(master)
    workers = local_stack.function_worker_pids()
    assert workers, "the gateway has a worker"
    assert any("cygrpc" in _mapped_files(worker) for worker in workers)


def test_the_emulator_warm_up_leaves_nothing_behind(local_stack):
    # The stack warms the Firestore emulator at start (localdev/warm_up.py) in a project of its
    # own; none of it may stay where kept data or an export could hold it.
    from google.cloud import firestore

    from localdev.warm_up import WARM_UP_PROJECT, warm_up

    assert warm_up(rounds=2) > 0
    client = firestore.Client(project=WARM_UP_PROJECT)
    assert list(client.collection("warm_up").stream()) == []
