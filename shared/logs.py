"""JSON-lines logging that Cloud Logging parses (severity, message, labels).

Only identifiers and states are logged, never what a person typed: call sites pass a fixed
message and opaque ids (request id, object name, task name) through `extra={"fields": {...}}`.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime

_configured = False


class JsonLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "severity": record.levelname,
            "message": record.getMessage(),
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "logger": record.name,
        }
        fields = getattr(record, "fields", None)
        if fields:
            entry.update(fields)
            if "request_id" in fields:
                entry["logging.googleapis.com/labels"] = {"request_id": str(fields["request_id"])}
        if record.exc_info:
            # The exception type and traceback locate the bug; exception messages can quote
            # input, so they stay out.
            entry["error_type"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            entry["stack_trace"] = "".join(traceback.format_tb(record.exc_info[2])[-8:])
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure() -> None:
    global _configured
    if _configured:
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonLineFormatter())
    root = logging.getLogger("remisi")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    root.propagate = False
    _configured = True


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(f"remisi.{name}")


def log(logger: logging.Logger, level: int, message: str, **fields: object) -> None:
    logger.log(level, message, extra={"fields": fields})
