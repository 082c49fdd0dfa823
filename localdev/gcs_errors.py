"""Cloud Storage XML API error responses, as the local storage front sends them.

The browser code and the tests read these bodies exactly as they would read Cloud Storage's,
so the element names, status codes and error codes follow the XML API reference
(https://cloud.google.com/storage/docs/xml-api/reference-status).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape


@dataclass
class StorageError(Exception):
    status: int
    code: str
    message: str
    details: str | None = None
    # Further elements GCS adds for some errors (ParameterName, StringToSign, ...).
    extra: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.details or self.message}"

    def to_xml(self) -> bytes:
        elements = [("Code", self.code), ("Message", self.message)]
        if self.details is not None:
            elements.append(("Details", self.details))
        elements.extend(self.extra.items())
        inner = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in elements)
        return f"<?xml version='1.0' encoding='UTF-8'?><Error>{inner}</Error>".encode()


def malformed_security_header(parameter: str, details: str) -> StorageError:
    return StorageError(
        400,
        "MalformedSecurityHeader",
        "Your request has a malformed header.",
        details,
        {"ParameterName": parameter},
    )


def anonymous_caller() -> StorageError:
    return StorageError(
        401,
        "AccessDenied",
        "Access denied.",
        "Anonymous caller does not have storage.objects.create access to the Google Cloud "
        "Storage object.",
    )


def expired_token(expired_at: str) -> StorageError:
    return StorageError(
        400,
        "ExpiredToken",
        "The provided token has expired.",
        f"Request signature expired at: {expired_at}",
    )


def signature_does_not_match(string_to_sign: str, canonical_request: str) -> StorageError:
    return StorageError(
        403,
        "SignatureDoesNotMatch",
        "Access denied.",
        "The request signature we calculated does not match the signature you provided. "
        "Check your Google secret key and signing method.",
        {"StringToSign": string_to_sign, "CanonicalRequest": canonical_request},
    )


def entity_too_large(size: int, maximum: int) -> StorageError:
    return StorageError(
        400,
        "EntityTooLarge",
        "Your proposed upload exceeds the maximum allowed object size.",
        f"Body of {size} bytes is larger than the allowed maximum of {maximum} bytes.",
    )


def entity_too_small(size: int, minimum: int) -> StorageError:
    return StorageError(
        400,
        "EntityTooSmall",
        "Your proposed upload is smaller than the minimum allowed object size.",
        f"Body of {size} bytes is smaller than the allowed minimum of {minimum} bytes.",
    )


def invalid_argument(details: str) -> StorageError:
    return StorageError(400, "InvalidArgument", "Invalid argument.", details)


def method_not_allowed(method: str) -> StorageError:
    return StorageError(
        405,
        "MethodNotAllowed",
        "The specified method is not allowed against this resource.",
        f"{method} is not served by the local storage front; only signed PUT uploads are.",
    )


def no_such_bucket(bucket: str) -> StorageError:
    return StorageError(
        404, "NoSuchBucket", "The specified bucket does not exist.", f"Bucket {bucket}"
    )


def backend_unavailable(details: str) -> StorageError:
    return StorageError(503, "ServiceUnavailable", "Service unavailable.", details)
