"""Operator accounts and signed-in HTTP sessions on the local stack, for the operator tests."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass

import pyotp
import requests
from google.cloud.firestore import FieldFilter

from tests.conftest import REPO, wait_for

PASSWORD = "kata-sandi-uji-yang-panjang"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Account:
    username: str
    role: str
    secret: str
    last_step: int = -1

    def next_code(self) -> str:
        """A code for a time step not used yet (each code signs in once). The page takes the
        current step and one either side (clock drift), so the next step's code is good now
        too: two sign-ins per 30 s without waiting (the one before is not used, it may lapse
        on the way)."""
        while True:
            current = int(time.time()) // 30
            step = max(self.last_step + 1, current)
            if step <= current + 1:
                self.last_step = step
                return pyotp.TOTP(self.secret).at(step * 30)
            time.sleep(0.5)


def create_account(stack, role: str, prefix: str = "op") -> Account:
    username = f"{prefix}.{uuid.uuid4().hex[:8]}"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "shared.operators",
            "create",
            "--username",
            username,
            "--role",
            role,
            "--name",
            f"Uji {role}",
            "--password-stdin",
            "--no-terminal-qr",
            "--qr-file",
            str(stack.config.state_dir / f"{username}.svg"),
        ],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        env={**stack.function_env(), "PATH": "/usr/bin:/bin"},
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    secret = re.search(r"Kunci TOTP \(tampil sekali\): (\w+)", done.stdout)[1]
    return Account(username, role, secret)


def base(stack) -> str:
    return f"{stack.site_url}/api/operator"


def sign_in(stack, account: Account, password: str = PASSWORD) -> requests.Session:
    http = requests.Session()
    answer = http.post(
        f"{base(stack)}/login",
        data={"username": account.username, "password": password, "code": account.next_code()},
        allow_redirects=False,
        timeout=20,
    )
    assert answer.status_code == 303, answer.text
    return http


def csrf_of(http: requests.Session, stack, path: str = "/account") -> str:
    page = http.get(base(stack) + path, timeout=10)
    assert page.status_code == 200, page.status_code
    return CSRF.search(page.text)[1]


def awaiting_request(stack, firestore_client, **overrides) -> str:
    from tests.integration.test_pipeline import submit, upload, wait_for_status
    from tests.samples import jpeg_bytes

    photo = jpeg_bytes()
    answer = submit(stack, ktp_size=len(photo), **overrides)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert upload(body, photo).status_code == 200
    wait_for_status(firestore_client, body["request_id"], "awaiting_operator")
    return body["request_id"]


def composed_answer(http: requests.Session, stack, request_id: str, registration: str):
    """The compose page for one candidate, and the answer text prefilled in its textarea."""
    import html

    page = http.get(
        f"{base(stack)}/requests/{request_id}/compose",
        params={"candidate": registration},
        timeout=10,
    )
    text = html.unescape(
        page.text.split("<textarea", 1)[1].split(">", 1)[1].split("</textarea>")[0]
    )
    return page, text


def audit_actions(firestore_client, target: str) -> list[str]:
    return wait_for(
        lambda: (
            [
                d.to_dict()["action"]
                for d in firestore_client.collection("audit_events")
                .where(filter=FieldFilter("target", "==", target))
                .stream()
            ]
            or None
        )
    )
