"""`SdpDirectory` over an SDP web service, should the ministry provide one.

There is no public SDP API today, so the wire contract is ours and small (the local
stand-in in `standin.py` speaks it):

    GET {base_url}/v1/narapidana?nama=…&upt=…&tanggal_lahir=YYYY-MM-DD&nomor_registrasi=…&batas=N
    Authorization: Bearer {credential}
    200 → {"hasil": [<record as SdpRecord.to_dict()>, …]}

The service's answers are re-ranked with the same matching as imported snapshots, so the
operator sees the same kind of scores and reasons whichever source is configured. Timeouts,
retries with exponential backoff (and Retry-After on 429/503); when the service cannot
answer, `SdpUnavailable` — the request then waits for an operator instead of failing.
"""

from __future__ import annotations

import json
import logging
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from shared.domain.sdp import SdpCandidate, SdpQuery, SdpUnavailable
from shared.sdp_directory.directory import SnapshotSdpDirectory
from shared.sdp_directory.index import build_index
from shared.sdp_directory.matching import MatchPolicy
from shared.sdp_directory.records import SdpRecord

log = logging.getLogger(__name__)
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class HttpSdpSettings:
    base_url: str
    credential: str
    timeout_seconds: float = 5.0
    attempts: int = 3
    backoff_seconds: float = 0.5  # doubled after each failed attempt, with jitter
    max_retry_after_seconds: float = 10.0
    fetch_limit: int = 25  # records asked from the service before our own ranking


class HttpSdpDirectory:
    def __init__(
        self,
        settings: HttpSdpSettings,
        policy: MatchPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        opener: urllib.request.OpenerDirector | None = None,
    ):
        if not settings.base_url.startswith(("https://", "http://")):
            raise ValueError("SDP base URL must be http(s)")
        self.settings = settings
        self.policy = policy or MatchPolicy()
        self._sleep = sleep
        self._opener = opener or urllib.request.build_opener()

    def search(self, query: SdpQuery, limit: int = 5) -> list[SdpCandidate]:
        if not (query.prisoner_name or "").strip() and not query.registration_number:
            return []
        payload = self._get(self._url(query))
        try:
            records = [SdpRecord.from_dict(item) for item in payload["hasil"]]
        except (KeyError, TypeError, ValueError) as error:
            raise SdpUnavailable(f"jawaban layanan SDP tidak sesuai format: {error}") from error
        if not records:
            return []
        return SnapshotSdpDirectory(build_index(records, "layanan-sdp"), self.policy).search(
            query, limit
        )

    def _url(self, query: SdpQuery) -> str:
        params = {"nama": query.prisoner_name, "batas": str(self.settings.fetch_limit)}
        if query.upt:
            params["upt"] = query.upt
        if query.birth_date:
            params["tanggal_lahir"] = query.birth_date.isoformat()
        if query.registration_number:
            params["nomor_registrasi"] = query.registration_number
        base = self.settings.base_url.rstrip("/")
        return f"{base}/v1/narapidana?{urllib.parse.urlencode(params)}"

    def _get(self, url: str) -> dict:
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            url,
            headers={
                "Authorization": f"Bearer {self.settings.credential}",
                "Accept": "application/json",
            },
        )
        delay = self.settings.backoff_seconds
        last_problem = "tidak diketahui"
        for attempt in range(1, self.settings.attempts + 1):
            wait = delay * (1 + random.random() * 0.25)  # noqa: S311 - jitter, not security
            try:
                with self._opener.open(request, timeout=self.settings.timeout_seconds) as response:
                    return json.loads(response.read())
            except urllib.error.HTTPError as error:
                if error.code in (401, 403):
                    raise SdpUnavailable(
                        f"layanan SDP menolak kredensial (HTTP {error.code}); periksa konfigurasi"
                    ) from error
                if error.code not in RETRYABLE_STATUS:
                    raise SdpUnavailable(f"layanan SDP menjawab HTTP {error.code}") from error
                last_problem = f"HTTP {error.code}"
                retry_after = error.headers.get("Retry-After") if error.headers else None
                if retry_after and retry_after.isdigit():
                    wait = min(float(retry_after), self.settings.max_retry_after_seconds)
            except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
                last_problem = str(getattr(error, "reason", error))
            except json.JSONDecodeError as error:
                raise SdpUnavailable("jawaban layanan SDP bukan JSON") from error
            log.warning(
                "SDP service attempt %d/%d failed: %s",
                attempt,
                self.settings.attempts,
                last_problem,
            )
            if attempt < self.settings.attempts:
                self._sleep(wait)
                delay *= 2
        raise SdpUnavailable(
            f"layanan SDP tidak dapat dihubungi setelah {self.settings.attempts} percobaan "
            f"({last_problem})"
        )
