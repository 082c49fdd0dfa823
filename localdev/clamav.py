"""ClamAV in the local stack: Debian's clamd with a signature database made here, behind the
same HTTP front the cloud runs (infra/malware_scanner/server.py).

Debian ships no signatures and freshclam cannot reach ClamAV's mirrors from here, so the
database is built at start in the stack's state folder: `sigtool --md5` / `--sha256` of a known
test photo (a .hdb and a .hsb: a file that is a perfectly good JPEG and still "known bad"), and
an EICAR body signature (.ndb) that matches the test string anywhere in a file. With two
signatures clamd loads in well under a second.
"""

from __future__ import annotations

import io
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import requests

from localdev.processes import ManagedProcess

REPO = Path(__file__).resolve().parents[1]
SCANNER_SERVER = REPO / "infra" / "malware_scanner" / "server.py"
SIGTOOL = "/usr/bin/sigtool"
CLAMD = "/usr/sbin/clamd"
EICAR_SIGNATURE = "Eicar-Test-Signature"
KNOWN_BAD_SIGNATURE = "Remisi-Known-Bad-Photo"


def eicar() -> bytes:
    """The EICAR anti-virus test string, put together here so no file of the repository is
    itself the test file (a developer's own scanner would quarantine it)."""
    return b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS" + b"-TEST-FILE!$H+H*"


def known_bad_photo() -> bytes:
    """A valid KTP-sized JPEG that the test database lists by hash (deterministic bytes)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 404), (214, 228, 240))
    draw = ImageDraw.Draw(image)
    for row in range(0, 404, 28):
        draw.line([(0, row), (640, row + 40)], fill=(120, 40, 40), width=3)
    draw.rectangle([40, 60, 220, 300], outline=(20, 20, 20), width=4)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def clamd_ping(port: int, timeout: float = 1.0) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(b"zPING\0")
        return conn.recv(16).startswith(b"PONG")


@dataclass(frozen=True)
class LocalClamav:
    """Where the stack's ClamAV keeps its database and config, and the two parts it runs."""

    folder: Path
    clamd_port: int
    scanner_port: int

    @property
    def known_bad_file(self) -> Path:
        return self.folder / "known-bad-photo.jpg"

    @property
    def database_dir(self) -> Path:
        return self.folder / "db"

    @property
    def config_file(self) -> Path:
        return self.folder / "clamd.conf"

    @property
    def scanner_url(self) -> str:
        return f"http://127.0.0.1:{self.scanner_port}"

    def prepare(self) -> None:
        """The test database (sigtool over the known file, plus EICAR) and a minimal clamd.conf:
        loopback TCP only, no logging to syslog, no privilege drop, a stream limit above the
        2 MB a KTP may have."""
        self.database_dir.mkdir(parents=True, exist_ok=True)
        self.known_bad_file.write_bytes(known_bad_photo())
        for option, suffix in (("--md5", "hdb"), ("--sha256", "hsb")):
            made = subprocess.run(
                [SIGTOOL, option, str(self.known_bad_file)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.strip()
            digest, size, _name = made.split(":")
            (self.database_dir / f"remisi-test.{suffix}").write_text(
                f"{digest}:{size}:{KNOWN_BAD_SIGNATURE}\n"
            )
        # Body signature, any offset (*): EICAR inside an otherwise valid JPEG or PDF too.
        (self.database_dir / "remisi-test.ndb").write_text(
            f"{EICAR_SIGNATURE}:0:*:{eicar().hex()}\n"
        )
        self.config_file.write_text(
            "\n".join(
                [
                    f"DatabaseDirectory {self.database_dir}",
                    "TCPAddr 127.0.0.1",
                    f"TCPSocket {self.clamd_port}",
                    "Foreground yes",
                    f"LogFile {self.folder / 'clamd.log'}",
                    "LogTime yes",
                    "StreamMaxLength 4M",
                    "MaxThreads 4",
                    "SelfCheck 3600",
                    "",
                ]
            )
        )

    def clamd_process(self, logs: Path) -> ManagedProcess:
        return ManagedProcess(
            "clamd",
            [CLAMD, f"--config-file={self.config_file}"],
            logs / "clamd-stdout.log",
            ready_check=lambda: clamd_ping(self.clamd_port),
            ready_timeout=60,
        )

    def scanner_process(self, logs: Path) -> ManagedProcess:
        return ManagedProcess(
            "malware-scanner",
            [sys.executable, str(SCANNER_SERVER)],
            logs / "malware-scanner.log",
            env={
                "LISTEN_HOST": "127.0.0.1",
                "PORT": str(self.scanner_port),
                "CLAMD_HOST": "127.0.0.1",
                "CLAMD_PORT": str(self.clamd_port),
            },
            # Up means answering HTTP; /health says 503 while clamd is down, which is its job.
            ready_check=lambda: (
                requests.get(f"{self.scanner_url}/health", timeout=2).status_code in (200, 503)
            ),
            ready_timeout=30,
        )


def main() -> int:
    """Start the two parts on free ports in a temporary folder, scan the test files through the
    front, stop; the last line is key=value (`python -m localdev.clamav`)."""
    import tempfile
    import time

    from localdev.processes import free_port

    with tempfile.TemporaryDirectory() as scratch:
        clamav = LocalClamav(Path(scratch) / "clamav", free_port(), free_port())
        started = time.monotonic()
        clamav.prepare()
        prepared = time.monotonic() - started
        parts = [clamav.clamd_process(Path(scratch)), clamav.scanner_process(Path(scratch))]
        try:
            for part in parts:
                part.start()
            for part in parts:
                part.wait_ready(part.ready_check, part.ready_timeout)
            ready = time.monotonic() - started
            verdicts, timings = {}, []
            for name, data in (
                ("eicar", eicar()),
                ("known_bad", clamav.known_bad_file.read_bytes()),
                ("clean", known_bad_photo() + b"\0"),  # one byte more: another hash
            ):
                begun = time.monotonic()
                answer = requests.post(f"{clamav.scanner_url}/scan", data=data, timeout=10)
                timings.append(time.monotonic() - begun)
                verdicts[name] = answer.json().get("verdict", answer.status_code)
        finally:
            for part in parts:
                part.stop()
    print(
        f"database_s={prepared:.2f} ready_s={ready:.2f} "
        + " ".join(f"{k}={v}" for k, v in verdicts.items())
        + f" scan_ms_max={max(timings) * 1000:.0f}"
    )
    return 0 if list(verdicts.values()) == ["infected", "infected", "clean"] else 1


if __name__ == "__main__":
    sys.exit(main())
