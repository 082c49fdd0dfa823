"""One origin for the local stack, as the load balancer gives production: the static site at
`/` and each function at `/api/<name>`.

Each function is loaded by functions-framework exactly as on Cloud Functions (its own module
instance, so its own clients), and the whole is served by functions-framework's gunicorn
application. Local tooling only.

    python -m localdev.gateway --port 8080
"""

from __future__ import annotations

import argparse
import mimetypes
import os
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
    "status": "http",
    "reupload": "http",
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


class Gateway:
    def __init__(self, apps: dict[str, object], site: Path):
        self._apps = apps
        self._site = site

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "/")
        if path.startswith("/api/"):
            name, _, rest = path[len("/api/") :].partition("/")
            app = self._apps.get(name)
            if app is None:
                return _not_found(environ, start_response)
            environ = {**environ, "SCRIPT_NAME": f"/api/{name}", "PATH_INFO": "/" + rest}
            return app(environ, start_response)
        return self._static(environ, start_response)

    def _static(self, environ, start_response):
        request = Request(environ)
        if request.method not in ("GET", "HEAD"):
            return Response("Method Not Allowed", status=405)(environ, start_response)
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
        # The same headers the site bucket/load balancer sets in production.
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-cache"
        return response(environ, start_response)


def _not_found(environ, start_response):
    return NotFound()(environ, start_response)


def build_gateway(
    extra_functions: dict[str, str] | None = None, extra_source: Path | None = None
) -> Gateway:
    apps = _function_apps(FUNCTIONS, FUNCTION_SOURCE)
    if extra_functions:
        apps.update(_function_apps(extra_functions, extra_source))
    return Gateway(apps, SITE)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument(
        "--with-echo", action="store_true", help="also serve /api/echo, the benchmark's baseline"
    )
    args = parser.parse_args(argv)

    from functions_framework._http.gunicorn import GunicornApplication

    extra = {"echo": "http"} if args.with_echo else None
    source = Path(__file__).with_name("echo_function.py") if args.with_echo else None
    app = build_gateway(extra, source)
    GunicornApplication(app, args.host, args.port, False).run()


if __name__ == "__main__":
    main()
