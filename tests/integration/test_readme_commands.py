"""Every command block of README.md and infra/README.md, exactly as written (issue 12).

The blocks are read from the READMEs themselves; `PLAN` says, for each block by its exact
text, whether it is run here or deliberately not (and why). A README block that is added or
changed without being placed in `PLAN` fails `test_every_readme_block_is_planned`, so a
command cannot drift away from what is run.

Run here (as written, by bash, from the repository root):
- README "QR board": `make qr-board URL=…` (no stack needed).
- README "Operator page": `.venv/bin/python -m localdev.operators create …`, on a terminal
  (it asks the password twice, as a newcomer types it).
- README "SDP data": `… cli status` and `… cli search "…"`.
- infra/README "Offline checks": `infra/check.sh fmt`, `.venv/bin/python -m
  tests.infra.provider_schema`; infra/README "WhatsApp templates": the `python -c` printer.
Those of "Operator page" and "SDP data" need `make dev`'s stack on its default ports: the test
starts it as `make dev` does (`localdev.stack`: `.local/` for its state, the data kept in a
folder, here a temporary one) when those ports are free, and skips with the holder's name
otherwise. It also restarts that stack at once (the data must still be there, the restart must
not be refused) and checks that every part listens on loopback only and that the outbox page
shows WIB.

Not run (see `PLAN` for each): `make dev` and `make test` (the set-ups themselves: this test
starts the same stack and is part of `make test`), system package installs, the full
`infra/check.sh` (`make test` runs its steps), and whatever needs a Google Cloud project,
credentials, Terraform state or the office's own SDP export (of those, the Terraform outputs
they read and the file they copy are checked against infra/ itself).
"""

from __future__ import annotations

import os
import re
import select
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
READMES = ("README.md", "infra/README.md")


@dataclass(frozen=True)
class Run:
    runner: str
    # Lines of the block that are not run, with the reason.
    except_lines: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class NotRun:
    reason: str


CLOUD = "needs a Google Cloud project, credentials or Terraform state (no cloud here)"

SDP_BLOCK = (
    ".venv/bin/python -m shared.sdp_directory.cli import export.xlsx"
    "    # validates every row first\n"
    ".venv/bin/python -m shared.sdp_directory.cli status\n"
    '.venv/bin/python -m shared.sdp_directory.cli search "Muhammad Rizki bin Ahmad"\n'
)
OFFLINE_CHECKS_BLOCK = (
    "infra/check.sh            # terraform fmt -check, checkov, pytest tests/infra\n"
    "infra/check.sh fmt        # one step: fmt | checkov | tests\n"
)
OPERATOR_CREATE = (
    ".venv/bin/python -m localdev.operators create --username admin.lokal --role admin\n"
)

PLAN: dict[tuple[str, str], Run | NotRun] = {
    (
        "README.md",
        "make dev    # start the whole system locally: emulators, functions, site, demo SDP data\n"
        "make test   # run every test: lint, unit, integration on the emulators, infra checks\n",
    ): NotRun(
        "the two set-up commands: this test starts make dev's stack itself (localdev.stack) "
        "and is itself part of make test"
    ),
    (
        "README.md",
        "apt-get install -y default-jre-headless\n"
        "# Google Cloud CLI: https://cloud.google.com/sdk/docs/install (apt repository), then\n"
        "apt-get install -y google-cloud-cli google-cloud-cli-firestore-emulator\n",
    ): NotRun("installs system packages (root); this machine has them, the stack proves it"),
    ("README.md", "make qr-board URL=https://remisi.example.go.id/\n"): Run("qr_board"),
    ("README.md", OPERATOR_CREATE): Run("operator_create"),
    ("README.md", SDP_BLOCK): Run(
        "sdp_cli",
        except_lines={
            SDP_BLOCK.splitlines()[0]: "needs the office's export.xlsx (none in the repository) "
            "and would replace the demo snapshot make dev serves"
        },
    ),
    ("infra/README.md", OFFLINE_CHECKS_BLOCK): Run(
        "infra_fmt",
        except_lines={
            OFFLINE_CHECKS_BLOCK.splitlines()[0]: "checkov and tests/infra take minutes; "
            "make test runs each of its steps"
        },
    ),
    (
        "infra/README.md",
        ".venv/bin/python -m tests.infra.provider_schema"
        '   # every problem, or "N blocks checked ..."\n',
    ): Run("provider_schema"),
}


def command_blocks(readme: str) -> list[str]:
    """The ```sh blocks and the 4-space indented blocks (after a blank line) of a README."""
    text = (REPO / readme).read_text(encoding="utf-8")
    fenced = re.findall(r"```sh\n(.*?)```", text, re.S)
    indented = [
        "".join(line[4:] + "\n" for line in block.rstrip("\n").split("\n"))
        for block in re.findall(r"(?<=\n\n)((?: {4}\S.*\n)+)", text)
    ]
    return fenced + indented


def _readme_blocks() -> dict[tuple[str, str], None]:
    return {(readme, block): None for readme in READMES for block in command_blocks(readme)}


def _cloud_blocks() -> dict[tuple[str, str], NotRun]:
    """infra/README blocks that talk to the cloud, Terraform's state or the office's files."""
    planned = {}
    for readme, block in _readme_blocks():
        if (readme, block) in PLAN or readme != "infra/README.md":
            continue
        if "WHATSAPP_TEMPLATES" in block:
            continue
        if re.search(r"\b(gcloud|terraform|curl)\b|EKSPOR\.xlsx|\$ENV|\$PROJECT", block):
            planned[(readme, block)] = NotRun(CLOUD)
    return planned


WHATSAPP_PRINTER_MARK = "from shared.domain.message_templates import WHATSAPP_TEMPLATES as T"


# The site build of infra/README "Deploy": it needs no cloud, so it is run (with ENV as step 2
# exports it) although it names $ENV.
SITE_BUILD_MARK = ".venv/bin/python -m shared.site_files --environment $ENV"


def full_plan() -> dict[tuple[str, str], Run | NotRun]:
    plan = dict(PLAN)
    for readme, block in _readme_blocks():
        if readme == "infra/README.md" and WHATSAPP_PRINTER_MARK in block:
            plan[(readme, block)] = Run("whatsapp_printer")
        if readme == "infra/README.md" and SITE_BUILD_MARK in block:
            plan[(readme, block)] = Run("site_build")
    plan.update({key: how for key, how in _cloud_blocks().items() if key not in plan})
    return plan


def test_every_readme_block_is_planned():
    found = set(_readme_blocks())
    plan = full_plan()
    assert found - set(plan) == set(), "README command blocks neither run nor excused"
    assert set(PLAN) - found == set(), "PLAN names blocks no README has (any more)"
    runners = {p.runner for p in plan.values() if isinstance(p, Run)}
    assert runners == set(RUNNERS), "each runner runs exactly one planned block"


def _block(runner: str) -> tuple[str, list[str]]:
    """The block a runner runs and its lines to run, as written (comments included)."""
    for (readme, block), how in full_plan().items():
        if isinstance(how, Run) and how.runner == runner:
            if runner in ("whatsapp_printer", "site_build"):
                return readme, [block]
            return readme, [line for line in block.splitlines() if line not in how.except_lines]
    raise AssertionError(f"no README block for {runner}")


def bash(line: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-c", line],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def bash_on_terminal(line: str, answers: list[tuple[str, str]], timeout: float = 60):
    """Run `line` with a terminal of its own (getpass reads /dev/tty), typing each answer
    when its prompt shows. Returns (exit code, everything it printed)."""
    master, slave = os.openpty()
    # A session of its own whose controlling terminal is the pty, made by a small launcher
    # rather than a preexec_fn: the test session has gRPC clients, and a preexec_fn makes
    # subprocess fork() it (see localdev.processes.TERMINATE_WITH_PARENT).
    own_terminal = (
        "import fcntl, os, sys, termios; os.setsid(); fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
        "os.execvp(sys.argv[1], sys.argv[1:])"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", own_terminal, "bash", "-c", line],
        cwd=REPO,
        stdin=slave,
        stdout=slave,
        stderr=slave,
    )
    os.close(slave)
    output, pending = b"", list(answers)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # the child closed its terminal
                    break
                if not chunk:
                    break
                output += chunk
                if pending and output.rstrip().endswith(pending[0][0].encode()):
                    os.write(master, pending.pop(0)[1].encode() + b"\n")
            elif process.poll() is not None:
                break
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)
    return process.returncode, output.decode(errors="replace")


# --- commands that need no stack --------------------------------------------------------------


def test_readme_qr_board():
    (line,) = _block("qr_board")[1]
    started = time.time()
    result = bash(line, timeout=180)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    for kind in ("pdf", "svg", "png"):
        made = REPO / ".local" / "qr-board" / f"papan-qr-remisi.{kind}"
        assert made.exists() and made.stat().st_mtime >= started - 1, made


def test_infra_readme_fmt_check():
    (line,) = _block("infra_fmt")[1]
    result = bash(line, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def test_infra_readme_provider_schema():
    schema = REPO / "infra" / ".provider-schema"
    if not any(schema.glob("*.schema.json")) and not any(schema.glob("*.whl")):
        pytest.skip("the provider schema is not downloaded (make provider-schema; make test does)")
    (line,) = _block("provider_schema")[1]
    result = bash(line, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert re.search(r"\d+ blocks checked .*: 0 problems", result.stdout), result.stdout


def test_infra_readme_site_build_for_an_environment():
    (block,) = _block("site_build")[1]
    out = REPO / "infra" / "environments" / "staging" / ".build" / "site"
    shutil.rmtree(out, ignore_errors=True)
    result = bash("export ENV=staging\n" + block, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    pages = {path.name: path.read_text(encoding="utf-8") for path in out.glob("*.html")}
    assert "index.html" in pages and "privasi.html" in pages
    assert "Kanwil Ditjenpas Banten" in pages["index.html"]
    # What infra uploads names no local address (the frontend module refuses one that does).
    assert not [name for name, text in pages.items() if "127.0.0.1" in text]
    frontend = (REPO / "infra" / "modules" / "remisi" / "frontend.tf").read_text()
    assert ".build/site" in frontend


def test_infra_readme_targets_name_what_infra_declares():
    """A `terraform apply -target=…` of the deploy steps names a module path and resource that
    infra/ declares (a renamed one would make the first deploy fail half-way)."""
    targets = set()
    for readme, block in _readme_blocks():
        if readme == "infra/README.md":
            targets |= set(re.findall(r"-target=(\S+)", block))
    assert targets
    for target in targets:
        parts = target.split(".")
        folder, environment_module = REPO / "infra" / "environments" / "staging", True
        while parts[0] == "module":
            name = parts[1]
            text = "".join(f.read_text() for f in folder.glob("*.tf"))
            source = re.search(rf'module "{name}" {{.*?source\s*=\s*"([^"]+)"', text, re.S)
            assert source, (target, name, folder)
            folder = (folder / source[1]).resolve()
            parts, environment_module = parts[2:], False
        kind, name = parts
        text = "".join(f.read_text() for f in folder.glob("*.tf"))
        assert f'resource "{kind}" "{name}"' in text, (target, folder)
        assert not environment_module


def test_infra_readme_whatsapp_printer():
    (block,) = _block("whatsapp_printer")[1]
    result = bash(block, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.count("--- ") >= 2, result.stdout[:500]


def test_infra_readme_cloud_commands_name_what_infra_declares():
    """What can be checked of the cloud-only blocks without the cloud: each `terraform output`
    they read is an output of every environment, and the file they copy exists there."""
    blocks = [block for readme, block in _readme_blocks() if readme == "infra/README.md"]
    wanted = set()
    for block in blocks:
        wanted |= set(re.findall(r"terraform (?:-chdir=\S+ )?output (?:-raw |-json )?(\w+)", block))
    assert {"load_balancer_ip", "site_url", "function_urls", "function_environment"} <= wanted
    for environment in ("staging", "production"):
        folder = REPO / "infra" / "environments" / environment
        declared = set(re.findall(r'^output "(\w+)"', (folder / "outputs.tf").read_text(), re.M))
        assert wanted <= declared, (environment, wanted - declared)
        assert (folder / "terraform.tfvars.example").exists()


def test_a_port_left_in_time_wait_is_free_and_a_held_one_is_named():
    """The quick restart once refused with "ports already in use: [9023]": the stopped
    emulator's connections lingered in TIME_WAIT, which never stops a server from binding."""
    import socket

    from localdev.processes import port_holder, port_is_free, wait_for_ports

    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    assert not port_is_free(port)
    assert f"pid {os.getpid()} " in port_holder(port)
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    accepted.close()  # the server side closes first: its end of the connection is in TIME_WAIT
    client.recv(1)
    client.close()
    server.close()
    assert wait_for_ports([port], timeout=2) == []


# --- commands that need make dev's stack on its default ports ---------------------------------


@pytest.fixture(scope="module")
def dev_stack(tmp_path_factory):
    from localdev.processes import port_holder, wait_for_ports
    from localdev.stack import LocalStack, StackConfig

    defaults = StackConfig()
    ports = (
        defaults.site_port,
        defaults.firestore_port,
        defaults.storage_port,
        defaults.front_port,
        defaults.tasks_port,
        defaults.providers_port,
        defaults.clamd_port,
        defaults.scanner_port,
    )
    busy = wait_for_ports(ports, timeout=2)
    if busy:
        held = "; ".join(f"{port}: {port_holder(port)}" for port in busy)
        pytest.skip(f"make dev's default ports are in use (is make dev running?) — {held}")
    kept = tmp_path_factory.mktemp("dev-data")
    # As make dev starts it (localdev.stack.main), with the kept data in a folder of its own so
    # a developer's .local/dev-data is never touched.
    config = StackConfig(auto_deliver=True, persist_dir=kept)
    stack = LocalStack(config)
    stack.start()
    holder = {"stack": stack}
    try:
        yield holder
    finally:
        holder["stack"].stop()


def test_readme_operator_create_then_restart_keeps_it(dev_stack):
    (line,) = _block("operator_create")[1]
    password = "Sandi-lokal-uji-" + os.urandom(4).hex()
    code, output = bash_on_terminal(
        line, [("Kata sandi awal:", password), ("Ulangi kata sandi:", password)]
    )
    assert code == 0, output[-3000:]
    # The enrolment QR goes to a private temporary file, never into the repository.
    written = re.findall(r"(/\S+\.svg)", output)
    assert written, output[-1500:]
    qr = Path(written[0])
    assert qr.exists() and not qr.resolve().is_relative_to(REPO), qr
    assert qr.stat().st_mode & 0o077 == 0, oct(qr.stat().st_mode)
    qr.unlink()

    from google.cloud import firestore

    def operator_names(stack) -> list[str]:
        os.environ["FIRESTORE_EMULATOR_HOST"] = stack.firestore_host
        client = firestore.Client(project=stack.config.project)
        return [d.to_dict().get("username") for d in client.collection("operators").stream()]

    stack = dev_stack["stack"]
    saved = os.environ.get("FIRESTORE_EMULATOR_HOST")
    try:
        assert "admin.lokal" in operator_names(stack)
        # A restart at once, as a developer does: not refused, and the account is still there.
        stack.stop()
        from localdev.stack import LocalStack

        restarted = LocalStack(stack.config)
        restarted.start()
        dev_stack["stack"] = restarted
        assert "admin.lokal" in operator_names(restarted)
    finally:
        if saved is None:
            os.environ.pop("FIRESTORE_EMULATOR_HOST", None)
        else:
            os.environ["FIRESTORE_EMULATOR_HOST"] = saved


def test_readme_sdp_cli(dev_stack):
    status, search = _block("sdp_cli")[1]
    result = bash(status)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "jumlah data: 2000" in result.stdout, result.stdout
    result = bash(search)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "belum ada data" not in result.stdout
    # At least one candidate line: score, registration number, name.
    assert re.search(r"^\s*\d+\.\d\s+\S", result.stdout, re.M), result.stdout


def _listening_addresses(port: int) -> set[str]:
    addresses = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if fields[3] == "0A" and int(hex_port, 16) == port:
                addresses.add(address)
    return addresses


# 127.0.0.1, ::ffff:127.0.0.1 and ::1 as /proc/net/tcp{,6} spell them.
LOOPBACK = {
    "0100007F",
    "0000000000000000FFFF00000100007F",
    "00000000000000000000000001000000",
}


def test_every_local_part_listens_on_loopback_only(dev_stack):
    stack = dev_stack["stack"]
    c = stack.config
    for name, port in {
        "gateway": c.site_port,
        "Firestore": c.firestore_port,
        "storage emulator": c.storage_port,
        "storage front": c.front_port,
        "Cloud Tasks": c.tasks_port,
        "provider stand-ins": c.providers_port,
    }.items():
        addresses = _listening_addresses(port)
        assert addresses, f"{name}: nothing listens on {port}"
        assert addresses <= LOOPBACK, f"{name} listens beyond loopback: {addresses}"


def test_outbox_page_shows_wib(dev_stack):
    from shared.domain.form import WIB

    stack = dev_stack["stack"]
    before = datetime.now(WIB).replace(microsecond=0)
    answer = requests.post(
        f"{stack.providers_url}/v3/mail/send",
        headers={"Authorization": "Bearer SG.local-stand-in"},
        json={
            "personalizations": [{"to": [{"email": "wib.uji@example.id"}]}],
            "from": {"email": "layanan.remisi@example.id"},
            "subject": "Uji waktu WIB",
            "content": [{"type": "text/plain", "value": "uji"}],
        },
        timeout=10,
    )
    assert answer.status_code == 202, answer.text
    page = requests.get(stack.outbox_url, timeout=10).text
    shown = re.findall(r"Email · (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) WIB", page)
    assert shown, page[:1000]
    newest = max(datetime.strptime(s, "%Y-%m-%d %H:%M:%S").replace(tzinfo=WIB) for s in shown)
    assert abs((newest - before).total_seconds()) < 60, (newest, before)


RUNNERS = {
    "qr_board": test_readme_qr_board,
    "operator_create": test_readme_operator_create_then_restart_keeps_it,
    "sdp_cli": test_readme_sdp_cli,
    "infra_fmt": test_infra_readme_fmt_check,
    "provider_schema": test_infra_readme_provider_schema,
    "whatsapp_printer": test_infra_readme_whatsapp_printer,
    "site_build": test_infra_readme_site_build_for_an_environment,
}
