"""KTP files in a private Cloud Storage bucket, uploaded by the browser through V4 signed URLs.

Signing: in the cloud through IAM signBlob with the function's own service account (no key
file exists anywhere); locally with a key the local stack generates, and the URL points at the
local storage front that checks signatures the way Cloud Storage does.
"""

from __future__ import annotations

import contextlib
import threading
from datetime import UTC, datetime, timedelta

from google.api_core.exceptions import NotFound
from google.cloud import storage

from shared.service_layer.ports import StoredFile, UploadedObject, UploadInstruction


class GcsFileStore:
    def __init__(
        self,
        client: storage.Client,
        bucket: str,
        *,
        signing_credentials=None,
        signing_service_account: str | None = None,
        token_credentials=None,
        api_access_endpoint: str | None = None,
    ):
        if signing_credentials is None and not (signing_service_account and token_credentials):
            raise ValueError("need a local signing key or a service account for IAM signBlob")
        self._bucket = client.bucket(bucket)
        self._signing_credentials = signing_credentials
        self._signing_service_account = signing_service_account
        self._token_credentials = token_credentials
        self._api_access_endpoint = api_access_endpoint
        self._token_lock = threading.Lock()

    def upload_instruction(
        self, object_name: str, content_type: str, max_bytes: int, valid_for: timedelta
    ) -> UploadInstruction:
        headers = {
            "Content-Type": content_type,
            "x-goog-content-length-range": f"1,{max_bytes}",
        }
        blob = self._bucket.blob(object_name)
        url = blob.generate_signed_url(
            version="v4",
            method="PUT",
            expiration=valid_for,
            content_type=content_type,
            headers={"x-goog-content-length-range": headers["x-goog-content-length-range"]},
            **self._signing_options(),
        )
        return UploadInstruction(
            url=url, method="PUT", headers=headers, expires_at=datetime.now(UTC) + valid_for
        )

    def read(self, object_name: str, max_bytes: int) -> StoredFile | None:
        blob = self._bucket.get_blob(object_name)
        if blob is None:
            return None
        # Taken before the download, which rewrites these from the response headers.
        generation, size = blob.generation, blob.size
        content_type, metadata = blob.content_type, dict(blob.metadata or {})
        try:
            # Pinned to the generation just described, so a concurrent PUT cannot slip in.
            data = blob.download_as_bytes(
                start=0, end=max_bytes, checksum=None, if_generation_match=generation
            )
        except NotFound:
            return None
        return StoredFile(
            object_name=object_name,
            data=data[: max_bytes + 1],
            content_type=content_type,
            size=size if size is not None else len(data),
            generation=str(generation),
            metadata=metadata,
        )

    def write(
        self, object_name: str, data: bytes, content_type: str, metadata: dict[str, str]
    ) -> str:
        blob = self._bucket.blob(object_name)
        blob.metadata = metadata
        blob.upload_from_string(data, content_type=content_type)
        return str(blob.generation)

    def delete(self, object_name: str) -> None:
        with contextlib.suppress(NotFound):
            self._bucket.blob(object_name).delete()

    def list_objects(self, prefix: str, limit: int) -> list[UploadedObject]:
        return [
            UploadedObject(
                bucket=self._bucket.name,
                name=blob.name,
                generation=str(blob.generation or ""),
                size=int(blob.size or 0),
                content_type=blob.content_type,
                updated=blob.updated,
            )
            for blob in self._bucket.list_blobs(prefix=prefix, max_results=limit, timeout=10)
        ]

    def _signing_options(self) -> dict:
        options = {}
        if self._api_access_endpoint:
            options["api_access_endpoint"] = self._api_access_endpoint
        if self._signing_credentials is not None:
            options["credentials"] = self._signing_credentials
        else:
            options["service_account_email"] = self._signing_service_account
            options["access_token"] = self._access_token()
        return options

    def _access_token(self) -> str:
        # signBlob needs a bearer token; refresh the instance's credentials only when stale.
        import google.auth.transport.requests

        with self._token_lock:
            credentials = self._token_credentials
            if not credentials.valid:
                credentials.refresh(google.auth.transport.requests.Request())
            return credentials.token
