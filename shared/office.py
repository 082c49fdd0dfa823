"""The office's public identity (name, contact) from settings, never from code: since the 2024
reorganisation the SOP's office name has changed once already. Read by the QR board and by the
site's generated `office.json` (the privacy notice's contact)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass


def _name_default() -> str:
    from shared.config import SETTINGS

    return next(s.local_default for s in SETTINGS if s.env == "OFFICE_NAME")


# Local defaults so `make dev` shows a complete page; a deployment sets every OFFICE_* value
# (`python -m shared.site_files --require-office` refuses to write without them). The name's
# default is the settings table's own (shared/config.py), not a second one.
LOCAL_DEFAULTS = {
    "OFFICE_NAME": _name_default(),
    "OFFICE_ADDRESS": "Kota Serang, Banten (alamat contoh untuk pengembangan lokal)",
    "OFFICE_EMAIL": "layanan.remisi@example.id",
    "OFFICE_PHONE": "+62 254 000 0000",
    "OFFICE_HOURS": "Senin–Jumat 08.00–16.00 WIB",
}


class OfficeNotConfigured(RuntimeError):
    pass


@dataclass(frozen=True)
class Office:
    name: str
    address: str
    email: str
    phone: str
    hours: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, require: bool = False) -> Office:
        env = os.environ if environ is None else environ
        missing = [key for key in LOCAL_DEFAULTS if not env.get(key, "").strip()]
        if require and missing:
            raise OfficeNotConfigured(f"missing office settings: {', '.join(missing)}")
        values = {key: env.get(key, "").strip() or LOCAL_DEFAULTS[key] for key in LOCAL_DEFAULTS}
        return cls(
            name=values["OFFICE_NAME"],
            address=values["OFFICE_ADDRESS"],
            email=values["OFFICE_EMAIL"],
            phone=values["OFFICE_PHONE"],
            hours=values["OFFICE_HOURS"],
        )

    def as_dict(self) -> dict[str, str]:
        return asdict(self)
