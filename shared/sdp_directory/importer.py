"""Reading an SDP export (CSV or XLSX) into records, checking every row.

The format is documented in FORMAT.md next to this file. Errors name the spreadsheet row
(the header is row 1) and the column, in plain Indonesian, because the person fixing the
file is an administrator with a spreadsheet, not a developer.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from shared.sdp_directory.records import (
    HOLIDAYS,
    INTEGRATION_PROGRAMS,
    CustodyStatus,
    Period,
    RemissionEntry,
    RemissionKind,
    SdpRecord,
)

REQUIRED_COLUMNS = ("nomor_registrasi", "nama", "upt", "status")
OPTIONAL_COLUMNS = (
    "alias",
    "jenis_kelamin",
    "tempat_lahir",
    "tanggal_lahir",
    "agama",
    "lama_pidana",
    "tanggal_mulai_ditahan",
    "tanggal_ekspirasi_awal",
    "riwayat_remisi",
    "total_remisi",
    "tanggal_ekspirasi_setelah_remisi",
    "tanggal_dua_pertiga",
    "program_integrasi",
    "status_integrasi",
)
ALL_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
DATE_HINT = "gunakan DD-MM-YYYY, DD/MM/YYYY atau YYYY-MM-DD"

STATUS_WORDS = {
    "narapidana": CustodyStatus.NARAPIDANA,
    "napi": CustodyStatus.NARAPIDANA,
    "warga binaan": CustodyStatus.NARAPIDANA,
    "anak": CustodyStatus.ANAK,
    "anak binaan": CustodyStatus.ANAK,
    "andikpas": CustodyStatus.ANAK,
    "tahanan": CustodyStatus.TAHANAN,
}
SEX_WORDS = {"l": "L", "laki-laki": "L", "laki laki": "L", "pria": "L",
             "p": "P", "perempuan": "P", "wanita": "P"}  # fmt: skip
KIND_WORDS = {
    "ru": RemissionKind.UMUM,
    "remisi umum": RemissionKind.UMUM,
    "rk": RemissionKind.KHUSUS,
    "remisi khusus": RemissionKind.KHUSUS,
    "dasawarsa": RemissionKind.DASAWARSA,
    "rd": RemissionKind.DASAWARSA,
    "tambahan": RemissionKind.TAMBAHAN,
    "rt": RemissionKind.TAMBAHAN,
    "kemanusiaan": RemissionKind.KEMANUSIAAN,
    "pmp": RemissionKind.PENGURANGAN_MASA_PIDANA,
    "pengurangan masa pidana": RemissionKind.PENGURANGAN_MASA_PIDANA,
}
MAX_ROWS = 2_000_000


@dataclass(frozen=True)
class Problem:
    row: int | None  # spreadsheet row, header = 1; None for the file as a whole
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"Baris {self.row}")
        if self.column:
            where.append(f"kolom {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass
class ImportResult:
    source_name: str
    records: list[SdpRecord] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    rows_read: int = 0
    file_unusable: bool = False

    @property
    def bad_rows(self) -> set[int]:
        return {p.row for p in self.errors if p.row is not None}


class UnusableFile(Exception):
    pass


# --- values ----------------------------------------------------------------------------------


def parse_date(value: object) -> date:
    """DD-MM-YYYY, DD/MM/YYYY, DD.MM.YYYY, YYYY-MM-DD, or a spreadsheet date cell."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    match = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", text)
    if match:
        day, month, year = (int(g) for g in match.groups())
    else:
        match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?", text)
        if not match:
            raise ValueError(f"{text!r} bukan tanggal yang dikenali ({DATE_HINT})")
        year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"{text!r} bukan tanggal yang ada di kalender") from None


def parse_remission_history(text: str) -> tuple[RemissionEntry, ...]:
    """'2023|RK|Idul Fitri|I|1 bulan|W11-123.PK.01.01.02 Tahun 2023; 2023|RU||I|2 bulan|...'"""
    entries = []
    for number, chunk in enumerate(p for p in text.split(";") if p.strip()):
        fields = [f.strip() for f in chunk.split("|")]
        label = f"entri ke-{number + 1} ({chunk.strip()!r})"
        if len(fields) != 6:
            raise ValueError(
                f"{label}: harus 6 bagian dipisah '|' "
                f"(tahun|jenis|hari raya|tahap|besaran|nomor SK), ada {len(fields)}"
            )
        year_text, kind_text, holiday, stage, amount_text, decree = fields
        if not re.fullmatch(r"\d{4}", year_text):
            raise ValueError(f"{label}: tahun {year_text!r} harus 4 angka")
        kind = KIND_WORDS.get(kind_text.lower())
        if kind is None:
            raise ValueError(
                f"{label}: jenis {kind_text!r} tidak dikenal "
                "(RU, RK, DASAWARSA, TAMBAHAN, KEMANUSIAAN, PMP)"
            )
        holiday_name = next((h for h in HOLIDAYS if h.lower() == holiday.lower()), None)
        if holiday and holiday_name is None:
            known = ", ".join(HOLIDAYS)
            raise ValueError(f"{label}: hari raya {holiday!r} tidak dikenal ({known})")
        if kind is RemissionKind.KHUSUS and holiday_name is None:
            raise ValueError(f"{label}: remisi khusus (RK) harus menyebut hari rayanya")
        stage = stage.upper() or "I"
        if stage not in ("I", "II"):
            raise ValueError(f"{label}: tahap {stage!r} harus I atau II")
        amount = Period.parse(amount_text)
        entries.append(
            RemissionEntry(int(year_text), kind, amount, holiday_name, stage, decree or None)
        )
    return tuple(entries)


def format_remission_history(entries: Iterable[RemissionEntry]) -> str:
    return "; ".join(
        f"{e.year}|{e.kind.value}|{e.holiday or ''}|{e.stage}|{e.amount}|{e.decree_number or ''}"
        for e in entries
    )


# --- rows ------------------------------------------------------------------------------------


def _column_key(header: object) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(header or "").strip().lower()).strip("_")


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value
    return str(value).strip()


def parse_rows(
    header: list[object], rows: Iterable[list[object]], source_name: str
) -> ImportResult:
    result = ImportResult(source_name=source_name)
    keys = [_column_key(h) for h in header]
    for required in REQUIRED_COLUMNS:
        if required not in keys:
            result.errors.append(Problem(1, required, "kolom wajib ini tidak ada di baris judul"))
    seen: dict[str, int] = {}
    for position, key in enumerate(keys):
        if not key:
            continue
        if key in seen:
            result.errors.append(Problem(1, key, "kolom ini muncul dua kali"))
        seen.setdefault(key, position)
        if key not in ALL_COLUMNS:
            result.warnings.append(Problem(1, key, "kolom tidak dikenal, diabaikan"))
    if result.errors:
        result.file_unusable = True
        return result

    registrations: dict[str, int] = {}
    for row_number, raw in enumerate(rows, start=2):
        values = {key: _cell(raw[i]) if i < len(raw) else "" for key, i in seen.items()}
        if not any(values.values()):
            continue  # blank line
        result.rows_read += 1
        if result.rows_read > MAX_ROWS:
            result.errors.append(Problem(None, None, f"berkas lebih dari {MAX_ROWS} baris"))
            result.file_unusable = True
            return result
        key = re.sub(r"[^0-9a-z]", "", str(values.get("nomor_registrasi", "")).lower())
        if key and key in registrations:
            message = f"sama dengan baris {registrations[key]}"
            result.errors.append(Problem(row_number, "nomor_registrasi", message))
            continue
        registrations.setdefault(key, row_number)
        record = _record(row_number, values, result)
        if record is not None:
            result.records.append(record)
    if result.rows_read == 0:
        result.errors.append(Problem(None, None, "berkas tidak berisi satu baris data pun"))
        result.file_unusable = True
    return result


def _record(row: int, values: dict[str, object], result: ImportResult) -> SdpRecord | None:
    errors_before = len(result.errors)

    def fail(column: str, message: str) -> None:
        result.errors.append(Problem(row, column, message))

    def text(column: str) -> str:
        value = values.get(column, "")
        return value.isoformat() if isinstance(value, date) else str(value)

    for column in REQUIRED_COLUMNS:
        if not text(column):
            fail(column, "wajib diisi")

    def optional_date(column: str) -> date | None:
        value = values.get(column, "")
        if value in ("", "-"):
            return None
        try:
            return parse_date(value)
        except ValueError as error:
            fail(column, str(error))
            return None

    def optional_period(column: str) -> Period | None:
        value = text(column)
        if not value:
            return None
        try:
            return Period.parse(value)
        except ValueError as error:
            fail(column, f"{error}; contoh: '2 tahun 6 bulan', '1 bulan 15 hari'")
            return None

    status = STATUS_WORDS.get(text("status").lower())
    if text("status") and status is None:
        fail("status", f"{text('status')!r} tidak dikenal (narapidana, anak atau tahanan)")
    sex = None
    if text("jenis_kelamin"):
        sex = SEX_WORDS.get(text("jenis_kelamin").lower())
        if sex is None:
            fail("jenis_kelamin", f"{text('jenis_kelamin')!r} harus L atau P")
    birth = optional_date("tanggal_lahir")
    start = optional_date("tanggal_mulai_ditahan")
    expiry = optional_date("tanggal_ekspirasi_awal")
    after = optional_date("tanggal_ekspirasi_setelah_remisi")
    two_thirds = optional_date("tanggal_dua_pertiga")
    sentence = optional_period("lama_pidana")
    total = optional_period("total_remisi")
    history: tuple[RemissionEntry, ...] = ()
    if text("riwayat_remisi"):
        try:
            history = parse_remission_history(text("riwayat_remisi"))
        except ValueError as error:
            fail("riwayat_remisi", str(error))
    program = text("program_integrasi").upper() or None
    if program in ("-",):
        program = None
    if program and program not in INTEGRATION_PROGRAMS:
        fail("program_integrasi", f"{program!r} harus PB, CB, CMB atau kosong")

    if birth and start and birth >= start:
        fail("tanggal_lahir", "tanggal lahir tidak boleh sesudah tanggal mulai ditahan")
    if start and expiry and expiry <= start:
        fail("tanggal_ekspirasi_awal", "harus sesudah tanggal mulai ditahan")
    if len(result.errors) > errors_before:
        return None

    if history and total is not None:
        summed = Period()
        for entry in history:
            summed = summed + entry.amount
        if summed.approx_days != total.approx_days:
            message = f"{total} tidak sama dengan jumlah riwayat ({summed})"
            result.warnings.append(Problem(row, "total_remisi", message))
    aliases = tuple(a.strip() for a in re.split(r"[;,]", text("alias")) if a.strip())
    return SdpRecord(
        registration_number=text("nomor_registrasi"),
        name=text("nama"),
        upt=text("upt"),
        status=status,
        aliases=aliases,
        sex=sex,
        birth_place=text("tempat_lahir") or None,
        birth_date=birth,
        religion=text("agama") or None,
        sentence=sentence,
        detention_start=start,
        expiry_date=expiry,
        remissions=history,
        total_remission=total,
        expiry_after_remission=after,
        two_thirds_date=two_thirds,
        integration_program=program,
        integration_status=text("status_integrasi") or None,
    )


# --- files -----------------------------------------------------------------------------------


def read_export(data: bytes, source_name: str) -> ImportResult:
    """Parse an export by its name's extension (.csv or .xlsx)."""
    suffix = Path(source_name).suffix.lower()
    try:
        if suffix == ".xlsx":
            header, rows = _xlsx_rows(data)
        elif suffix in (".csv", ".txt"):
            header, rows = _csv_rows(data)
        else:
            raise UnusableFile(
                f"jenis berkas {suffix or '(tanpa akhiran)'} tidak didukung; "
                "gunakan .csv atau .xlsx"
            )
        return parse_rows(header, rows, source_name)
    except UnusableFile as error:
        result = ImportResult(source_name=source_name, file_unusable=True)
        result.errors.append(Problem(None, None, str(error)))
        return result


def _csv_rows(data: bytes) -> tuple[list[object], Iterator[list[object]]]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise UnusableFile("berkas CSV tidak bisa dibaca (bukan UTF-8)")
    first_line = text.split("\n", 1)[0]
    # Indonesian Excel saves CSV with ';' because ',' is the decimal mark
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    if delimiter == ";" and first_line.count("\t") > first_line.count(";"):
        delimiter = "\t"
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise UnusableFile("berkas kosong") from None
    return list(header), (list(row) for row in reader)


def _xlsx_rows(data: bytes) -> tuple[list[object], Iterator[list[object]]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise UnusableFile(f"berkas XLSX tidak bisa dibuka ({error})") from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:
        header = list(next(rows))
    except StopIteration:
        raise UnusableFile("lembar pertama kosong") from None
    return header, (list(row) for row in rows)


# --- writing (demo files, tests, round trips) ------------------------------------------------


def record_row(record: SdpRecord) -> dict[str, str]:
    def day(value: date | None) -> str:
        return value.strftime("%d-%m-%Y") if value else ""

    return {
        "nomor_registrasi": record.registration_number,
        "nama": record.name,
        "alias": "; ".join(record.aliases),
        "jenis_kelamin": record.sex or "",
        "tempat_lahir": record.birth_place or "",
        "tanggal_lahir": day(record.birth_date),
        "agama": record.religion or "",
        "upt": record.upt,
        "status": record.status.value,
        "lama_pidana": str(record.sentence) if record.sentence else "",
        "tanggal_mulai_ditahan": day(record.detention_start),
        "tanggal_ekspirasi_awal": day(record.expiry_date),
        "riwayat_remisi": format_remission_history(record.remissions),
        "total_remisi": str(record.total_remission) if record.total_remission else "",
        "tanggal_ekspirasi_setelah_remisi": day(record.expiry_after_remission),
        "tanggal_dua_pertiga": day(record.two_thirds_date),
        "program_integrasi": record.integration_program or "",
        "status_integrasi": record.integration_status or "",
    }


def write_csv(records: Iterable[SdpRecord]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=ALL_COLUMNS)
    writer.writeheader()
    for record in records:
        writer.writerow(record_row(record))
    return out.getvalue().encode("utf-8")


def write_xlsx(records: Iterable[SdpRecord]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("data_sdp")
    sheet.append(list(ALL_COLUMNS))
    for record in records:
        row = record_row(record)
        sheet.append([row[column] for column in ALL_COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
