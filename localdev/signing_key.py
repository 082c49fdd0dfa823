"""A locally generated service-account key for V4 signed URLs.

In the cloud the file store signs upload URLs through IAM signBlob with the function's own
service account and no key file exists. Locally there is no IAM, so the stack generates a
key of the same shape once, signs with it, and the local storage front verifies with its
public half. The key never leaves the developer's machine and grants nothing in any cloud.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.oauth2 import service_account

LOCAL_PROJECT_ID = "remisi-local"
LOCAL_SIGNER_EMAIL = f"remisi-local-signer@{LOCAL_PROJECT_ID}.iam.gserviceaccount.com"


def ensure_local_service_account(path: Path) -> dict:
    """Return the local service-account info at `path`, creating it (mode 0600) if absent.

    Safe when several processes of the stack start at once: the file is written to a
    temporary name and hard-linked into place, so exactly one key wins and nobody ever reads
    a half-written file.
    """
    path = Path(path)
    if path.exists():
        return _read_info(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary_name = tempfile.mkstemp(dir=path.parent, prefix=".signer-")
    try:
        # mkstemp already creates the file 0600; keep it that way explicitly.
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(_new_service_account_info(), handle, indent=2)
        # If another process linked its key first, keep theirs.
        with contextlib.suppress(FileExistsError):
            os.link(temporary_name, path)
    finally:
        os.unlink(temporary_name)
    return _read_info(path)


def local_signing_credentials(path: Path) -> service_account.Credentials:
    """Credentials able to sign V4 URLs (`blob.generate_signed_url(credentials=...)`)."""
    return service_account.Credentials.from_service_account_info(ensure_local_service_account(path))


def _read_info(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _new_service_account_info() -> dict:
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_key_pem = private_key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    ).decode("ascii")
    quoted_email = LOCAL_SIGNER_EMAIL.replace("@", "%40")
    return {
        "type": "service_account",
        "project_id": LOCAL_PROJECT_ID,
        "private_key_id": secrets.token_hex(20),
        "private_key": private_key_pem,
        "client_email": LOCAL_SIGNER_EMAIL,
        "client_id": str(secrets.randbelow(10**21)),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/{quoted_email}",
        "universe_domain": "googleapis.com",
    }
