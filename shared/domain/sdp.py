"""What the request pipeline asks of SDP (Sistem Database Pemasyarakatan) and what it gets back.

The directory behind the port may be an imported export or a web service; the pipeline only
sees queries and ranked candidates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class SdpQuery:
    prisoner_name: str
    upt: str | None = None
    birth_date: date | None = None
    registration_number: str | None = None


@dataclass(frozen=True)
class SdpCandidate:
    """One possible match, ranked; `reasons` are short Indonesian phrases for the operator."""

    registration_number: str
    name: str
    score: float  # 0..100, higher is a better match
    reasons: tuple[str, ...] = ()
    upt: str | None = None
    birth_date: date | None = None
    status: str | None = None
    extra: dict = field(default_factory=dict)


class SdpUnavailable(Exception):
    """The directory cannot answer now (service down, snapshot missing); worth retrying."""
