"""Provider failure classes and webhook signatures, without a network."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from shared.adapters import sendgrid_email, whatsapp_cloud
from shared.adapters.webhook_signatures import (
    SENDGRID_SIGNATURE,
    SENDGRID_TIMESTAMP,
    WHATSAPP_SIGNATURE,
    SignatureRefused,
    sendgrid_public_key,
    sign_sendgrid,
    sign_whatsapp,
    verify_sendgrid,
    verify_whatsapp,
)
from shared.service_layer.ports import Failure

NOW = 1_800_000_000


def test_sendgrid_statuses_are_classified():
    limited = sendgrid_email.classify_http(429, {"X-RateLimit-Reset": str(NOW + 42)}, b"")
    assert limited.failure is Failure.TRANSIENT and limited.code == "http_429"
    assert sendgrid_email.retry_after_seconds({"X-RateLimit-Reset": str(NOW + 42)}, NOW) == 42
    assert sendgrid_email.retry_after_seconds({"Retry-After": "7"}, NOW) == 7
    assert sendgrid_email.classify_http(502, {}, b"").failure is Failure.TRANSIENT
    bad_address = (
        b'{"errors":[{"message":"Does not contain a valid address.",'
        b'"field":"personalizations.0.to.0.email"}]}'
    )
    invalid = sendgrid_email.classify_http(400, {}, bad_address)
    assert (invalid.failure, invalid.code) == (Failure.PERMANENT, "invalid_email")
    assert sendgrid_email.classify_http(401, {}, b"").failure is Failure.PERMANENT


@pytest.mark.parametrize(
    ("status", "code", "failure", "name"),
    [
        (429, 130429, Failure.TRANSIENT, "wa_130429"),
        (400, 131056, Failure.TRANSIENT, "wa_131056"),
        (500, 131000, Failure.TRANSIENT, "wa_131000"),
        (503, None, Failure.TRANSIENT, "http_503"),
        (400, 131026, Failure.PERMANENT, "wa_131026"),
        (400, 131047, Failure.PERMANENT, "wa_131047"),
        (400, 100, Failure.PERMANENT, "wa_100"),
        (401, 190, Failure.PERMANENT, "wa_190"),
    ],
)
def test_whatsapp_errors_are_classified(status, code, failure, name):
    error = whatsapp_cloud.classify(status, {}, {"code": code} if code else {})
    assert (error.failure, error.code) == (failure, name)


@pytest.fixture(scope="module")
def key_pair():
    private = ec.generate_private_key(ec.SECP256R1())
    der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, sendgrid_public_key(base64.b64encode(der).decode())


def test_sendgrid_signatures_cover_timestamp_and_raw_body(key_pair):
    private, public = key_pair
    body = b'[{"event":"delivered","remisi_message":"m"}]'
    headers = {
        SENDGRID_SIGNATURE: sign_sendgrid(private, str(NOW), body),
        SENDGRID_TIMESTAMP: str(NOW),
    }
    verify_sendgrid(public, headers, body, now=NOW)
    refused = [
        (headers, body + b" ", NOW),  # body changed
        ({**headers, SENDGRID_TIMESTAMP: str(NOW + 1)}, body, NOW),  # timestamp changed
        (headers, body, NOW + 3600),  # replayed an hour later
        ({SENDGRID_TIMESTAMP: str(NOW)}, body, NOW),  # unsigned
        ({**headers, SENDGRID_SIGNATURE: "not base64!"}, body, NOW),
    ]
    for given, data, now in refused:
        with pytest.raises(SignatureRefused):
            verify_sendgrid(public, given, data, now=now)


def test_whatsapp_signatures_are_hmac_of_the_raw_body():
    body = b'{"entry":[]}'
    verify_whatsapp("secret", {WHATSAPP_SIGNATURE: sign_whatsapp("secret", body)}, body)
    for headers, secret in (
        ({WHATSAPP_SIGNATURE: sign_whatsapp("other", body)}, "secret"),
        ({}, "secret"),
        ({WHATSAPP_SIGNATURE: sign_whatsapp("", body)}, ""),  # no secret configured
    ):
        with pytest.raises(SignatureRefused):
            verify_whatsapp(secret, headers, body)
