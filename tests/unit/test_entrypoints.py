"""The entry points called directly, as python-docs-samples' functions/v2 tests do: a
hand-built request or CloudEvent, the service layer on fakes."""

from __future__ import annotations

import importlib.util
import io
import json
import time
from datetime import date

import flask
import pytest
from cloudevents.http import CloudEvent
from werkzeug.test import EnvironBuilder

from shared.entrypoints import http
from shared.service_layer.ports import Contention
from tests.conftest import REPO
from tests.fakes import fake_dependencies, fake_dispatch_dependencies
from tests.samples import form_payload, jpeg_bytes

TODAY = date(2026, 11, 28)


def request(method="POST", body=b"", headers=None, chunked=False) -> flask.Request:
    if chunked:
        builder = EnvironBuilder(method=method, input_stream=io.BytesIO(body), headers=headers)
        environ = builder.get_environ()
        environ.pop("CONTENT_LENGTH", None)
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
        environ["wsgi.input_terminated"] = True
        return flask.Request(environ)
    builder = EnvironBuilder(method=method, data=body, headers=headers)
    return flask.Request(builder.get_environ())


@pytest.fixture(scope="module")
def main(tmp_path_factory):
    """functions/main.py as Cloud Functions loads it, in local mode; its clients are made at
    import but nothing is called on them: the tests swap the dependencies for fakes."""
    from localdev.signing_key import ensure_local_service_account

    key = tmp_path_factory.mktemp("key") / "signer.json"
    ensure_local_service_account(key)
    env = {
        "REMISI_MODE": "local",
        "FIRESTORE_EMULATOR_HOST": "127.0.0.1:1",
        "STORAGE_EMULATOR_HOST": "http://127.0.0.1:1",
        "CLOUD_TASKS_EMULATOR_HOST": "127.0.0.1:1",
        "STORAGE_PUBLIC_URL": "http://127.0.0.1:1",
        "LOCAL_SIGNING_KEY_FILE": str(key),
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        spec = importlib.util.spec_from_file_location("main_under_test", REPO / "functions/main.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


@pytest.fixture
def core(main, monkeypatch):
    deps = fake_dependencies()
    monkeypatch.setattr(main, "dependencies", lambda: deps)
    return deps


def body_of(response) -> dict:
    assert response.mimetype == "application/json"
    return json.loads(response.get_data())


def test_submit_creates_a_request_and_hands_out_the_upload(main, core):
    payload = form_payload(TODAY)
    answer = main.submit(request(body=json.dumps(payload).encode()))
    assert answer.status_code == 201, answer.get_data()
    assert body_of(answer)["upload"]["method"] == "PUT"
    assert body_of(main.submit(request(body=b"[1]")))["error"] == "invalid_json"
    assert main.submit(request(method="GET")).status_code == 405
    invalid = main.submit(request(body=b'{"language": "en"}'))
    assert invalid.status_code == 400 and body_of(invalid)["message"] == "Please check the form."


def test_bodies_are_bounded_whatever_their_framing(main, core):
    large = json.dumps({"x": "a" * (http.MAX_JSON_BYTES + 10)}).encode()
    assert main.submit(request(body=large)).status_code == 413
    chunked = main.submit(request(body=large, chunked=True))
    assert chunked.status_code == 413 and body_of(chunked)["error"] == "too_large"


def test_contention_and_outage_answer_503_json_with_retry_after(main, core, monkeypatch):
    def contended(payload, deps, *client_and_captcha):
        raise Contention("aborted")

    monkeypatch.setattr(main.responses, "submitted", contended)
    answer = main.submit(request(body=b"{}"))
    assert answer.status_code == 503 and answer.headers["Retry-After"]
    assert body_of(answer)["error"] == "unavailable"

    monkeypatch.setattr(http, "DEADLINE_SECONDS", 0.2)

    def hung(payload, deps):
        time.sleep(1)

    monkeypatch.setattr(main.responses, "submitted", hung)
    started = time.monotonic()
    answer = http.endpoint(deadline=0.2)(lambda r, b: main.responses.submitted({}, core))(
        request(body=b"{}")
    )
    assert time.monotonic() - started < 0.9
    assert answer.status_code == 503 and body_of(answer)["error"] == "unavailable"


def test_an_unexpected_error_is_a_json_500_never_an_html_page(main, core, monkeypatch):
    monkeypatch.setattr(main.responses, "submitted", lambda payload, deps: 1 / 0)
    answer = main.submit(request(body=b"{}"))
    assert answer.status_code == 500 and body_of(answer)["error"] == "internal"


def test_task_targets_refuse_other_callers_and_acknowledge_malformed_tasks(main, core):
    assert main.sdp_lookup(request(body=b"{}")).status_code == 403
    queue = {"X-CloudTasks-QueueName": "projects/p/locations/l/queues/sdp-lookup"}
    answer = main.sdp_lookup(request(body=b"{}", headers=queue))
    assert (answer.status_code, body_of(answer)["outcome"]) == (200, "malformed")
    answer = main.sdp_lookup(request(body=b'{"request_id": "' + b"a" * 32 + b'"}', headers=queue))
    assert body_of(answer)["outcome"] == "ignored_unknown_request"
    assert main.sweep(request(body=b"{}")).status_code == 403


def test_dispatch_answers_429_with_retry_after_when_the_provider_asks(main, core, monkeypatch):
    from shared.service_layer.ports import Failure, ProviderError
    from shared.service_layer.services import submit_request

    deps = fake_dispatch_dependencies(core)
    submitted = submit_request(form_payload(TODAY), core).request
    deps.email.script.append(ProviderError(Failure.TRANSIENT, "http_429", retry_after=30))
    task = {"request_id": submitted.request_id, "kind": "receipt", "round": 1, "channel": "email"}
    headers = {"X-CloudTasks-QueueName": "q/dispatch"}
    answer = main.dispatch(request(body=json.dumps(task).encode(), headers=headers))
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "30"
    answer = main.dispatch(request(body=json.dumps(task).encode(), headers=headers))
    assert body_of(answer)["outcome"] == "accepted"


def test_a_malformed_signed_webhook_body_is_a_400_not_a_500(main, core, monkeypatch):
    import hashlib
    import hmac

    fake_dispatch_dependencies(core)
    secret = "app-secret"
    settings = type("S", (), {"messaging": staticmethod(lambda name, default="": secret)})()
    monkeypatch.setattr(main, "SETTINGS", settings)
    for body in (b"not json", b"[1, 2]"):
        signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        answer = main.whatsapp_webhook(
            request(body=body, headers={"X-Hub-Signature-256": signature})
        )
        assert answer.status_code == 400, answer.get_data()
    forged = main.whatsapp_webhook(request(body=b"{}", headers={"X-Hub-Signature-256": "x"}))
    assert forged.status_code == 403


def test_the_upload_event_of_another_bucket_changes_nothing(main, core):
    event = CloudEvent(
        {"id": "1", "source": "//storage", "type": "google.cloud.storage.object.v1.finalized"},
        {"bucket": "someone-else", "name": "ktp/x/upload-1.jpg"},
    )
    core.files.put("ktp/x/upload-1.jpg", jpeg_bytes())
    assert main.ktp_uploaded(event) is None
    assert core.requests.documents == {}
    assert "ktp/x/upload-1.jpg" in core.files.objects  # not ours to touch
