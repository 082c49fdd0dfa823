"""Is this HTTP call really a task from our queue (or a job of our scheduler)?

Cloud: Cloud Tasks attaches an OIDC token signed by Google for the queue's service account,
with the function URL as audience; anything else is refused. Local: the emulator cannot sign
tokens, so the local mode (and only it) accepts the queue header the emulator sends.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"


class TaskCallerRefused(Exception):
    pass


def local_task_verifier(queue_id: str) -> Callable[[Mapping[str, str]], None]:
    def verify(headers: Mapping[str, str]) -> None:
        queue = headers.get("X-CloudTasks-QueueName", "")
        if queue.rsplit("/", 1)[-1] != queue_id:
            raise TaskCallerRefused("not from the local task queue")

    return verify


def local_scheduler_verifier() -> Callable[[Mapping[str, str]], None]:
    """Cloud Scheduler marks its calls with this header; locally that is all there is."""

    def verify(headers: Mapping[str, str]) -> None:
        if headers.get("X-CloudScheduler") != "true":
            raise TaskCallerRefused("not from the scheduler")

    return verify


def oidc_task_verifier(
    audience: str, service_account: str, certs_url: str = GOOGLE_CERTS_URL
) -> Callable[[Mapping[str, str]], None]:
    import google.auth.transport.requests
    from google.oauth2 import id_token

    transport = google.auth.transport.requests.Request()

    def verify(headers: Mapping[str, str]) -> None:
        authorization = headers.get("Authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise TaskCallerRefused("no bearer token")
        try:
            claims = id_token.verify_token(token, transport, audience=audience, certs_url=certs_url)
        except Exception as error:  # the library raises several unrelated types
            raise TaskCallerRefused("token not valid") from error
        if claims.get("email") != service_account or not claims.get("email_verified"):
            raise TaskCallerRefused("token from another account")

    return verify
