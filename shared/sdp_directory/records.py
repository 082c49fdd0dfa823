"""The full SDP record as an export carries it: identity, custody, sentence, remission history.

Pure data with (de)serialisation to plain JSON-able dicts, so the index can store records
compactly and the operator's answer can be composed from `SdpCandidate.extra`.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import date


class CustodyStatus(enum.StrEnum):
    NARAPIDANA = "narapidana"  # sentenced adult
    ANAK = "anak"  # child in conflict with the law
    TAHANAN = "tahanan"  # detained, not yet sentenced


class RemissionKind(enum.StrEnum):
    UMUM = "RU"  # remisi umum, 17 August
    KHUSUS = "RK"  # remisi khusus, on the prisoner's religious holiday
    DASAWARSA = "DASAWARSA"  # every 10 years on 17 August
    TAMBAHAN = "TAMBAHAN"  # extra ½ or ⅓ of that year's remisi umum
    KEMANUSIAAN = "KEMANUSIAAN"  # humanitarian
    # children get "pengurangan masa pidana" instead of remisi
    PENGURANGAN_MASA_PIDANA = "PMP"


HOLIDAYS = ("Idul Fitri", "Natal", "Nyepi", "Waisak", "Imlek")
INTEGRATION_PROGRAMS = (
    "PB",
    "CB",
    "CMB",
)  # pembebasan bersyarat, cuti bersyarat, cuti menjelang bebas


@dataclass(frozen=True, order=True)
class Period:
    """A length of time the way sentences and remissions are written: months and days."""

    months: int = 0
    days: int = 0

    def __post_init__(self):
        if self.months < 0 or self.days < 0:
            raise ValueError("a period cannot be negative")

    def __add__(self, other: Period) -> Period:
        return Period(self.months + other.months, self.days + other.days).normalised()

    def normalised(self) -> Period:
        # 30 days make a month in remission arithmetic
        return Period(self.months + self.days // 30, self.days % 30)

    @property
    def approx_days(self) -> int:
        return self.months * 30 + self.days

    def __str__(self) -> str:
        years, months = divmod(self.months, 12)
        parts = []
        if years:
            parts.append(f"{years} tahun")
        if months:
            parts.append(f"{months} bulan")
        if self.days or not parts:
            parts.append(f"{self.days} hari")
        return " ".join(parts)

    _PART = re.compile(r"(\d+)\s*(tahun|thn|th|bulan|bln|bl|hari|hr)\b")

    @classmethod
    def parse(cls, text: str) -> Period:
        """'2 tahun 6 bulan', '1 bulan 15 hari', '45 hari', '3 bln'. Raises ValueError."""
        cleaned = text.strip().lower()
        if not cleaned or cleaned in {"-", "0"}:
            return cls()
        found = list(cls._PART.finditer(cleaned))
        leftover = cls._PART.sub("", cleaned).strip(" ,.")
        if not found or leftover:
            raise ValueError(f"lama waktu tidak dikenali: {text!r}")
        months = days = 0
        for match in found:
            number, unit = int(match.group(1)), match.group(2)
            if unit.startswith("t"):
                months += 12 * number
            elif unit.startswith("b"):
                months += number
            else:
                days += number
        return cls(months, days)


@dataclass(frozen=True)
class RemissionEntry:
    year: int
    kind: RemissionKind
    amount: Period
    holiday: str | None = None  # for RK (and PMP given on a holiday)
    stage: str = "I"  # "I" = a reduction, "II" = released at once
    decree_number: str | None = None

    def to_dict(self) -> dict:
        return {
            "tahun": self.year,
            "jenis": self.kind.value,
            "hari_raya": self.holiday,
            "tahap": self.stage,
            "besaran": str(self.amount),
            "besaran_hari": self.amount.approx_days,
            "nomor_sk": self.decree_number,
        }

    @classmethod
    def from_dict(cls, data: dict) -> RemissionEntry:
        return cls(
            year=int(data["tahun"]),
            kind=RemissionKind(data["jenis"]),
            amount=Period.parse(data["besaran"]),
            holiday=data.get("hari_raya"),
            stage=data.get("tahap") or "I",
            decree_number=data.get("nomor_sk"),
        )


@dataclass(frozen=True)
class SdpRecord:
    registration_number: str
    name: str
    upt: str
    status: CustodyStatus
    aliases: tuple[str, ...] = ()
    sex: str | None = None  # "L" or "P"
    birth_place: str | None = None
    birth_date: date | None = None
    religion: str | None = None
    sentence: Period | None = None
    detention_start: date | None = None
    expiry_date: date | None = None  # ekspirasi awal
    remissions: tuple[RemissionEntry, ...] = ()
    total_remission: Period | None = None
    expiry_after_remission: date | None = None
    two_thirds_date: date | None = None
    integration_program: str | None = None  # PB / CB / CMB
    integration_status: str | None = None  # e.g. "diusulkan", "SK terbit"
    extra: dict = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict:
        """JSON-able, Indonesian keys: this is what the operator's answer is composed from."""

        def iso(value: date | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "nomor_registrasi": self.registration_number,
            "nama": self.name,
            "alias": list(self.aliases),
            "jenis_kelamin": self.sex,
            "tempat_lahir": self.birth_place,
            "tanggal_lahir": iso(self.birth_date),
            "agama": self.religion,
            "upt": self.upt,
            "status": self.status.value,
            "lama_pidana": str(self.sentence) if self.sentence else None,
            "tanggal_mulai_ditahan": iso(self.detention_start),
            "tanggal_ekspirasi_awal": iso(self.expiry_date),
            "riwayat_remisi": [entry.to_dict() for entry in self.remissions],
            "total_remisi": str(self.total_remission) if self.total_remission else None,
            "tanggal_ekspirasi_setelah_remisi": iso(self.expiry_after_remission),
            "tanggal_dua_pertiga": iso(self.two_thirds_date),
            "program_integrasi": self.integration_program,
            "status_integrasi": self.integration_status,
        }

    @classmethod
    def from_dict(cls, data: dict) -> SdpRecord:
        def day(value: str | None) -> date | None:
            return date.fromisoformat(value) if value else None

        def period(value: str | None) -> Period | None:
            return Period.parse(value) if value else None

        return cls(
            registration_number=data["nomor_registrasi"],
            name=data["nama"],
            upt=data["upt"],
            status=CustodyStatus(data["status"]),
            aliases=tuple(data.get("alias") or ()),
            sex=data.get("jenis_kelamin"),
            birth_place=data.get("tempat_lahir"),
            birth_date=day(data.get("tanggal_lahir")),
            religion=data.get("agama"),
            sentence=period(data.get("lama_pidana")),
            detention_start=day(data.get("tanggal_mulai_ditahan")),
            expiry_date=day(data.get("tanggal_ekspirasi_awal")),
            remissions=tuple(RemissionEntry.from_dict(e) for e in data.get("riwayat_remisi", [])),
            total_remission=period(data.get("total_remisi")),
            expiry_after_remission=day(data.get("tanggal_ekspirasi_setelah_remisi")),
            two_thirds_date=day(data.get("tanggal_dua_pertiga")),
            integration_program=data.get("program_integrasi"),
            integration_status=data.get("status_integrasi"),
        )
