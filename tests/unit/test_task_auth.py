"""The lookup function's caller checks, with tokens signed by a key this test makes and certs
served on loopback the way Google serves its own."""

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.auth import crypt, jwt

from shared.adapters.task_auth import TaskCallerRefused, local_task_verifier, oidc_task_verifier

AUDIENCE = "https://asia-southeast2-p.cloudfunctions.net/sdp-lookup"
INVOKER = "tasks-invoker@p.iam.gserviceaccount.com"


def _key_and_cert():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-google")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem, cert.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope="module")
def google():
    """A stand-in for Google's token certs endpoint and the key that signs its tokens."""
    key_pem, cert_pem = _key_and_cert()
    body = json.dumps({"kid-1": cert_pem}).encode()

    class Certs(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Certs)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    signer = crypt.RSASigner.from_string(key_pem, "kid-1")

    def token(**claims):
        now = int(time.time())
        payload = {
            "iss": "https://accounts.google.com",
            "aud": AUDIENCE,
            "email": INVOKER,
            "email_verified": True,
            "iat": now,
            "exp": now + 600,
            **claims,
        }
        return jwt.encode(signer, payload).decode()

    yield f"http://127.0.0.1:{server.server_port}/certs", token
    server.shutdown()


def test_a_token_from_the_queue_account_for_this_function_is_accepted(google):
    certs_url, token = google
    verify = oidc_task_verifier(AUDIENCE, INVOKER, certs_url=certs_url)
    verify({"Authorization": f"Bearer {token()}"})


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "https://asia-southeast2-p.cloudfunctions.net/another-function"},
        {"email": "someone-else@p.iam.gserviceaccount.com"},
        {"email_verified": False},
        {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},
    ],
)
def test_tokens_for_another_audience_account_or_time_are_refused(google, claims):
    certs_url, token = google
    verify = oidc_task_verifier(AUDIENCE, INVOKER, certs_url=certs_url)
    with pytest.raises(TaskCallerRefused):
        verify({"Authorization": f"Bearer {token(**claims)}"})


def test_missing_malformed_or_forged_tokens_are_refused(google):
    certs_url, _ = google
    verify = oidc_task_verifier(AUDIENCE, INVOKER, certs_url=certs_url)
    forged_key, _ = _key_and_cert()
    forged = jwt.encode(
        crypt.RSASigner.from_string(forged_key, "kid-1"),
        {
            "iss": "https://accounts.google.com",
            "aud": AUDIENCE,
            "email": INVOKER,
            "email_verified": True,
            "iat": int(time.time()),
            "exp": int(time.time()) + 600,
        },
    ).decode()
    for headers in (
        {},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer not.a.jwt"},
        {"Authorization": f"Bearer {forged}"},
        # The local queue header means nothing in the cloud.
        {"X-CloudTasks-QueueName": "projects/p/locations/l/queues/sdp-lookup"},
    ):
        with pytest.raises(TaskCallerRefused):
            verify(headers)


def test_local_mode_accepts_only_its_own_queue():
    verify = local_task_verifier("sdp-lookup")
    verify({"X-CloudTasks-QueueName": "projects/p/locations/l/queues/sdp-lookup"})
    for headers in ({}, {"X-CloudTasks-QueueName": "projects/p/locations/l/queues/other"}):
        with pytest.raises(TaskCallerRefused):
            verify(headers)
