"""Verification of Cloud Storage V4 signed URLs (GOOG4-RSA-SHA256), as GCS performs it.

The canonical request is rebuilt from the request actually received, the way
`google.cloud.storage._signing.generate_signed_url_v4` builds it when signing:

    METHOD \\n canonical URI \\n canonical query \\n canonical headers \\n
    signed header names \\n UNSIGNED-PAYLOAD

so a browser that sends another Content-Type, another object name, another length range or
another host than what was signed gets the same 403 it would get from Cloud Storage.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, unquote

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from localdev import gcs_errors

ALGORITHM = "GOOG4-RSA-SHA256"
MAX_EXPIRES_SECONDS = 7 * 24 * 3600
SIGNATURE_PARAMETER = "X-Goog-Signature"
REQUIRED_PARAMETERS = (
    "X-Goog-Algorithm",
    "X-Goog-Credential",
    "X-Goog-Date",
    "X-Goog-Expires",
    "X-Goog-SignedHeaders",
    SIGNATURE_PARAMETER,
)
TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"


@dataclass(frozen=True)
class ReceivedRequest:
    """What the verifier needs from an HTTP request, already decoded."""

    method: str
    path: str  # decoded, e.g. "/bucket/ktp/abc.jpg"
    query: Sequence[tuple[str, str]]  # decoded name/value pairs, in received order
    headers: Mapping[str, str]  # lower-case names, including "host"


@dataclass(frozen=True)
class VerifiedSignature:
    signer_email: str
    signed_headers: tuple[str, ...]
    expires_at: datetime


def parse_query_string(raw_query: str) -> list[tuple[str, str]]:
    """Split a raw query string into decoded pairs.

    `+` stays a plus sign: signed URLs percent-encode spaces, and form decoding would let
    `a+b` and `a%20b` verify as the same URL.
    """
    pairs = []
    for part in raw_query.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((unquote(name), unquote(value)))
    return pairs


def verify_v4_signature(
    request: ReceivedRequest,
    public_keys: Mapping[str, rsa.RSAPublicKey],
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> VerifiedSignature:
    """Return what was verified, or raise `gcs_errors.StorageError` as GCS would answer."""
    parameters = _signature_parameters(request.query)
    signer_email, credential_scope = _parse_credential(parameters["X-Goog-Credential"])
    signed_at = _parse_timestamp(parameters["X-Goog-Date"])
    lifetime = _parse_expires(parameters["X-Goog-Expires"])
    signed_headers = tuple(parameters["X-Goog-SignedHeaders"].split(";"))
    if "host" not in signed_headers:
        raise gcs_errors.malformed_security_header(
            "X-Goog-SignedHeaders", "The host header must be signed."
        )
    signature = _parse_signature(parameters[SIGNATURE_PARAMETER])

    canonical_request = build_canonical_request(request, signed_headers)
    string_to_sign = "\n".join(
        [
            ALGORITHM,
            parameters["X-Goog-Date"],
            credential_scope,
            hashlib.sha256(canonical_request.encode("utf-8")).hexdigest(),
        ]
    )
    public_key = public_keys.get(signer_email)
    if public_key is None or not _signature_is_valid(public_key, signature, string_to_sign):
        raise gcs_errors.signature_does_not_match(string_to_sign, canonical_request)

    # Checked after the signature, so a forged X-Goog-Date/X-Goog-Expires is a 403 first.
    expires_at = signed_at + lifetime
    if now() >= expires_at:
        raise gcs_errors.expired_token(expires_at.isoformat())
    return VerifiedSignature(signer_email, signed_headers, expires_at)


def build_canonical_request(request: ReceivedRequest, signed_headers: Sequence[str]) -> str:
    canonical_uri = quote(request.path, safe="/~")
    canonical_query = "&".join(
        sorted(
            f"{quote(name, safe='~')}={quote(value, safe='~')}"
            for name, value in request.query
            if name != SIGNATURE_PARAMETER
        )
    )
    canonical_headers = "".join(
        f"{name}:{_normalize_header_value(request.headers.get(name, ''))}\n"
        for name in signed_headers
    )
    return "\n".join(
        [
            request.method,
            canonical_uri,
            canonical_query,
            canonical_headers,
            ";".join(signed_headers),
            _payload_hash(request, signed_headers),
        ]
    )


def _payload_hash(request: ReceivedRequest, signed_headers: Sequence[str]) -> str:
    # As in the signer: a signed x-goog-content-sha256 replaces UNSIGNED-PAYLOAD. Our file
    # store never signs one, so the body hash itself is not checked here.
    if "x-goog-content-sha256" in signed_headers:
        return request.headers.get("x-goog-content-sha256", "")
    return "UNSIGNED-PAYLOAD"


def _signature_parameters(query: Sequence[tuple[str, str]]) -> dict[str, str]:
    parameters = dict(query)
    if not any(name in parameters for name in REQUIRED_PARAMETERS):
        raise gcs_errors.anonymous_caller()
    for name in REQUIRED_PARAMETERS:
        if not parameters.get(name):
            raise gcs_errors.malformed_security_header(name, f"Missing {name} parameter.")
    if parameters["X-Goog-Algorithm"] != ALGORITHM:
        raise gcs_errors.malformed_security_header(
            "X-Goog-Algorithm", f"Only {ALGORITHM} is supported."
        )
    return parameters


def _parse_credential(credential: str) -> tuple[str, str]:
    # "<email>/<yyyymmdd>/auto/storage/goog4_request"
    parts = credential.split("/")
    if len(parts) != 5 or parts[2:] != ["auto", "storage", "goog4_request"]:
        raise gcs_errors.malformed_security_header(
            "X-Goog-Credential", "Credential must be <email>/<date>/auto/storage/goog4_request."
        )
    return parts[0], "/".join(parts[1:])


def _parse_timestamp(value: str) -> datetime:
    try:
        return datetime.strptime(value, TIMESTAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise gcs_errors.malformed_security_header(
            "X-Goog-Date", "Date must be in the form YYYYMMDDTHHMMSSZ."
        ) from None


def _parse_expires(value: str) -> timedelta:
    if not value.isdigit() or not 1 <= int(value) <= MAX_EXPIRES_SECONDS:
        raise gcs_errors.malformed_security_header(
            "X-Goog-Expires", f"Expires must be between 1 and {MAX_EXPIRES_SECONDS} seconds."
        )
    return timedelta(seconds=int(value))


def _parse_signature(value: str) -> bytes:
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise gcs_errors.malformed_security_header(
            SIGNATURE_PARAMETER, "Signature was not hex encoded."
        ) from None


def _normalize_header_value(value: str) -> str:
    # Same folding as the signer: trim and collapse inner whitespace.
    return " ".join(value.split())


def _signature_is_valid(public_key: rsa.RSAPublicKey, signature: bytes, message: str) -> bool:
    try:
        public_key.verify(signature, message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True
