"""Local stand-ins for SendGrid v3 (`POST /v3/mail/send`) and the WhatsApp Cloud API
(`POST /v{N}/{phone-number-id}/messages`): same paths, bodies and error shapes, so the real
adapters run unchanged against them. What they accept lands in the outbox (`GET /outbox`),
each email and WhatsApp message as the recipient would see it, every value escaped.

Test controls (local only): `POST /_control/faults` queues failures per channel (429 with a
reset, 500, timeout, WhatsApp error codes), each used once (`times` of them), or, with
`seconds`, a standing fault that answers every call for that long (several standing faults on
one channel take turns at random: a provider failing with 5xx, 429 and timeouts at once);
`POST /_control/deliver` makes the provider call the project's webhook with a correctly signed
delivery event; `GET /_control/messages` lists
what was received; `POST /_control/clear` empties everything. Cloudflare Turnstile's
siteverify too (`TurnstileStandIn`), for the optional CAPTCHA. Local tooling only.

    python -m localdev.provider_standin --port 8125 --sendgrid-key-file k.pem \
        --whatsapp-app-secret s --webhook-base http://127.0.0.1:8080/api
"""

from __future__ import annotations

import argparse
import html
import json
import random
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path

import requests
from cryptography.hazmat.primitives import serialization
from werkzeug.routing import Map, Rule
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from shared.adapters.webhook_signatures import (
    SENDGRID_SIGNATURE,
    SENDGRID_TIMESTAMP,
    WHATSAPP_SIGNATURE,
    sign_sendgrid,
    sign_whatsapp,
)
from shared.domain.form import WIB

WHATSAPP_ERRORS = {
    130429: (429, "Rate limit hit"),
    131056: (400, "(Business Account, Consumer Account) pair rate limit hit"),
    131026: (400, "Message Undeliverable"),
    131047: (400, "Re-engagement message"),
    131000: (500, "Something went wrong"),
}


class Outbox:
    def __init__(self, keep_in: Path | None = None):
        self.lock = threading.Lock()
        # `make dev` keeps what was received across restarts (one JSON line per message).
        self.keep_in = keep_in
        self.messages: list[dict] = _kept(keep_in)
        self.faults: dict[str, list[dict]] = {"email": [], "whatsapp": []}
        # (until, fault) per channel: answered on every call until time.monotonic() > until.
        self.standing: dict[str, list[tuple[float, dict]]] = {"email": [], "whatsapp": []}

    def next_fault(self, channel: str, to: str) -> dict | None:
        """The first queued fault for this channel (and recipient, when the fault names one),
        else one of the standing faults still in force."""
        with self.lock:
            queue = self.faults[channel]
            for index, fault in enumerate(queue):
                if fault.get("to") in (None, to):
                    return queue.pop(index)
            now = time.monotonic()
            self.standing[channel] = [(u, f) for u, f in self.standing[channel] if u > now]
            active = [f for _, f in self.standing[channel] if f.get("to") in (None, to)]
            return random.choice(active) if active else None  # noqa: S311 - not security


class StandIn:
    def __init__(
        self,
        sendgrid_key_file: Path,
        whatsapp_app_secret: str,
        webhook_base: str,
        auto_deliver: bool = False,
        turnstile_secret: str = "",
    ):
        self.outbox = Outbox()
        self.turnstile = TurnstileStandIn(turnstile_secret)
        self.private_key = serialization.load_pem_private_key(
            sendgrid_key_file.read_bytes(), password=None
        )
        self.app_secret = whatsapp_app_secret
        self.webhook_base = webhook_base.rstrip("/")
        self.auto_deliver = auto_deliver
        self.urls = Map(
            [
                Rule("/v3/mail/send", endpoint="mail_send", methods=["POST"]),
                Rule("/<version>/<phone_id>/messages", endpoint="wa_send", methods=["POST"]),
                Rule("/outbox", endpoint="outbox_page", methods=["GET"]),
                Rule("/", endpoint="outbox_page", methods=["GET"]),
                Rule("/_control/faults", endpoint="faults", methods=["POST"]),
                Rule("/_control/deliver", endpoint="deliver", methods=["POST"]),
                Rule("/_control/messages", endpoint="list", methods=["GET"]),
                Rule("/_control/whatsapp/inbound", endpoint="inbound", methods=["POST"]),
                Rule("/_control/clear", endpoint="clear", methods=["POST"]),
                *TurnstileStandIn.rules(),
            ]
        )

    def __call__(self, environ, start_response):
        request = Request(environ)
        adapter = self.urls.bind_to_environ(environ)
        try:
            endpoint, values = adapter.match()
        except Exception as error:  # werkzeug's NotFound / MethodNotAllowed are responses
            return error(environ, start_response)
        handler = getattr(self.turnstile if endpoint.startswith("ts_") else self, endpoint)
        response = handler(request, **values)
        return response(environ, start_response)

    # --- SendGrid v3 ----------------------------------------------------------------------

    def mail_send(self, request: Request) -> Response:
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            return _sendgrid_error(401, "authorization required")
        body = request.get_json(silent=True) or {}
        try:
            personalization = body["personalizations"][0]
            to = personalization["to"][0]["email"]
            subject = body.get("subject") or personalization.get("subject", "")
        except (KeyError, IndexError, TypeError):
            return _sendgrid_error(
                400, "The personalizations field is required.", "personalizations"
            )
        fault = self.outbox.next_fault("email", to)
        if fault:
            if fault.get("fault") == "invalid_email":
                return _sendgrid_error(
                    400, "Does not contain a valid address.", "personalizations.0.to.0.email"
                )
            response = self._fault(fault, "email")
            if response is not None:
                return response
        if "@" not in to or to.startswith("@") or to.endswith("@") or " " in to:
            return _sendgrid_error(
                400, "Does not contain a valid address.", "personalizations.0.to.0.email"
            )
        contents = {c.get("type"): c.get("value", "") for c in body.get("content", [])}
        provider_id = uuid.uuid4().hex[:22]
        record = {
            "channel": "email",
            "id": provider_id,
            "to": to,
            "from": body.get("from", {}),
            "subject": subject,
            "text": contents.get("text/plain", ""),
            "html": contents.get("text/html", ""),
            "custom_args": body.get("custom_args", {}),
            "received_at": time.time(),
        }
        self._store(record)
        return Response(status=202, headers={"X-Message-Id": provider_id})

    # --- WhatsApp Cloud API ---------------------------------------------------------------

    def wa_send(self, request: Request, version: str, phone_id: str) -> Response:
        if not version.startswith("v") or not request.headers.get("Authorization", "").startswith(
            "Bearer "
        ):
            return _wa_error(401, 190, "Invalid OAuth access token.", "OAuthException")
        body = request.get_json(silent=True) or {}
        to = str(body.get("to", ""))
        fault = self.outbox.next_fault("whatsapp", to)
        if fault:
            response = self._fault(fault, "whatsapp")
            if response is not None:
                return response
        if body.get("messaging_product") != "whatsapp" or not to.isdigit():
            return _wa_error(400, 100, "Invalid parameter")
        if body.get("type") == "text" and self.window_open(to):
            return self._free_text(body, to, phone_id)
        if body.get("type") != "template":
            # Business-initiated free text outside the 24-hour window.
            return _wa_error(400, 131047, "Re-engagement message")
        template = body.get("template", {})
        parameters = [
            p.get("text", "")
            for c in template.get("components", [])
            for p in c.get("parameters", [])
        ]
        wamid = "wamid." + uuid.uuid4().hex
        record = {
            "channel": "whatsapp",
            "id": wamid,
            "to": to,
            "phone_number_id": phone_id,
            "template": template.get("name"),
            "language": template.get("language", {}).get("code"),
            "parameters": parameters,
            "preview": _whatsapp_preview(template.get("name"), template, parameters),
            "biz_opaque_callback_data": body.get("biz_opaque_callback_data"),
            "received_at": time.time(),
        }
        self._store(record)
        return _json(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": wamid}],
            }
        )

    # --- a family writes back (WhatsApp inbound) -------------------------------------------
    #
    # POST /_control/whatsapp/inbound {"from": "628...", "text": "...", "context_id": wamid,
    # optional "id" (send one id twice: a repeated delivery), "timestamp" (Unix seconds),
    # "type": "image" with "media_id"}: signs and posts the webhook as Meta does, and opens the
    # 24-hour window in which this stand-in then accepts free text to that number.

    def window_open(self, number: str) -> bool:
        with self.outbox.lock:
            last = max(
                (
                    m["received_at"]
                    for m in self.outbox.messages
                    if m["channel"] == "whatsapp_inbound" and m["from"] == number
                ),
                default=None,
            )
        return last is not None and time.time() - last < 24 * 3600

    def _free_text(self, body: dict, to: str, phone_id: str) -> Response:
        text = body.get("text") if isinstance(body.get("text"), dict) else {}
        wamid = "wamid." + uuid.uuid4().hex
        record = {
            "channel": "whatsapp",
            "id": wamid,
            "to": to,
            "phone_number_id": phone_id,
            "template": None,
            "language": None,
            "parameters": [],
            "text": str(text.get("body", "")),
            "preview": str(text.get("body", "")),
            "biz_opaque_callback_data": body.get("biz_opaque_callback_data"),
            "received_at": time.time(),
        }
        self._store(record)
        return _json(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": wamid}],
            }
        )

    def inbound(self, request: Request) -> Response:
        body = request.get_json(silent=True) or {}
        sender = str(body.get("from", ""))
        if not sender.isdigit():
            return _json({"error": "from"}, 400)
        wamid = str(body.get("id") or "wamid.in." + uuid.uuid4().hex)
        kind = str(body.get("type") or "text")
        message = {
            "from": sender,
            "id": wamid,
            "timestamp": str(body.get("timestamp") or int(time.time())),
            "type": kind,
        }
        if kind == "text":
            message["text"] = {"body": str(body.get("text", ""))}
        else:
            media_id = str(body.get("media_id") or uuid.uuid4().hex)
            message[kind] = {"id": media_id, "caption": str(body.get("text", ""))}
        if body.get("context_id"):
            message["context"] = {"from": "0", "id": str(body["context_id"])}
        payload = {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "0",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {"phone_number_id": "0"},
                                "contacts": [{"profile": {"name": "Pemohon"}, "wa_id": sender}],
                                "messages": [message],
                            },
                        }
                    ],
                }
            ],
        }
        with self.outbox.lock:
            seen = any(m["id"] == wamid for m in self.outbox.messages)
        if not seen:
            self._store(
                {
                    "channel": "whatsapp_inbound",
                    "id": wamid,
                    "to": "",  # the service's own number (readers count by channel and to)
                    "from": sender,
                    "text": str(body.get("text", "")),
                    "type": kind,
                    "context_id": body.get("context_id"),
                    "received_at": time.time(),
                }
            )
        raw = json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            WHATSAPP_SIGNATURE: sign_whatsapp(self.app_secret, raw),
        }
        try:
            answer = requests.post(
                f"{self.webhook_base}/whatsapp_webhook", data=raw, headers=headers, timeout=30
            )
            status, result = answer.status_code, answer.json() if answer.ok else {}
        except (requests.RequestException, ValueError):
            status, result = 0, {}
        return _json({"id": wamid, "webhook_status": status, "webhook": result})

    # --- faults, webhooks, outbox ---------------------------------------------------------

    def _fault(self, fault: dict, channel: str) -> Response | None:
        kind = str(fault.get("fault"))
        if kind == "timeout":
            # Longer than the client's timeout; nothing is stored.
            time.sleep(float(fault.get("seconds", 3)))
            return Response(status=504)
        if kind == "429":
            reset = int(time.time()) + int(fault.get("reset", 30))
            headers = {"X-RateLimit-Limit": "600", "X-RateLimit-Remaining": "0"}
            headers["X-RateLimit-Reset"] = str(reset)
            if channel == "email":
                return _sendgrid_error(429, "too many requests", headers=headers)
            return _wa_error(429, 130429, "Rate limit hit", headers=headers)
        if kind == "500":
            if channel == "email":
                return _sendgrid_error(500, "internal error")
            return _wa_error(500, 131000, "Something went wrong")
        if channel == "whatsapp" and kind.isdigit() and int(kind) in WHATSAPP_ERRORS:
            status, title = WHATSAPP_ERRORS[int(kind)]
            return _wa_error(status, int(kind), title)
        return None

    def _store(self, record: dict) -> None:
        with self.outbox.lock:
            self.outbox.messages.append(record)
            if self.outbox.keep_in is not None:
                with self.outbox.keep_in.open("a", encoding="utf-8") as kept:
                    kept.write(json.dumps(record, ensure_ascii=False) + "\n")
        if self.auto_deliver and record["channel"] != "whatsapp_inbound":
            threading.Timer(0.5, self.deliver_event, (record, "delivered")).start()

    def faults(self, request: Request) -> Response:
        body = request.get_json(silent=True) or {}
        channel = body.get("channel")
        if channel not in ("email", "whatsapp"):
            return _json({"error": "channel"}, 400)
        with self.outbox.lock:
            if body.get("seconds"):
                until = time.monotonic() + float(body["seconds"])
                self.outbox.standing[channel].append((until, body))
            else:
                for _ in range(int(body.get("times", 1))):
                    self.outbox.faults[channel].append(body)
        return _json({"queued": len(self.outbox.faults[channel])})

    def deliver(self, request: Request) -> Response:
        body = request.get_json(silent=True) or {}
        with self.outbox.lock:
            record = next((m for m in self.outbox.messages if m["id"] == body.get("id")), None)
        if record is None:
            return _json({"error": "unknown message"}, 404)
        status = self.deliver_event(record, body.get("status", "delivered"), body.get("code"))
        return _json({"webhook_status": status})

    def deliver_event(self, record: dict, status: str, code: int | None = None) -> int:
        now = int(time.time())
        if record["channel"] == "email":
            event = {
                "email": record["to"],
                "timestamp": now,
                "event": status,
                "sg_event_id": uuid.uuid4().hex,
                "sg_message_id": f"{record['id']}.filter0001",
                **record["custom_args"],
            }
            if status == "bounce":
                event["type"] = "bounce"
            body = json.dumps([event]).encode()
            timestamp = str(now)
            headers = {
                "Content-Type": "application/json",
                SENDGRID_SIGNATURE: sign_sendgrid(self.private_key, timestamp, body),
                SENDGRID_TIMESTAMP: timestamp,
            }
            url = f"{self.webhook_base}/sendgrid_events"
        else:
            entry = {
                "id": record["id"],
                "status": status,
                "timestamp": str(now),
                "recipient_id": record["to"],
            }
            if record.get("biz_opaque_callback_data"):
                entry["biz_opaque_callback_data"] = record["biz_opaque_callback_data"]
            if status == "failed":
                entry["errors"] = [{"code": int(code or 131026), "title": "Message undeliverable"}]
            payload = {
                "object": "whatsapp_business_account",
                "entry": [
                    {
                        "id": "0",
                        "changes": [
                            {
                                "field": "messages",
                                "value": {
                                    "messaging_product": "whatsapp",
                                    "metadata": {"phone_number_id": record["phone_number_id"]},
                                    "statuses": [entry],
                                },
                            }
                        ],
                    }
                ],
            }
            body = json.dumps(payload).encode()
            headers = {
                "Content-Type": "application/json",
                WHATSAPP_SIGNATURE: sign_whatsapp(self.app_secret, body),
            }
            url = f"{self.webhook_base}/whatsapp_webhook"
        try:
            return requests.post(url, data=body, headers=headers, timeout=30).status_code
        except requests.RequestException:
            return 0

    def list(self, request: Request) -> Response:
        with self.outbox.lock:
            return _json({"messages": list(self.outbox.messages)})

    def clear(self, request: Request) -> Response:
        with self.outbox.lock:
            self.outbox.messages.clear()
            if self.outbox.keep_in is not None:
                self.outbox.keep_in.unlink(missing_ok=True)
            for queue in (*self.outbox.faults.values(), *self.outbox.standing.values()):
                queue.clear()
        return _json({"cleared": True})

    def outbox_page(self, request: Request) -> Response:
        e = html.escape
        with self.outbox.lock:
            messages = list(reversed(self.outbox.messages))
        items = []
        for m in messages:
            # Shown in WIB like every other page (the machine's clock may be UTC).
            at = outbox_time(m["received_at"])
            if m["channel"] == "email":
                items.append(
                    f'<article class="email"><h2>Email · {e(at)}</h2>'
                    f"<p><b>Kepada:</b> {e(m['to'])}<br><b>Subjek:</b> {e(m['subject'])}</p>"
                    f'<iframe sandbox="" title="HTML" srcdoc="{e(m["html"])}"></iframe>'
                    f"<details><summary>Teks</summary><pre>{e(m['text'])}</pre></details>"
                    f"</article>"
                )
            elif m["channel"] == "whatsapp_inbound":
                replied = f" (membalas {m['context_id']})" if m.get("context_id") else ""
                shown = m["text"] or f"[{m['type']}]"
                items.append(
                    f'<article class="inbound"><h2>WhatsApp masuk · {e(at)}</h2>'
                    f"<p><b>Dari:</b> +{e(m['from'])}{e(replied)}</p>"
                    f'<div class="bubble theirs">{e(shown)}</div></article>'
                )
            elif m.get("template") is None:
                items.append(
                    f'<article class="whatsapp"><h2>WhatsApp teks · {e(at)}</h2>'
                    f"<p><b>Kepada:</b> +{e(m['to'])} (dalam jendela 24 jam)</p>"
                    f'<div class="bubble">{e(m["preview"])}</div></article>'
                )
            else:
                items.append(
                    f'<article class="whatsapp"><h2>WhatsApp · {e(at)}</h2>'
                    f"<p><b>Kepada:</b> +{e(m['to'])}<br><b>Templat:</b> "
                    f"{e(str(m['template']))} ({e(str(m['language']))})</p>"
                    f'<div class="bubble">{e(m["preview"])}</div></article>'
                )
        page = (
            '<!doctype html><html lang="id"><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            "<title>Kotak keluar lokal</title><style>"
            "body{font-family:sans-serif;max-width:50em;margin:auto;padding:1em}"
            "article{border:1px solid #ccc;border-radius:6px;padding:.5em 1em;margin:1em 0}"
            "iframe{width:100%;height:16em;border:1px solid #eee}"
            ".bubble{background:#dcf8c6;border-radius:8px;padding:.6em;white-space:pre-wrap}"
            ".bubble.theirs{background:#fff;border:1px solid #ccc}"
            "</style><h1>Kotak keluar lokal (email dan WhatsApp)</h1>"
            f"<p>{len(messages)} pesan. Tidak ada yang benar-benar dikirim.</p>"
            + "".join(items)
            + "</html>"
        )
        response = Response(page, content_type="text/html; charset=utf-8")
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'"
        )
        return response


class TurnstileStandIn:
    """Cloudflare Turnstile's siteverify (`POST /turnstile/v0/siteverify`, form fields secret,
    response, remoteip) with its answer shape: `success`, `error-codes`, `hostname`, `action`,
    `challenge_ts`. Tokens come from `POST /_control/turnstile/token` ({"hostname", "action",
    "outcome": "accept" | "reject" | "timeout" | "error"}) and are good once, as Cloudflare's
    are; "timeout" answers only after `delay` seconds (default 10), "error" with a 500."""

    @staticmethod
    def rules() -> tuple[Rule, ...]:
        # New rules for each map: a werkzeug Rule is bound to one map only.
        return (
            Rule("/turnstile/v0/siteverify", endpoint="ts_siteverify", methods=["POST"]),
            Rule("/_control/turnstile/token", endpoint="ts_token", methods=["POST"]),
        )

    def __init__(self, secret: str):
        self.secret = secret
        self.lock = threading.Lock()
        self.tokens: dict[str, dict] = {}
        self.calls: list[dict] = []

    def ts_token(self, request: Request) -> Response:
        body = request.get_json(silent=True) or {}
        token = "stand-in." + uuid.uuid4().hex
        with self.lock:
            self.tokens[token] = {
                "hostname": body.get("hostname", "127.0.0.1"),
                "action": body.get("action", "submit"),
                "outcome": body.get("outcome", "accept"),
                "delay": float(body.get("delay", 10)),
                "used": False,
            }
        return _json({"token": token})

    def ts_siteverify(self, request: Request) -> Response:
        secret, token = request.form.get("secret", ""), request.form.get("response", "")
        with self.lock:
            self.calls.append({"remoteip": request.form.get("remoteip"), "token": token})
            issued = self.tokens.get(token)
            spent = bool(issued and issued["used"])
            if issued:
                issued["used"] = True
        if not secret:
            return _json({"success": False, "error-codes": ["missing-input-secret"]})
        if not self.secret or secret != self.secret:
            return _json({"success": False, "error-codes": ["invalid-input-secret"]})
        if not token:
            return _json({"success": False, "error-codes": ["missing-input-response"]})
        if issued is None:
            return _json({"success": False, "error-codes": ["invalid-input-response"]})
        if issued["outcome"] == "timeout":
            time.sleep(issued["delay"])
        if issued["outcome"] == "error":
            return _json({"success": False, "error-codes": ["internal-error"]}, 500)
        if spent:
            return _json({"success": False, "error-codes": ["timeout-or-duplicate"]})
        if issued["outcome"] == "reject":
            return _json({"success": False, "error-codes": ["invalid-input-response"]})
        return _json(
            {
                "success": True,
                "error-codes": [],
                "challenge_ts": datetime.now().astimezone().isoformat(),
                "hostname": issued["hostname"],
                "action": issued["action"],
            }
        )


def outbox_time(received_at: float) -> str:
    return datetime.fromtimestamp(received_at, WIB).strftime("%Y-%m-%d %H:%M:%S WIB")


def _whatsapp_preview(name, template: dict, parameters: list[str]) -> str:
    from shared.domain.message_templates import WHATSAPP_TEMPLATES

    language = template.get("language", {}).get("code", "id")
    for approved in WHATSAPP_TEMPLATES.values():
        if approved.name == name:
            text = approved.body.get(language) or approved.body["id"]
            for number, value in enumerate(parameters, start=1):
                text = text.replace(f"{{{{{number}}}}}", value)
            return text
    return f"[templat tidak dikenal: {name}] " + " | ".join(parameters)


def _json(body: dict, status: int = 200, headers: dict | None = None) -> Response:
    return Response(
        json.dumps(body), status=status, headers=headers or {}, content_type="application/json"
    )


def _sendgrid_error(status: int, message: str, field: str | None = None, headers=None):
    return _json({"errors": [{"message": message, "field": field, "help": None}]}, status, headers)


def _wa_error(status: int, code: int, message: str, type_: str = "OAuthException", headers=None):
    error = {
        "message": f"({'#'}{code}) {message}",
        "type": type_,
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": message},
        "fbtrace_id": uuid.uuid4().hex[:20],
    }
    return _json({"error": error}, status, headers)


def ensure_sendgrid_key(path: Path) -> str:
    """The local Event Webhook key pair: writes the private key (PEM) once, returns the public
    key as SendGrid shows it (base64 DER), for SENDGRID_WEBHOOK_PUBLIC_KEY."""
    import base64

    from cryptography.hazmat.primitives.asymmetric import ec

    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = ec.generate_private_key(ec.SECP256R1())
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        path.chmod(0o600)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def _kept(path: Path | None) -> list[dict]:
    if path is None or not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8125)
    parser.add_argument("--sendgrid-key-file", type=Path, required=True)
    parser.add_argument("--whatsapp-app-secret", required=True)
    parser.add_argument("--webhook-base", required=True)
    parser.add_argument("--auto-deliver", action="store_true")
    parser.add_argument("--keep-outbox", type=Path, help="keep what is received in this file")
    parser.add_argument("--turnstile-secret", default="", help="the siteverify stand-in's secret")
    args = parser.parse_args(argv)
    app = StandIn(
        args.sendgrid_key_file,
        args.whatsapp_app_secret,
        args.webhook_base,
        args.auto_deliver,
        turnstile_secret=args.turnstile_secret,
    )
    if args.keep_outbox:
        args.keep_outbox.parent.mkdir(parents=True, exist_ok=True)
        app.outbox = Outbox(args.keep_outbox)
    make_server(args.host, args.port, app, threaded=True).serve_forever()


if __name__ == "__main__":
    main()
