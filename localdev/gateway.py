"""One origin for the local stack, as the load balancer gives production: the static site at
`/` and each function at `/api/<name>`.

Each function is loaded by functions-framework exactly as on Cloud Functions (its own module
instance, so its own clients), and the whole is served by functions-framework's gunicorn
application. Local tooling only.

    python -m localdev.gateway --port 8080 [--with-echo] [--duplicate-tasks]

Every answer of a function is one line on stderr (`gateway-access function=… status=…`), so a
run can count the 5xx it caused, task deliveries included. For the fault tests the gateway can
deliver every Cloud Task twice: a request to a task target (`sdp_lookup`, `dispatch`) that
carries the queue's header is also run a second time, concurrently, with the same headers and
body, as Cloud Tasks' at-least-once delivery allows. `--duplicate-tasks` switches it on from
the start; `POST /_control/duplicate_tasks {"enabled": true|false}` at run time (per worker
process: the stack runs one).
"""

from __future__ import annotations

import argparse
import io
import json
import mimetypes
import os
import sys
import threading
import time
from pathlib import Path

from werkzeug.exceptions import NotFound
from werkzeug.utils import safe_join
from werkzeug.wrappers import Request, Response

REPO = Path(__file__).resolve().parents[1]
FUNCTION_SOURCE = REPO / "functions" / "main.py"
SITE = REPO / "static_site"

# name → functions-framework signature type
FUNCTIONS = {
    "submit": "http",
    "ktp_uploaded": "cloudevent",
    "sdp_lookup": "http",
    "sweep": "http",
    "retention": "http",
    "privacy_request": "http",
    "status": "http",
    "reupload": "http",
    "complaint": "http",
    "survey": "http",
    "operator": "http",
    "dispatch": "http",
    "sendgrid_events": "http",
    "whatsapp_webhook": "http",
}


def _function_apps(names: dict[str, str], source: Path) -> dict[str, object]:
    import functions_framework

    apps = {}
    for name, kind in names.items():
        # Cloud Functions tells each instance which function it serves; so does the gateway,
        # while that function's module is imported.
        os.environ["FUNCTION_TARGET"] = name
        try:
            apps[name] = functions_framework.create_app(
                target=name, source=str(source), signature_type=kind
            )
        finally:
            del os.environ["FUNCTION_TARGET"]
    return apps


# Cloud Tasks targets, and the header the local task verifier checks.
TASK_TARGETS = frozenset({"sdp_lookup", "dispatch"})
QUEUE_HEADER = "HTTP_X_CLOUDTASKS_QUEUENAME"
COPY_HEADER = "HTTP_X_LOCAL_DUPLICATE_DELIVERY"


class Gateway:
    def __init__(self, apps: dict[str, object], site: Path, duplicate_tasks: bool = False):
        self._apps = apps
        self._site = site
        self.duplicate_tasks = duplicate_tasks

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "/")
        if path.startswith("/api/"):
            name, _, rest = path[len("/api/") :].partition("/")
            app = self._apps.get(name)
            if app is None:
                return _not_found(environ, start_response)
            environ = {**environ, "SCRIPT_NAME": f"/api/{name}", "PATH_INFO": "/" + rest}
            copy = environ.get(COPY_HEADER) == "1"
            if self.duplicate_tasks and name in TASK_TARGETS and QUEUE_HEADER in environ:
                environ = self._deliver_a_copy(app, name, environ)
            return _logged(app, name, environ, start_response, copy)
        if path == "/_control/duplicate_tasks":
            return self._control(environ, start_response)
        return self._static(environ, start_response)

    def _deliver_a_copy(self, app, name: str, environ: dict) -> dict:
        """Run the same task request a second time, concurrently; return the environ for the
        original (its body, already read, put back)."""
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        original = {**environ, "wsgi.input": io.BytesIO(body)}
        duplicate = {**environ, "wsgi.input": io.BytesIO(body), COPY_HEADER: "1"}
        duplicate["wsgi.errors"] = sys.stderr

        def run() -> None:
            def start(status, headers, exc_info=None):
                return lambda data: None

            result = _logged(app, name, duplicate, start, True)
            try:
                for _ in result:
                    pass
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()

        threading.Thread(target=run, name=f"copy-{name}", daemon=True).start()
        return original

    def _control(self, environ, start_response):
        request = Request(environ)
        if request.method == "POST":
            body = request.get_json(silent=True) or {}
            if "enabled" in body:
                self.duplicate_tasks = bool(body["enabled"])
        answer = json.dumps({"duplicate_tasks": self.duplicate_tasks})
        return Response(answer, mimetype="application/json")(environ, start_response)

    def _static(self, environ, start_response):
        request = Request(environ)
        if request.method not in ("GET", "HEAD"):
            refused = Response("Method Not Allowed", status=405)
            return _site_headers(refused)(environ, start_response)
        relative = request.path.lstrip("/") or "index.html"
        if relative.endswith("/"):
            relative += "index.html"
        target = safe_join(str(self._site), relative)
        if target is None:
            return _not_found(environ, start_response)
        file = Path(target)
        if file.is_dir():
            file = file / "index.html"
        if not file.is_file() and file.with_suffix(".html").is_file():
            file = file.with_suffix(".html")
        if not file.is_file():
            return _not_found(environ, start_response)
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type == "application/javascript":
            content_type += "; charset=utf-8"
        response = Response(file.read_bytes(), content_type=content_type)
        response.headers["Cache-Control"] = "no-cache"
        return _site_headers(response)(environ, start_response)


def _site_headers(response):
    # The headers production's load balancer adds to every answer of the site bucket.
    from shared.security_headers import SITE_HEADERS, apply

    return apply(response, SITE_HEADERS)


def _not_found(environ, start_response):
    return _site_headers(NotFound().get_response(environ))(environ, start_response)


def _logged(app, name: str, environ: dict, start_response, copy: bool):
    """Call the function's app and write one access line with its status (no path, no query:
    they may carry identifiers a log does not need)."""
    started = time.perf_counter()

    def start(status, headers, exc_info=None):
        elapsed = (time.perf_counter() - started) * 1000
        line = (
            f"gateway-access function={name} method={environ.get('REQUEST_METHOD')} "
            f"status={status.split(' ', 1)[0]} copy={int(copy)} ms={elapsed:.0f}\n"
        )
        # One write(2) per line: threads never interleave within a line of the shared log.
        os.write(sys.stderr.fileno(), line.encode())
        return (
            start_response(status, headers, exc_info)
            if exc_info
            else start_response(status, headers)
        )

    return app(environ, start)


def build_gateway(
    extra_functions: dict[str, str] | None = None,
    extra_source: Path | None = None,
    duplicate_tasks: bool = False,
) -> Gateway:
    apps = _function_apps(FUNCTIONS, FUNCTION_SOURCE)
    if extra_functions:
        apps.update(_function_apps(extra_functions, extra_source))
    return Gateway(apps, SITE, duplicate_tasks)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument(
        "--with-echo", action="store_true", help="also serve /api/echo, the benchmark's baseline"
    )
    parser.add_argument(
        "--duplicate-tasks", action="store_true", help="deliver every Cloud Task request twice"
    )
    args = parser.parse_args(argv)

    from functions_framework._http.gunicorn import GunicornApplication

    extra = {"echo": "http"} if args.with_echo else None
    source = Path(__file__).with_name("echo_function.py") if args.with_echo else None

    class WorkerBuiltApplication(GunicornApplication):
        # gunicorn calls load() in each worker it forks (no preload). The functions are built
        # there, as each Cloud Functions instance builds its own: a master that created their
        # gRPC clients before forking aborted at start ("epoll_wait error: Bad file
        # descriptor"), because gRPC's event engine does not survive a fork.
        def load(self):
            return build_gateway(extra, source, args.duplicate_tasks)

    WorkerBuiltApplication(None, args.host, args.port, False).run()


if __name__ == "__main__":
    main()
