"""Tasks through Cloud Tasks (or its emulator, which speaks the same gRPC API)."""

from __future__ import annotations

import contextlib
import json

from google.api_core.exceptions import AlreadyExists
from google.cloud import tasks_v2

from shared.service_layer.ports import Task


class CloudTasksQueue:
    def __init__(
        self,
        client: tasks_v2.CloudTasksClient,
        project: str,
        location: str,
        target_urls: dict[str, str],
        oidc_service_account: str | None = None,
    ):
        self._client = client
        self._project = project
        self._location = location
        self._target_urls = target_urls
        self._oidc_service_account = oidc_service_account

    def enqueue(self, task: Task) -> None:
        parent = self._client.queue_path(self._project, self._location, task.queue)
        url = self._target_urls[task.target]
        http_request = {
            "http_method": tasks_v2.HttpMethod.POST,
            "url": url,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps(task.payload).encode(),
        }
        if self._oidc_service_account:
            http_request["oidc_token"] = {
                "service_account_email": self._oidc_service_account,
                "audience": url,
            }
        # AlreadyExists: the same step was queued by an earlier delivery of the same event.
        with contextlib.suppress(AlreadyExists):
            self._client.create_task(
                parent=parent,
                task={"name": f"{parent}/tasks/{task.name}", "http_request": http_request},
            )


def emulator_client(host: str) -> tasks_v2.CloudTasksClient:
    import grpc
    from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport

    return tasks_v2.CloudTasksClient(
        transport=CloudTasksGrpcTransport(channel=grpc.insecure_channel(host))
    )
