"""Start, watch, restart and stop the local stack's processes (local tooling, never deployed).

`ManagedProcess` is one part (its own session, so its whole group is signalled together);
`Supervisor` watches the parts and starts again any that dies, as Cloud Run starts a new
instance of a crashed function, and says so on stderr and in its log.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

# Put before a part's command: asks the kernel for SIGTERM if whoever started the stack dies
# without stopping it (killed test run, closed terminal), then becomes the command (same pid).
# Not a preexec_fn: that makes subprocess fork() the starting process, and a starting process
# with gRPC clients (the test session) then runs gRPC's fork handlers, which restart its poller
# in the child until exec; closing the child's descriptors under it aborted a part at start now
# and then ("epoll_wait error: Bad file descriptor", exit -6). Without one, subprocess spawns
# with vfork, and no handler runs.
TERMINATE_WITH_PARENT = (
    sys.executable,
    "-c",
    "import ctypes, os, signal, sys; "
    "ctypes.CDLL('libc.so.6', use_errno=True).prctl(1, signal.SIGTERM); "
    "os.execvp(sys.argv[1], sys.argv[1:])",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        # As the servers themselves bind: a connection of a just-stopped part lingering in
        # TIME_WAIT does not hold the port, only a socket that listens on it does.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def wait_for_ports(ports: Iterable[int], timeout: float = 15.0) -> list[int]:
    """The ports still busy after waiting up to `timeout` seconds for each to come free
    (a part of a stack stopped a moment ago may still be closing its socket)."""
    deadline = time.monotonic() + timeout
    busy = [p for p in ports if not port_is_free(p)]
    while busy and time.monotonic() < deadline:
        time.sleep(0.25)
        busy = [p for p in busy if not port_is_free(p)]
    return busy


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            # local_address is HEXADDR:HEXPORT; state 0A is LISTEN.
            if (
                len(fields) > 9
                and fields[3] == "0A"
                and int(fields[1].rsplit(":", 1)[1], 16) == port
            ):
                inodes.add(fields[9])
    return inodes


def port_holder(port: int) -> str:
    """Who listens on `port`, as "pid 123 (gcloud-tasks-emulator start …)" when /proc shows
    it, else what is known."""
    inodes = _listening_inodes(port)
    if not inodes:
        return "no listening socket found (another user's, or it closed meanwhile)"
    wanted = {f"socket:[{inode}]" for inode in inodes}
    holders = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fds = list((entry / "fd").iterdir())
        except OSError:
            continue
        links = set()
        for fd in fds:
            # An fd may close between the listing and the read.
            with contextlib.suppress(OSError):
                links.add(os.readlink(fd))
        if links & wanted:
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
            except OSError:
                cmdline = "?"
            holders.append(f"pid {entry.name} ({' '.join(cmdline.split())[:120]})")
    return ", ".join(holders) or "a process this user cannot see"


def child_pids(pid: int) -> list[int]:
    """Direct children of `pid` (gunicorn's workers under its master), from /proc."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # The command name may hold spaces and parentheses: ppid follows the last ')'.
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 1 and fields[1] == str(pid):
            children.append(int(entry.name))
    return sorted(children)


@dataclass
class ManagedProcess:
    name: str
    command: list[str]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None
    # Called (without arguments) after a restart, to wait until the part answers again.
    ready_check: Callable[[], bool] | None = None
    ready_timeout: float = 90.0

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - lives as long as the process
        # A session of its own, so stopping kills the whole group (gcloud starts java).
        self.process = subprocess.Popen(
            [*TERMINATE_WITH_PARENT, *self.command],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **self.env},
            start_new_session=True,
        )
        log.close()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, is_ready: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.process.returncode}; see {self.log_path}\n"
                    + self.tail()
                )
            with contextlib.suppress(Exception):
                if is_ready():
                    return
            time.sleep(0.1)
        raise TimeoutError(
            f"{self.name} not ready after {timeout:.0f} s; see {self.log_path}\n" + self.tail()
        )

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def signal_group(self, signum: int) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signum)

    def pause(self) -> None:
        """SIGSTOP the whole group: the port stays open, nothing answers (a hung backend)."""
        self.signal_group(signal.SIGSTOP)

    def resume(self) -> None:
        self.signal_group(signal.SIGCONT)

    def kill_main(self) -> None:
        """kill -9 of the main process only (its children are left to notice)."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGKILL)

    def reap_group(self) -> None:
        """After the main process died: end what is left of its group (a gunicorn worker
        still holding the port), so a restart can bind it."""
        self.signal_group(signal.SIGKILL)
        if self.process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(5)

    def stop(self, grace: float = 5.0) -> None:
        if self.process is None or self.process.poll() is not None:
            if self.process is not None:
                self.signal_group(signal.SIGKILL)
            return
        self.signal_group(signal.SIGTERM)
        # A paused (SIGSTOPped) group only acts on the SIGTERM once it runs again.
        self.signal_group(signal.SIGCONT)
        try:
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            self.signal_group(signal.SIGKILL)
            self.process.wait(grace)


class Supervisor:
    """Restarts any watched process that exits while it is not held down on purpose.

    A part that keeps dying is started again after a growing pause (up to `max_backoff`),
    so a broken part shows in the log instead of spinning the machine.
    """

    def __init__(
        self,
        log_path: Path,
        *,
        check_every: float = 0.5,
        first_backoff: float = 0.5,
        max_backoff: float = 30.0,
        announce: Callable[[str], None] | None = None,
    ) -> None:
        self.log_path = log_path
        self.check_every = check_every
        self.first_backoff = first_backoff
        self.max_backoff = max_backoff
        self.announce = announce or (lambda line: print(line, file=sys.stderr, flush=True))
        self.restarts: dict[str, int] = {}
        self._watched: list[ManagedProcess] = []
        self._held: set[str] = set()
        self._backoff: dict[str, float] = {}
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def watch(self, processes: Iterable[ManagedProcess]) -> None:
        with self._lock:
            for process in processes:
                if process not in self._watched:
                    self._watched.append(process)

    def hold(self, name: str) -> None:
        """Leave this part down (a planned outage) until `release`."""
        with self._lock:
            self._held.add(name)

    def release(self, name: str) -> None:
        with self._lock:
            self._held.discard(name)

    def start(self) -> None:
        # The thread that starts a child is its "parent" for PR_SET_PDEATHSIG: restarts run
        # on this long-lived thread, never on a short-lived one.
        self._thread = threading.Thread(target=self._run, name="supervisor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def total_restarts(self) -> int:
        return sum(self.restarts.values())

    def record(self, line: str) -> None:
        stamped = f"{datetime.now().isoformat(timespec='seconds')} supervisor: {line}"
        self.announce(f"supervisor: {line}")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "a", encoding="utf-8") as log:
            log.write(stamped + "\n")

    def _run(self) -> None:
        while not self._stopping.wait(self.check_every):
            with self._lock:
                dead = [
                    p
                    for p in self._watched
                    if p.name not in self._held and p.process is not None and not p.running()
                ]
            for process in dead:
                if self._stopping.is_set():
                    return
                self._restart(process)

    def _restart(self, process: ManagedProcess) -> None:
        code = process.process.returncode
        how = f"killed by signal {-code}" if code < 0 else f"exited with {code}"
        count = self.restarts.get(process.name, 0) + 1
        self.restarts[process.name] = count
        backoff = self._backoff.get(process.name, self.first_backoff)
        self.record(
            f"{process.name} {how}; restarting it (restart {count}) in {backoff:.1f} s; "
            f"see {process.log_path}"
        )
        process.reap_group()
        if self._stopping.wait(backoff):
            return
        with self._lock:
            if process.name in self._held:
                return
            process.start()
        if process.ready_check is None:
            self._backoff[process.name] = self.first_backoff
            return
        try:
            process.wait_ready(process.ready_check, process.ready_timeout)
        except (RuntimeError, TimeoutError) as error:
            self._backoff[process.name] = min(backoff * 2, self.max_backoff)
            self.record(f"{process.name} did not come back: {str(error).splitlines()[0]}")
            return
        self._backoff[process.name] = self.first_backoff
        self.record(f"{process.name} is answering again (pid {process.pid})")
