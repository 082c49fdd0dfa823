"""The whole system on one machine, no cloud account: `make dev` (or `python -m
localdev.stack`) starts it, waits until every part answers, prints the URLs, and Ctrl-C
stops every process it started. The tests and the benchmark start the same stack on free ports.

Parts: the Firestore emulator (gcloud), the storage emulator (PyPI gcp-storage-emulator) behind
the storage front (signature checks, CORS, finalize events), the Cloud Tasks emulator (in its
own virtualenv: it pins an old protobuf), the provider stand-ins, optionally an SDP web
service stand-in (`sdp_source="http"`), and the gateway serving the site and every function.

A supervisor starts again any part that dies (the gateway master too) and says so on stderr
and in `logs/supervisor.log`. The tests' stacks keep their data in memory; `make dev` keeps
Firestore and the stored files in `.local/dev-data/` (`persist_dir`) across restarts, and
`--clean` (`make dev-clean`) starts it empty. The fault helpers (`stop_part`, `kill_part`,
`kill_function_worker`, `pause_part`) are what the chaos run and the fault tests use.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from localdev.clamav import LocalClamav
from localdev.processes import (
    ManagedProcess,
    Supervisor,
    child_pids,
    free_port,
    port_holder,
    wait_for_ports,
)
from localdev.provider_standin import ensure_sendgrid_key
from localdev.sdp.demo import DEMO_SEED, ensure_demo_snapshot
from localdev.signing_key import ensure_local_service_account

REPO = Path(__file__).resolve().parents[1]
# What Cloud Scheduler does in the cloud: the sweep is also the outbox relay, every minute.
SWEEP_EVERY_SECONDS = 60
# And the daily retention job (infra: fn_retention's schedule): the emulator has no TTL, and
# nothing else redacts; make dev runs it at start and every hour.
RETENTION_EVERY_SECONDS = 3600
LOCAL_OPERATOR_ALERT_EMAIL = "petugas.remisi@kantor.local"
# make dev's kept data, under the state folder (.local/).
DEV_DATA = "dev-data"


@dataclass
class StackConfig:
    site_port: int = 8080
    firestore_port: int = 8085
    storage_port: int = 9023
    front_port: int = 9199
    tasks_port: int = 8123
    # The SendGrid / WhatsApp stand-ins and their outbox page.
    providers_port: int = 8125
    # ClamAV (Debian's clamd, a test database) and the malware scanner's HTTP front.
    clamd_port: int = 9310
    scanner_port: int = 9311
    dispatch_queue: str = "dispatch"
    # make dev: the stand-ins report "delivered" by themselves; tests say when.
    auto_deliver: bool = False
    provider_timeout_seconds: int = 15
    template_cache_seconds: int = 5  # admins' email templates, per dispatch instance
    project: str = "remisi-local"
    region: str = "asia-southeast2"
    bucket: str = "remisi-ktp-local"
    sdp_lookup_queue: str = "sdp-lookup"
    state_dir: Path = REPO / ".local"
    # The emulator retries a failing task at once and forever unless capped.
    tasks_max_retries: int = 5
    with_echo: bool = False
    demo_sdp_records: int = 2000
    # An outbox entry not acknowledged this long after it was written is enqueued again by the
    # relay (the sweep); the functions read it as OUTBOX_RELAY_AFTER_SECONDS.
    outbox_relay_after_seconds: int = 60
    # Restart any part that dies.
    supervise: bool = True
    # Finalize events: the longest pause between attempts, and when to stop (Eventarc: 24 h).
    finalize_retry_cap_seconds: float = 30.0
    finalize_give_up_seconds: float = 24 * 3600.0
    # Fault modes: every finalize event / every Cloud Task delivered twice.
    duplicate_finalize_events: bool = False
    duplicate_tasks: bool = False
    # "local": the demo snapshot on disk; "http": the SDP web service stand-in (same records),
    # which takes faults (POST {sdp_url}/_control/faults).
    sdp_source: str = "local"
    sdp_port: int = 8089
    extra_env: dict[str, str] = field(default_factory=dict)
    # make dev only: Firestore (exported by the emulator, imported at start) and the stored
    # files live here across restarts. None: in memory (the tests and benchmarks).
    persist_dir: Path | None = None

    @classmethod
    def on_free_ports(cls, state_dir: Path, **overrides) -> StackConfig:
        ports = {
            name: free_port()
            for name in (
                "site_port",
                "firestore_port",
                "storage_port",
                "front_port",
                "tasks_port",
                "providers_port",
                "sdp_port",
                "clamd_port",
                "scanner_port",
            )
        }
        return cls(state_dir=state_dir, **ports, **overrides)


def tasks_emulator_executable() -> str:
    configured = os.environ.get("TASKS_EMULATOR_BIN")
    if configured:
        return configured
    candidate = REPO / ".venv-tasks" / "bin" / "gcloud-tasks-emulator"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("gcloud-tasks-emulator")
    if found:
        return found
    raise RuntimeError("gcloud-tasks-emulator not found: run `make setup` (it makes .venv-tasks)")


# gcloud-tasks-emulator binds its gRPC port on every interface ('[::]:PORT', no flag to change
# it): run it with that one address replaced by loopback, so nothing local listens outside.
TASKS_EMULATOR_ON_LOOPBACK = """
import sys, grpc
make_server = grpc.server
def loopback_server(*args, **kwargs):
    server = make_server(*args, **kwargs)
    add_port = server.add_insecure_port
    server.add_insecure_port = lambda address: add_port(address.replace("[::]", "127.0.0.1", 1))
    return server
grpc.server = loopback_server
from gcloud_tasks_emulator.__main__ import main
sys.argv[0] = "gcloud-tasks-emulator"
sys.exit(main())
"""


def tasks_emulator_command() -> list[str]:
    executable = Path(tasks_emulator_executable())
    python = executable.with_name("python")
    if not python.exists():
        # The console script's own interpreter.
        python = Path(executable.read_text().splitlines()[0].removeprefix("#!").strip())
    return [str(python), "-c", TASKS_EMULATOR_ON_LOOPBACK]


def newest_firestore_export(folder: Path) -> Path | None:
    """The overall metadata file of the newest complete export under `folder`, if any."""
    exports = sorted(folder.glob("firestore_export_*/*.overall_export_metadata"))
    return exports[-1] if exports else None


class LocalStack:
    def __init__(self, config: StackConfig):
        self.config = config
        self.processes: list[ManagedProcess] = []
        logs = config.state_dir / "logs"
        self.signing_key_file = config.state_dir / "local-signer.json"
        self.sdp_dir = config.state_dir / "sdp"
        c = config
        self.site_url = f"http://127.0.0.1:{c.site_port}"
        self.storage_emulator_url = f"http://127.0.0.1:{c.storage_port}"
        self.storage_public_url = f"http://127.0.0.1:{c.front_port}"
        self.firestore_host = f"127.0.0.1:{c.firestore_port}"
        self.tasks_host = f"127.0.0.1:{c.tasks_port}"
        self.queue_path = f"projects/{c.project}/locations/{c.region}/queues/{c.sdp_lookup_queue}"
        self.dispatch_queue_path = (
            f"projects/{c.project}/locations/{c.region}/queues/{c.dispatch_queue}"
        )
        self.providers_url = f"http://127.0.0.1:{c.providers_port}"
        self.clamav = LocalClamav(config.state_dir / "clamav", c.clamd_port, c.scanner_port)
        self._clamd = self.clamav.clamd_process(logs)
        self._scanner = self.clamav.scanner_process(logs)
        self.outbox_url = f"{self.providers_url}/outbox"
        self.sendgrid_key_file = config.state_dir / "sendgrid-webhook-key.pem"
        self.whatsapp_app_secret = secrets.token_urlsafe(24)
        self.whatsapp_verify_token = secrets.token_urlsafe(16)
        providers_command = [
            sys.executable,
            "-m",
            "localdev.provider_standin",
            f"--port={c.providers_port}",
            f"--sendgrid-key-file={self.sendgrid_key_file}",
            f"--whatsapp-app-secret={self.whatsapp_app_secret}",
            f"--webhook-base={self.site_url}/api",
        ]
        if c.auto_deliver:
            providers_command.append("--auto-deliver")
        if c.persist_dir:
            providers_command.append(f"--keep-outbox={c.persist_dir / 'outbox.jsonl'}")
        self._providers = ManagedProcess(
            "provider-standins",
            providers_command,
            logs / "providers.log",
            env={"PYTHONPATH": str(REPO)},
            ready_check=lambda: requests.get(self.outbox_url, timeout=2).status_code == 200,
            ready_timeout=30,
        )
        self.sdp_url = f"http://127.0.0.1:{c.sdp_port}"
        self.sdp_credential = secrets.token_urlsafe(16)
        self._sdp = ManagedProcess(
            "sdp-standin",
            [
                sys.executable,
                "-m",
                "localdev.sdp.standin",
                f"--port={c.sdp_port}",
                f"--records={c.demo_sdp_records}",
                f"--seed={DEMO_SEED}",
                f"--credential={self.sdp_credential}",
            ],
            logs / "sdp.log",
            env={"PYTHONPATH": str(REPO)},
            ready_check=lambda: requests.get(self.sdp_url + "/", timeout=2).status_code == 401,
            ready_timeout=60,
        )

        self.firestore_exports = c.persist_dir / "firestore" if c.persist_dir else None
        self._export_lock = threading.Lock()
        self._firestore = ManagedProcess(
            "firestore-emulator",
            [
                "gcloud",
                "emulators",
                "firestore",
                "start",
                f"--host-port={self.firestore_host}",
                "--quiet",
                *self._firestore_import(),
            ],
            logs / "firestore.log",
            ready_check=lambda: requests.get(f"http://{self.firestore_host}/", timeout=1).ok,
        )
        self._storage = ManagedProcess(
            "storage-emulator",
            [
                str(Path(sys.executable).with_name("gcp-storage-emulator")),
                *([f"--data-dir={c.persist_dir / 'storage'}"] if c.persist_dir else []),
                "start",
                "--host=127.0.0.1",
                f"--port={c.storage_port}",
                *([] if c.persist_dir else ["--in-memory"]),
                f"--default-bucket={c.bucket}",
            ],
            logs / "storage.log",
            ready_check=lambda: requests.get(self.storage_emulator_url + "/", timeout=1).ok,
            ready_timeout=60,
        )
        front_command = [
            sys.executable,
            "-m",
            "localdev.storage_front",
            f"--port={c.front_port}",
            f"--emulator-url={self.storage_emulator_url}",
            f"--service-account-file={self.signing_key_file}",
            f"--allowed-origin={self.site_url}",
            f"--finalize-url={self.site_url}/api/ktp_uploaded",
            f"--retry-cap-seconds={c.finalize_retry_cap_seconds}",
            f"--give-up-after-seconds={c.finalize_give_up_seconds}",
        ]
        if c.duplicate_finalize_events:
            front_command.append("--duplicate-events")
        self._front = ManagedProcess(
            "storage-front",
            front_command,
            logs / "storage-front.log",
            env={"PYTHONPATH": str(REPO)},
            ready_check=lambda: (
                requests.options(self.storage_public_url + "/", timeout=1) is not None
            ),
            ready_timeout=30,
        )
        self._tasks = ManagedProcess(
            "tasks-emulator",
            [
                *tasks_emulator_command(),
                "start",
                f"--port={c.tasks_port}",
                f"--max-retries={c.tasks_max_retries}",
                f"--default-queue={self.queue_path}",
                f"--default-queue={self.dispatch_queue_path}",
            ],
            logs / "tasks.log",
            env={"PYTHONWARNINGS": "ignore"},
            ready_check=self._queue_exists,
            ready_timeout=60,
        )
        gateway_command = [sys.executable, "-m", "localdev.gateway", f"--port={c.site_port}"]
        if c.with_echo:
            gateway_command.append("--with-echo")
        if c.duplicate_tasks:
            gateway_command.append("--duplicate-tasks")
        self._gateway = ManagedProcess(
            "gateway",
            gateway_command,
            logs / "gateway.log",
            env=self.function_env(),
            ready_check=lambda: (
                requests.get(self.site_url + "/api/submit", timeout=2).status_code == 405
            ),
        )
        self.parts = {
            p.name: p
            for p in (
                self._firestore,
                self._storage,
                self._tasks,
                self._front,
                self._providers,
                self._sdp,
                self._clamd,
                self._scanner,
                self._gateway,
            )
        }
        self.supervisor = Supervisor(logs / "supervisor.log")

    def function_env(self) -> dict[str, str]:
        """What each function gets: the same variables a cloud deployment sets, in local mode."""
        c = self.config
        return {
            "PYTHONPATH": str(REPO),
            "REMISI_MODE": "local",
            "GOOGLE_CLOUD_PROJECT": c.project,
            "REMISI_REGION": c.region,
            "KTP_BUCKET": c.bucket,
            "SDP_LOOKUP_QUEUE": c.sdp_lookup_queue,
            "SDP_LOOKUP_URL": f"{self.site_url}/api/sdp_lookup",
            "SWEEP_URL": f"{self.site_url}/api/sweep",
            "RETENTION_URL": f"{self.site_url}/api/retention",
            "FIRESTORE_EMULATOR_HOST": self.firestore_host,
            "STORAGE_EMULATOR_HOST": self.storage_emulator_url,
            "CLOUD_TASKS_EMULATOR_HOST": self.tasks_host,
            "STORAGE_PUBLIC_URL": self.storage_public_url,
            "LOCAL_SIGNING_KEY_FILE": str(self.signing_key_file),
            **self._sdp_env(),
            # Dispatch against the local stand-ins (same adapters as in the cloud).
            "DISPATCH_QUEUE": c.dispatch_queue,
            "DISPATCH_URL": f"{self.site_url}/api/dispatch",
            "DISPATCH_MAX_ATTEMPTS": str(c.tasks_max_retries),
            "PUBLIC_SITE_URL": self.site_url,
            "EMAIL_FROM": "layanan.remisi@example.id",
            "SENDGRID_API_KEY": "SG.local-stand-in",
            "SENDGRID_API_HOST": self.providers_url,
            "SENDGRID_WEBHOOK_PUBLIC_KEY": ensure_sendgrid_key(self.sendgrid_key_file),
            "WHATSAPP_PHONE_NUMBER_ID": "100000000000001",
            "WHATSAPP_TOKEN": "local-stand-in-token",
            "WHATSAPP_API_BASE": self.providers_url,
            "WHATSAPP_API_VERSION": "v23.0",
            "WHATSAPP_APP_SECRET": self.whatsapp_app_secret,
            "WHATSAPP_VERIFY_TOKEN": self.whatsapp_verify_token,
            # Where the "both channels failed" notice goes; it lands in the local outbox too.
            "OPERATOR_ALERT_EMAIL": LOCAL_OPERATOR_ALERT_EMAIL,
            "PROVIDER_TIMEOUT_SECONDS": str(c.provider_timeout_seconds),
            "TEMPLATE_CACHE_SECONDS": str(c.template_cache_seconds),
            "OUTBOX_RELAY_AFTER_SECONDS": str(c.outbox_relay_after_seconds),
            "MALWARE_SCANNER_URL": self.clamav.scanner_url,
            **c.extra_env,
        }

    def _firestore_import(self) -> list[str]:
        if self.firestore_exports is None:
            return []
        newest = newest_firestore_export(self.firestore_exports)
        return [f"--import-data={newest}"] if newest else []

    def save_firestore(self) -> Path | None:
        """make dev: export the emulator's data into a new folder, then drop the older ones.
        (`--export-on-exit` writes nothing with this emulator, measured: so the stack asks
        for an export itself, every sweep and before stopping.)"""
        if self.firestore_exports is None or not self._firestore.running():
            return None
        with self._export_lock:
            self.firestore_exports.mkdir(parents=True, exist_ok=True)
            before = set(self.firestore_exports.glob("firestore_export_*"))
            answer = requests.post(
                f"http://{self.firestore_host}/emulator/v1/projects/{self.config.project}:export",
                json={
                    "database": f"projects/{self.config.project}/databases/(default)",
                    "export_directory": str(self.firestore_exports),
                },
                timeout=60,
            )
            answer.raise_for_status()
            newest = newest_firestore_export(self.firestore_exports)
            if newest is None or newest.parent in before:
                raise RuntimeError("the Firestore emulator reported an export but wrote none")
            for old in before:
                shutil.rmtree(old, ignore_errors=True)
            # A supervisor restart of the emulator imports this export, not the first one.
            self._firestore.command = [
                *(a for a in self._firestore.command if not a.startswith("--import-data=")),
                f"--import-data={newest}",
            ]
            return newest

    def _sdp_env(self) -> dict[str, str]:
        if self.config.sdp_source == "http":
            return {
                "SDP_SOURCE": "http",
                "SDP_SERVICE_URL": self.sdp_url,
                "SDP_SERVICE_CREDENTIAL": self.sdp_credential,
            }
        return {"SDP_SOURCE": "local", "SDP_LOCAL_DIR": str(self.sdp_dir)}

    def start(self) -> None:
        c = self.config
        # A stack stopped a moment ago may still be closing its sockets: wait a little.
        busy = wait_for_ports(
            (
                c.site_port,
                c.firestore_port,
                c.storage_port,
                c.front_port,
                c.tasks_port,
                c.providers_port,
                c.clamd_port,
                c.scanner_port,
                *((c.sdp_port,) if c.sdp_source == "http" else ()),
            ),
            timeout=15,
        )
        if busy:
            held = "; ".join(f"{port}: {port_holder(port)}" for port in busy)
            raise RuntimeError(
                f"ports still in use after 15 s — {held}. Another stack running? Stop it "
                "(Ctrl-C in its terminal) or start on other ports."
            )
        ensure_local_service_account(self.signing_key_file)
        ensure_demo_snapshot(self.sdp_dir, c.demo_sdp_records)
        self.clamav.prepare()
        try:
            # The slow ones (Java, gcloud) first, and all of them before waiting on any.
            first = [self._firestore, self._storage, self._tasks, self._clamd, self._scanner]
            if c.sdp_source == "http":
                first.append(self._sdp)
            for process in first:
                process.start()
                self.processes.append(process)
            self._wait(self._storage)
            self._front.start()
            self.processes.append(self._front)
            for process in (self._firestore, self._tasks, self._front, self._clamd, self._scanner):
                self._wait(process)
            if c.sdp_source == "http":
                self._wait(self._sdp)
            warming = self._warm_up_firestore()
            self._providers.start()
            self.processes.append(self._providers)
            self._gateway.start()
            self.processes.append(self._gateway)
            self._wait(self._gateway)
            self._wait(self._providers)
            try:
                warming.wait(timeout=120)
            except subprocess.TimeoutExpired:
                warming.kill()  # only slower first calls; not a reason to fail the start
        except BaseException:
            self.stop()
            raise
        if c.supervise:
            self.supervisor.watch(self.processes)
            self.supervisor.start()

    def _warm_up_firestore(self) -> subprocess.Popen:
        """The emulator's first operations are slow (a cold JVM): warm it while the gateway
        starts, so the first submit is not the one that pays (localdev/warm_up.py)."""
        return subprocess.Popen(
            [sys.executable, "-m", "localdev.warm_up", f"--host={self.firestore_host}"],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    @staticmethod
    def _wait(process: ManagedProcess) -> None:
        process.wait_ready(process.ready_check, process.ready_timeout)

    # --- faults (the chaos run and the fault tests) -------------------------------------------

    def stop_part(self, name: str) -> None:
        """A planned outage: the part stays down (the supervisor leaves it) until start_part."""
        self.supervisor.hold(name)
        self.parts[name].stop()

    def start_part(self, name: str) -> None:
        process = self.parts[name]
        if not process.running():
            process.start()
        self._wait(process)
        self.supervisor.release(name)

    def kill_part(self, name: str) -> int:
        """kill -9 of the part's main process (the gateway master, say); the supervisor brings
        it back. Returns the killed pid."""
        process = self.parts[name]
        pid = process.pid
        process.kill_main()
        return pid

    def function_worker_pids(self) -> list[int]:
        return child_pids(self._gateway.pid) if self._gateway.running() else []

    def kill_function_worker(self) -> int | None:
        """kill -9 of a gunicorn worker serving the functions; its master forks a new one."""
        workers = self.function_worker_pids()
        if not workers:
            return None
        with contextlib.suppress(ProcessLookupError):
            os.kill(workers[0], signal.SIGKILL)
        return workers[0]

    def pause_part(self, name: str) -> None:
        """SIGSTOP of the part's process group (Firestore hanging, not refusing)."""
        self.parts[name].pause()

    def resume_part(self, name: str) -> None:
        self.parts[name].resume()

    def wait_until_answering(self, name: str, timeout: float = 90) -> None:
        """Wait for a part to answer again (after a kill, the supervisor's restart)."""
        deadline = time.monotonic() + timeout
        process = self.parts[name]
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                if process.running() and process.ready_check():
                    return
            time.sleep(0.2)
        raise TimeoutError(f"{name} not answering after {timeout:.0f} s")

    def retention(self, timeout: float = 120) -> requests.Response:
        """What Cloud Scheduler does daily: POST the retention job."""
        return requests.post(
            f"{self.site_url}/api/retention",
            json={},
            timeout=timeout,
            headers={"X-CloudScheduler": "true"},
        )

    def sweep(self, timeout: float = 120) -> requests.Response:
        """What Cloud Scheduler does: POST the sweep (also the outbox relay)."""
        return requests.post(
            f"{self.site_url}/api/sweep",
            json={},
            timeout=timeout,
            headers={"X-CloudScheduler": "true"},
        )

    def _queue_exists(self) -> bool:
        from shared.adapters.cloud_tasks_queue import emulator_client

        client = emulator_client(self.tasks_host)
        return client.get_queue(name=self.queue_path, timeout=2).name == self.queue_path

    def stop(self) -> None:
        self.supervisor.stop()
        try:
            self.save_firestore()
        except (requests.RequestException, RuntimeError) as error:
            print(f"Firestore data not saved: {error}", file=sys.stderr)
        for process in reversed(self.processes):
            process.stop()
        self.processes.clear()

    def describe(self) -> str:
        return "\n".join(
            [
                "Layanan Informasi Remisi — local stack is up",
                f"  site and API       {self.site_url}/  (functions at /api/<name>)",
                f"  Firestore emulator {self.firestore_host}",
                f"  storage emulator   {self.storage_emulator_url}  (browser uploads via "
                f"{self.storage_public_url})",
                f"  Cloud Tasks        {self.tasks_host}  queue {self.queue_path}",
                f"  outbox             {self.outbox_url}  (email and WhatsApp stand-ins)",
                f"  malware scanner    {self.clamav.scanner_url}  (ClamAV, test signatures)",
                *(
                    [f"  SDP stand-in       {self.sdp_url}"]
                    if self.config.sdp_source == "http"
                    else []
                ),
                f"  logs               {self.config.state_dir / 'logs'}",
                *(
                    [
                        f"  data kept in       {self.config.persist_dir}  (`make dev-clean` "
                        "starts empty)"
                    ]
                    if self.config.persist_dir
                    else []
                ),
                "Press Ctrl-C to stop everything.",
            ]
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Start the whole system locally.")
    parser.add_argument("--port", type=int, default=int(os.environ.get("REMISI_PORT", 8080)))
    parser.add_argument("--with-echo", action="store_true")
    parser.add_argument(
        "--clean",
        action="store_true",
        help="delete the kept local data (requests, accounts, KTP files) and start empty",
    )
    args = parser.parse_args(argv)

    persist_dir = StackConfig.state_dir / DEV_DATA
    if args.clean and persist_dir.exists():
        shutil.rmtree(persist_dir)
        print(f"Deleted the kept local data ({persist_dir}).", flush=True)
    stack = LocalStack(
        StackConfig(
            site_port=args.port,
            with_echo=args.with_echo,
            auto_deliver=True,
            persist_dir=persist_dir,
        )
    )
    stopping = threading.Event()

    def request_stop(signum, frame):
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    print("Starting the local stack (emulators, functions, site)…", flush=True)
    stack.start()
    print(stack.describe(), flush=True)
    next_sweep = time.monotonic() + SWEEP_EVERY_SECONDS
    next_retention = time.monotonic() + SWEEP_EVERY_SECONDS
    try:
        # A part that dies is restarted by the stack's supervisor (and reported there); this
        # loop only plays Cloud Scheduler (infra: fn_sweep's schedule).
        while not stopping.wait(1.0):
            if time.monotonic() >= next_sweep:
                next_sweep = time.monotonic() + SWEEP_EVERY_SECONDS
                try:
                    stack.save_firestore()
                except (requests.RequestException, RuntimeError) as error:
                    print(f"Firestore data not saved: {error}", file=sys.stderr)
                try:
                    answer = stack.sweep(timeout=60)
                    if answer.status_code != 200:
                        print(f"sweep answered HTTP {answer.status_code}", file=sys.stderr)
                except requests.RequestException as error:
                    print(f"sweep failed: {type(error).__name__}", file=sys.stderr)
            if time.monotonic() >= next_retention:
                next_retention = time.monotonic() + RETENTION_EVERY_SECONDS
                try:
                    answer = stack.retention(timeout=600)
                    if answer.status_code != 200:
                        print(f"retention answered HTTP {answer.status_code}", file=sys.stderr)
                except requests.RequestException as error:
                    print(f"retention failed: {type(error).__name__}", file=sys.stderr)
    finally:
        print("Stopping…", flush=True)
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
