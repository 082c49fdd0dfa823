"""Snapshot storage on Google Cloud: index blobs in Cloud Storage, the active pointer in one
Firestore document (a single-document write is atomic, which is all the switch needs)."""

from __future__ import annotations

from google.api_core import exceptions as google_exceptions
from google.cloud import firestore, storage

from shared.sdp_directory.snapshots import SnapshotPointer


class GcsBlobStore:
    def __init__(self, client: storage.Client, bucket: str):
        self._bucket = client.bucket(bucket)

    def put(self, object_name: str, data: bytes) -> None:
        # if_generation_match=0: create only, a snapshot object is never overwritten
        self._bucket.blob(object_name).upload_from_string(
            data, content_type="application/octet-stream", if_generation_match=0
        )

    def get(self, object_name: str) -> bytes:
        try:
            return self._bucket.blob(object_name).download_as_bytes()
        except google_exceptions.NotFound:
            raise KeyError(object_name) from None


class FirestorePointerStore:
    def __init__(
        self, client: firestore.Client, collection: str = "sdp_snapshots", document: str = "active"
    ):
        self._document = client.collection(collection).document(document)

    def read(self) -> SnapshotPointer | None:
        snapshot = self._document.get()
        return SnapshotPointer.from_dict(snapshot.to_dict()) if snapshot.exists else None

    def write(self, pointer: SnapshotPointer) -> None:
        self._document.set(pointer.to_dict())
