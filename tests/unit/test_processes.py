"""How the local stack starts its parts (localdev.processes)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

from localdev import processes


def test_a_part_is_spawned_without_a_pre_exec_hook(monkeypatch, tmp_path):
    # A preexec_fn makes subprocess fork() the starting process; with gRPC clients in it (the
    # test session) gRPC's fork handlers restarted its poller in the child, and closing the
    # child's descriptors under it aborted parts at start now and then (exit -6 in CI).
    seen = {}

    class Recorder:
        def __init__(self, command, **options):
            seen.update(options, command=command)

    monkeypatch.setattr(processes.subprocess, "Popen", Recorder)
    processes.ManagedProcess("part", ["sleep", "1"], tmp_path / "part.log").start()
    assert seen.get("preexec_fn") is None
    assert seen["start_new_session"] is True
    assert seen["command"][-2:] == ["sleep", "1"]


def test_a_part_still_ends_when_whoever_started_it_dies(tmp_path):
    """The parent-death signal survives the launcher's exec: a part outlives no starter."""
    pid_file = tmp_path / "pid"
    starter = textwrap.dedent(
        f"""
        import os, sys, time
        sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
        from pathlib import Path
        from localdev.processes import ManagedProcess
        part = ManagedProcess("sleeper", ["sleep", "60"], Path({str(tmp_path / "s.log")!r}))
        part.start()
        Path({str(pid_file)!r}).write_text(str(part.pid))
        time.sleep(0.5)
        os._exit(0)  # dies without stopping it
        """
    )
    subprocess.run([sys.executable, "-c", starter], check=True, timeout=30)
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status = Path(f"/proc/{pid}/status")
        if not status.exists() or "State:\tZ" in status.read_text():
            return
        time.sleep(0.1)
    raise AssertionError(f"part {pid} outlived the process that started it")
