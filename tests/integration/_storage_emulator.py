"""Start PyPI `gcp-storage-emulator` on a free port for a test session or module."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import requests


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_answers(url: str, process: subprocess.Popen | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process serving {url} exited with {process.returncode}")
        with contextlib.suppress(requests.ConnectionError):
            requests.get(url, timeout=1)
            return
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@contextlib.contextmanager
def running_storage_emulator(default_bucket: str, log_path: Path) -> Iterator[str]:
    """Yield the emulator's base URL (in-memory, `default_bucket` created); stop it after."""
    executable = shutil.which("gcp-storage-emulator") or str(
        Path(sys.executable).with_name("gcp-storage-emulator")
    )
    port = free_port()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                executable,
                "start",
                "--host=127.0.0.1",
                f"--port={port}",
                "--in-memory",
                f"--default-bucket={default_bucket}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            wait_until_answers(base_url + "/", process, timeout=30)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
