"""Admin commands for the SDP directory.

    python -m shared.sdp_directory.cli import EKSPOR.xlsx [--skip-invalid-rows] [--dry-run]
    python -m shared.sdp_directory.cli status
    python -m shared.sdp_directory.cli search "Budi Santoso" [--upt …] [--birth-date …]

Where snapshots live comes from the environment (see `factory.py`): SDP_SOURCE=local
(default, SDP_LOCAL_DIR) or SDP_SOURCE=gcs (SDP_BUCKET + Firestore pointer).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from shared.domain.sdp import SdpQuery, SdpUnavailable
from shared.sdp_directory.factory import snapshot_stores
from shared.sdp_directory.importer import parse_date, read_export
from shared.sdp_directory.index import serialise
from shared.sdp_directory.snapshots import ActiveSnapshotDirectory, activate_snapshot

MAX_LISTED = 200


def cmd_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        print(f"Berkas tidak ditemukan: {path}", file=sys.stderr)
        return 2
    result = read_export(path.read_bytes(), path.name)
    for problem in result.warnings[:MAX_LISTED]:
        print(f"PERINGATAN  {problem}")
    for problem in result.errors[:MAX_LISTED]:
        print(f"KESALAHAN   {problem}")
    if len(result.errors) > MAX_LISTED:
        print(f"… dan {len(result.errors) - MAX_LISTED} kesalahan lain")
    print(
        f"{result.rows_read} baris dibaca, {len(result.records)} sah, "
        f"{len(result.bad_rows)} baris bermasalah."
    )
    if result.file_unusable or not result.records:
        print("Berkas tidak dapat dipakai: TIDAK ADA yang diimpor.")
        return 1
    if result.errors and not args.skip_invalid_rows:
        print(
            "Ada kesalahan: TIDAK ADA yang diimpor. Perbaiki berkas lalu ulangi, atau pakai "
            "--skip-invalid-rows untuk mengimpor baris yang sah saja."
        )
        return 1
    if args.dry_run:
        print("Uji coba (--dry-run): berkas sah, tidak ada yang diimpor.")
        return 0
    blob = serialise(result.records, source_name=path.name)
    blobs, pointers = snapshot_stores(os.environ)
    pointer = activate_snapshot(blob, blobs, pointers)
    print(
        f"Diimpor {pointer.record_count} data dari {pointer.source_name} pada "
        f"{pointer.imported_at}; snapshot aktif: {pointer.snapshot_id}"
    )
    return 0


def cmd_status(_: argparse.Namespace) -> int:
    _, pointers = snapshot_stores(os.environ)
    pointer = pointers.read()
    if pointer is None:
        print("Belum ada data SDP yang diimpor.")
        return 1
    print(
        f"Snapshot aktif: {pointer.snapshot_id}\n  berkas: {pointer.source_name}\n"
        f"  diimpor: {pointer.imported_at}\n  jumlah data: {pointer.record_count}"
    )
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    blobs, pointers = snapshot_stores(os.environ)
    directory = ActiveSnapshotDirectory(blobs, pointers)
    query = SdpQuery(
        prisoner_name=args.name,
        upt=args.upt,
        birth_date=parse_date(args.birth_date) if args.birth_date else None,
        registration_number=args.registration_number,
    )
    try:
        candidates = directory.search(query, args.limit)
    except SdpUnavailable as error:
        print(f"SDP tidak tersedia: {error}")
        return 1
    if not candidates:
        print("Tidak ada kandidat.")
    for candidate in candidates:
        print(
            f"{candidate.score:5.1f}  {candidate.registration_number}  {candidate.name}  "
            f"({candidate.upt})\n       {'; '.join(candidate.reasons)}"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.sdp_directory.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    imp = commands.add_parser("import", help="impor ekspor SDP (CSV/XLSX) menjadi snapshot aktif")
    imp.add_argument("file")
    imp.add_argument("--skip-invalid-rows", action="store_true")
    imp.add_argument("--dry-run", action="store_true")
    imp.set_defaults(run=cmd_import)
    commands.add_parser("status", help="snapshot yang aktif").set_defaults(run=cmd_status)
    search = commands.add_parser("search", help="cari di snapshot aktif")
    search.add_argument("name")
    search.add_argument("--upt")
    search.add_argument("--birth-date")
    search.add_argument("--registration-number")
    search.add_argument("--limit", type=int, default=5)
    search.set_defaults(run=cmd_search)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
