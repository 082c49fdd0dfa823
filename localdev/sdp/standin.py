"""A local stand-in for an SDP web service, speaking the contract of `http_adapter`.

    python -m localdev.sdp.standin --port 8089 --records 2000 --credential dev-sdp

Serves synthetic records (never real people). Tests use `StandInSdpService` directly and can
make it fail or slow down to exercise the adapter's retries. Over HTTP (the chaos run),
`POST /_control/faults` with `{"status": 503, "seconds": 60}` makes every lookup fail for that
long, and `{"status": 503, "times": 3}` the next three; `{"clear": true}` ends both.
"""

from __future__ import annotations

import argparse
import hmac
import json
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from localdev.sdp.synthetic import generate_records
from shared.domain.sdp import SdpQuery
from shared.sdp_directory.directory import SnapshotSdpDirectory
from shared.sdp_directory.index import build_index
from shared.sdp_directory.records import SdpRecord


class StandInSdpService:
    def __init__(
        self, records: list[SdpRecord], credential: str, host: str = "127.0.0.1", port: int = 0
    ):
        self.credential = credential
        self.directory = SnapshotSdpDirectory(build_index(records, "stand-in"))
        self.failures: list[int] = []  # HTTP statuses to answer with before behaving
        self.retry_after: str | None = None
        self.delay_seconds = 0.0
        self.requests_seen = 0
        self.failing_until = 0.0  # time.monotonic() before which every lookup fails
        self.failing_status = 503
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                if urlparse(self.path).path != "/_control/faults":
                    return self._json(404, {"galat": "tidak ada"})
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    return self._json(400, {"galat": "bukan JSON"})
                status = int(body.get("status", 503))
                if body.get("clear"):
                    service.failures.clear()
                    service.failing_until = 0.0
                if body.get("seconds"):
                    service.failing_status = status
                    service.failing_until = time.monotonic() + float(body["seconds"])
                service.failures.extend([status] * int(body.get("times", 0)))
                return self._json(200, {"queued": len(service.failures)})

            def do_GET(self):
                service.requests_seen += 1
                if service.delay_seconds:
                    time.sleep(service.delay_seconds)
                expected = f"Bearer {service.credential}"
                if not hmac.compare_digest(self.headers.get("Authorization", ""), expected):
                    return self._json(401, {"galat": "kredensial tidak sah"})
                if time.monotonic() < service.failing_until:
                    return self._json(service.failing_status, {"galat": "gangguan sementara"})
                if service.failures:
                    status = service.failures.pop(0)
                    headers = {"Retry-After": service.retry_after} if service.retry_after else {}
                    return self._json(status, {"galat": "gangguan sementara"}, headers)
                url = urlparse(self.path)
                if url.path != "/v1/narapidana":
                    return self._json(404, {"galat": "tidak ada"})
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                query = SdpQuery(
                    prisoner_name=params.get("nama", ""),
                    upt=params.get("upt"),
                    birth_date=date.fromisoformat(params["tanggal_lahir"])
                    if params.get("tanggal_lahir")
                    else None,
                    registration_number=params.get("nomor_registrasi"),
                )
                limit = min(int(params.get("batas", "10")), 50)
                found = service.directory.search(query, limit)
                return self._json(200, {"hasil": [c.extra["record"] for c in found]})

            def _json(self, status: int, body: dict, headers: dict | None = None):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format, *args):  # keep test output quiet
                pass

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> StandInSdpService:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Local stand-in for an SDP web service")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--credential", default="dev-sdp-credential")
    args = parser.parse_args(argv)
    service = StandInSdpService(
        list(generate_records(args.records, args.seed)), args.credential, args.host, args.port
    )
    print(f"SDP stand-in on {service.base_url} ({args.records} synthetic records)", flush=True)
    try:
        service._server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        service._server.server_close()


if __name__ == "__main__":
    main()
