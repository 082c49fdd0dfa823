"""The browser-facing side of Cloud Storage, for the local stack.

In production the browser PUTs the KTP straight to Cloud Storage with a V4 signed URL, and
Cloud Storage enforces the signature, the expiry, the signed Content-Type and the
`x-goog-content-length-range`, answers CORS per the bucket's configuration, and Eventarc then
delivers a finalize CloudEvent. The PyPI storage emulator does none of that, so this front
sits between the browser and the emulator and does it, with the status codes and XML errors
of the real service. It is local tooling only, never deployed.

    python -m localdev.storage_front --port 9199 \\
        --emulator-url http://127.0.0.1:9023 \\
        --service-account-file .local/signer.json \\
        --allowed-origin http://127.0.0.1:8080 \\
        --finalize-url http://127.0.0.1:8080/api/ktp_uploaded

Sign upload URLs with `api_access_endpoint` set to this front's base URL
(`http://127.0.0.1:9199`, no trailing slash, no path).

Fault controls for the tests and the chaos run (no bucket name starts with `_`):
`POST /_control/finalize` with `{"drop_next": n}` (the next n events never come) and/or
`{"duplicate": true|false}` (deliver every event twice); `GET /_control/finalize` reports the
delivery counters.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import requests
from cryptography.hazmat.primitives import serialization
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from localdev import gcs_errors
from localdev.finalize_events import FinalizeEventDelivery
from localdev.signing_key import ensure_local_service_account
from localdev.v4_signature import (
    ReceivedRequest,
    VerifiedSignature,
    parse_query_string,
    verify_v4_signature,
)

logger = logging.getLogger(__name__)

# Beyond this the front stops reading and refuses: it is a gate for small ID-card uploads,
# not a general object store.
BODY_BUFFER_LIMIT = 16 * 1024 * 1024
LENGTH_RANGE_HEADER = "x-goog-content-length-range"
CONTROL_PREFIX = "/_control/"


@dataclass(frozen=True)
class CorsRule:
    """One bucket CORS entry, with the fields `gcloud storage buckets update --cors-file` takes."""

    origins: tuple[str, ...]
    methods: tuple[str, ...] = ("PUT",)
    response_headers: tuple[str, ...] = ("Content-Type", LENGTH_RANGE_HEADER)
    max_age_seconds: int = 3600

    def allows_origin(self, origin: str | None) -> bool:
        return origin is not None and origin in self.origins

    def allows_preflight(self, origin: str | None, method: str, request_headers: str) -> bool:
        allowed_headers = {name.lower() for name in self.response_headers}
        asked_headers = {name.strip().lower() for name in request_headers.split(",") if name}
        return (
            self.allows_origin(origin)
            and method in self.methods
            and asked_headers <= allowed_headers
        )


class StorageFront:
    """WSGI app: verifies signed PUTs, stores them in the emulator, emits finalize events."""

    def __init__(
        self,
        *,
        emulator_url: str,
        service_account_info: dict,
        cors: CorsRule,
        events: FinalizeEventDelivery,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.emulator_url = emulator_url.rstrip("/")
        self.cors = cors
        self.events = events
        self.clock = clock
        private_key = serialization.load_pem_private_key(
            service_account_info["private_key"].encode("ascii"), password=None
        )
        self.public_keys = {service_account_info["client_email"]: private_key.public_key()}

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        request = Request(environ)
        if request.path.startswith(CONTROL_PREFIX):
            return self._control(request)(environ, start_response)
        if request.method == "OPTIONS":
            response = self._preflight(request)
        else:
            try:
                if request.method in ("GET", "HEAD"):
                    response = self._signed_download(request)
                else:
                    response = self._signed_upload(request)
            except gcs_errors.StorageError as error:
                logger.info("refused %s %s: %s", request.method, request.path, error.code)
                response = Response(error.to_xml(), error.status, mimetype="application/xml")
            self._add_cors_headers(request, response)
        return response(environ, start_response)

    def _control(self, request: Request) -> Response:
        if request.path != f"{CONTROL_PREFIX}finalize":
            return Response("not found", 404)
        if request.method == "POST":
            body = request.get_json(silent=True) or {}
            if "drop_next" in body:
                self.events.drop_next(int(body["drop_next"]))
            if "duplicate" in body:
                self.events.duplicate = bool(body["duplicate"])
        elif request.method != "GET":
            return Response("method not allowed", 405)
        return Response(json.dumps(self.events.stats()), 200, mimetype="application/json")

    def _preflight(self, request: Request) -> Response:
        # Like GCS: a preflight that matches no CORS rule still gets 200, but without any
        # Access-Control-Allow-* header, so the browser refuses the real request.
        response = Response(status=200)
        response.vary.add("Origin")
        origin = request.headers.get("Origin")
        if self.cors.allows_preflight(
            origin,
            request.headers.get("Access-Control-Request-Method", ""),
            request.headers.get("Access-Control-Request-Headers", ""),
        ):
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Methods"] = ",".join(self.cors.methods)
            response.headers["Access-Control-Allow-Headers"] = ",".join(self.cors.response_headers)
            response.headers["Access-Control-Max-Age"] = str(self.cors.max_age_seconds)
        return response

    def _add_cors_headers(self, request: Request, response: Response) -> None:
        # On the real request (errors included, so the page can read the XML error).
        response.vary.add("Origin")
        origin = request.headers.get("Origin")
        if self.cors.allows_origin(origin) and request.method in self.cors.methods:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Expose-Headers"] = ",".join(self.cors.response_headers)

    def _signed_upload(self, request: Request) -> Response:
        if request.method != "PUT":
            raise gcs_errors.method_not_allowed(request.method)
        bucket, object_name = _split_object_path(_decoded_path(request.environ))
        # Read first, so even a refused upload gets a clean answer instead of a reset
        # connection while the browser is still sending.
        body = _read_body(request)
        verified = verify_v4_signature(_received_request(request), self.public_keys, self.clock)
        _enforce_length_range(request, verified, len(body))
        resource = self._store(bucket, object_name, body, request.content_type)
        self.events.deliver_in_background(resource)
        logger.info("stored gs://%s/%s (%d bytes)", bucket, object_name, len(body))
        return _upload_success(resource)

    def _signed_download(self, request: Request) -> Response:
        """A V4 signed GET, as the operator page's KTP view uses."""
        bucket, object_name = _split_object_path(_decoded_path(request.environ))
        verify_v4_signature(_received_request(request), self.public_keys, self.clock)
        try:
            answer = requests.get(
                f"{self.emulator_url}/download/storage/v1/b/{quote(bucket, safe='')}"
                f"/o/{quote(object_name, safe='')}",
                params={"alt": "media"},
                timeout=30,
            )
        except requests.RequestException as error:
            raise gcs_errors.backend_unavailable(
                f"Storage emulator unreachable: {type(error).__name__}"
            ) from error
        if answer.status_code == 404:
            return Response(
                "<Error><Code>NoSuchKey</Code></Error>", 404, mimetype="application/xml"
            )
        if answer.status_code != 200:
            raise gcs_errors.backend_unavailable(
                f"Storage emulator answered HTTP {answer.status_code}"
            )
        content_type = answer.headers.get("Content-Type", "application/octet-stream")
        return Response(answer.content, 200, content_type=content_type)

    def _store(self, bucket: str, object_name: str, body: bytes, content_type: str) -> dict:
        """Upload through the emulator's JSON media upload, which answers the object resource."""
        try:
            answer = requests.post(
                f"{self.emulator_url}/upload/storage/v1/b/{quote(bucket, safe='')}/o",
                params={"uploadType": "media", "name": object_name},
                data=body,
                headers={"Content-Type": content_type or "application/octet-stream"},
                timeout=30,
            )
        except requests.RequestException as error:
            raise gcs_errors.backend_unavailable(
                f"Storage emulator unreachable: {type(error).__name__}"
            ) from error
        if answer.status_code == 404:
            raise gcs_errors.no_such_bucket(bucket)
        if answer.status_code != 200:
            raise gcs_errors.backend_unavailable(
                f"Storage emulator answered HTTP {answer.status_code}"
            )
        resource = answer.json()
        # The emulator's selfLink is relative and unencoded; make it the shape GCS sends.
        resource["selfLink"] = (
            f"{self.emulator_url}/storage/v1/b/{quote(bucket, safe='')}"
            f"/o/{quote(object_name, safe='')}"
        )
        return resource


def _decoded_path(environ) -> str:
    # WSGI hands PATH_INFO over as latin-1; the URL's bytes are UTF-8.
    return environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", errors="replace")


def _split_object_path(path: str) -> tuple[str, str]:
    bucket, _, object_name = path.lstrip("/").partition("/")
    if not bucket or not object_name:
        raise gcs_errors.invalid_argument("Expected a path of the form /<bucket>/<object>.")
    return bucket, object_name


def _received_request(request: Request) -> ReceivedRequest:
    # Raw header values (Host included), not werkzeug's normalised views of them.
    headers = {name.lower(): value for name, value in request.headers.items()}
    return ReceivedRequest(
        method=request.method,
        path=_decoded_path(request.environ),
        query=parse_query_string(request.environ.get("QUERY_STRING", "")),
        headers=headers,
    )


def _read_body(request: Request) -> bytes:
    chunks, size = [], 0
    while chunk := request.stream.read(64 * 1024):
        chunks.append(chunk)
        size += len(chunk)
        if size > BODY_BUFFER_LIMIT:
            raise gcs_errors.entity_too_large(size, BODY_BUFFER_LIMIT)
    return b"".join(chunks)


def _enforce_length_range(request: Request, verified: VerifiedSignature, size: int) -> None:
    # GCS applies the range whenever the header is sent; when it is signed (our case) the
    # browser cannot drop or widen it without breaking the signature.
    header = request.headers.get(LENGTH_RANGE_HEADER)
    if header is None:
        return
    minimum, _, maximum = header.partition(",")
    if not (minimum.strip().isdigit() and maximum.strip().isdigit()):
        raise gcs_errors.invalid_argument(f"Invalid {LENGTH_RANGE_HEADER} header.")
    if size < int(minimum):
        raise gcs_errors.entity_too_small(size, int(minimum))
    if size > int(maximum):
        raise gcs_errors.entity_too_large(size, int(maximum))


def _upload_success(resource: dict) -> Response:
    """200 with the headers GCS's XML API puts on a successful object PUT."""
    response = Response(b"", 200, mimetype="text/html")
    response.headers["ETag"] = f'"{resource.get("etag") or resource.get("md5Hash", "")}"'
    response.headers["x-goog-generation"] = str(resource.get("generation", ""))
    response.headers["x-goog-metageneration"] = str(resource.get("metageneration", ""))
    response.headers["x-goog-hash"] = (
        f"crc32c={resource.get('crc32c', '')},md5={resource.get('md5Hash', '')}"
    )
    response.headers["x-goog-stored-content-length"] = str(resource.get("size", ""))
    response.headers["x-goog-stored-content-encoding"] = "identity"
    return response


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m localdev.storage_front",
        description="Local Cloud Storage front: V4 signed PUTs, CORS and finalize events.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--emulator-url", required=True, help="gcp-storage-emulator base URL")
    parser.add_argument(
        "--service-account-file",
        type=Path,
        required=True,
        help="local signer key (created if missing); the same file the file store signs with",
    )
    parser.add_argument(
        "--allowed-origin",
        action="append",
        required=True,
        help="origin allowed by the bucket's CORS rule; repeat for several",
    )
    parser.add_argument(
        "--finalize-url", required=True, help="where finalize CloudEvents are POSTed"
    )
    parser.add_argument(
        "--retry-cap-seconds",
        type=float,
        default=30.0,
        help="longest pause between two attempts of one finalize event",
    )
    parser.add_argument(
        "--give-up-after-seconds",
        type=float,
        default=24 * 3600.0,
        help="stop retrying an event this long after it was stored (Eventarc: 24 h)",
    )
    parser.add_argument(
        "--duplicate-events", action="store_true", help="deliver every finalize event twice"
    )
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    logging.basicConfig(
        level=arguments.log_level.upper(),
        format="%(asctime)s storage-front %(levelname)s %(message)s",
    )
    # werkzeug's access log prints the full URL, and a signed URL is a bearer credential.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    front = StorageFront(
        emulator_url=arguments.emulator_url,
        service_account_info=ensure_local_service_account(arguments.service_account_file),
        cors=CorsRule(origins=tuple(arguments.allowed_origin)),
        events=FinalizeEventDelivery(
            arguments.finalize_url,
            max_backoff_seconds=arguments.retry_cap_seconds,
            give_up_after_seconds=arguments.give_up_after_seconds,
            duplicate=arguments.duplicate_events,
        ),
    )
    server = make_server(arguments.host, arguments.port, front, threaded=True)
    # Stop cleanly on SIGTERM too, so the stack's supervisor can shut us down.
    signal.signal(signal.SIGTERM, _interrupt)
    logger.info("listening on http://%s:%d", arguments.host, server.port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        # Give in-flight finalize events a moment, as a draining Eventarc would.
        front.events.join_pending(timeout=5)
    return 0


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
