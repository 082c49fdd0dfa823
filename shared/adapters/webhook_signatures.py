"""Signature checks of the providers' delivery webhooks, over the raw body.

SendGrid: ECDSA (P-256, SHA-256) over timestamp + body, base64 DER signature in
X-Twilio-Email-Event-Webhook-Signature, the timestamp in ...-Timestamp, the key (base64 DER
SubjectPublicKeyInfo) from the Event Webhook settings. WhatsApp: X-Hub-Signature-256 =
"sha256=" + hex HMAC-SHA256 of the body with the app secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

SENDGRID_SIGNATURE = "X-Twilio-Email-Event-Webhook-Signature"
SENDGRID_TIMESTAMP = "X-Twilio-Email-Event-Webhook-Timestamp"
WHATSAPP_SIGNATURE = "X-Hub-Signature-256"
# A signed request older (or newer) than this is a replay: refused.
MAX_SKEW_SECONDS = 600


class SignatureRefused(Exception):
    pass


def sendgrid_public_key(encoded: str) -> ec.EllipticCurvePublicKey:
    key = serialization.load_der_public_key(base64.b64decode(encoded))
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ValueError("not an EC public key")
    return key


def verify_sendgrid(
    key: ec.EllipticCurvePublicKey, headers, body: bytes, now: float | None = None
) -> None:
    signature = headers.get(SENDGRID_SIGNATURE, "")
    timestamp = headers.get(SENDGRID_TIMESTAMP, "")
    if not signature or not timestamp.isdigit():
        raise SignatureRefused("missing signature")
    if abs((now if now is not None else time.time()) - int(timestamp)) > MAX_SKEW_SECONDS:
        raise SignatureRefused("stale timestamp")
    try:
        key.verify(
            base64.b64decode(signature, validate=True),
            timestamp.encode() + body,
            ec.ECDSA(hashes.SHA256()),
        )
    except (InvalidSignature, binascii.Error, ValueError):
        raise SignatureRefused("bad signature") from None


def sign_sendgrid(private_key: ec.EllipticCurvePrivateKey, timestamp: str, body: bytes) -> str:
    """What SendGrid does (the local stand-in signs with it)."""
    signature = private_key.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    return base64.b64encode(signature).decode()


def verify_whatsapp(app_secret: str, headers, body: bytes) -> None:
    given = headers.get(WHATSAPP_SIGNATURE, "")
    expected = sign_whatsapp(app_secret, body)
    if not app_secret or not hmac.compare_digest(given.encode(), expected.encode()):
        raise SignatureRefused("bad signature")


def sign_whatsapp(app_secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
