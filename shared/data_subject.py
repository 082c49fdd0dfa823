"""The data subject's rights from the command line (when the page is unreachable, or for a
written request handled by an administrator):

    python -m shared.data_subject export --tracking-code K7Q-M4T-XAR --out data.zip
    python -m shared.data_subject erase --tracking-code K7Q-M4T-XAR --yes

`export` writes a ZIP of data.json (with the request's WhatsApp conversation) and the KTP
images still kept (readable by you alone); `erase` deletes the KTP images and the personal
fields of a closed request and its conversation's texts, leaving an anonymous shell for the
reports. Both are audited (who, which request; never the data).
Settings come from the environment, as for shared.operators.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path


def _dependencies():
    from shared.bootstrap import bootstrap
    from shared.config import Settings

    return bootstrap(Settings.from_env())


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def main(argv: list[str] | None = None, deps=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.data_subject", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    export = sub.add_parser("export", help="export one request's personal data and KTP")
    export.add_argument("--tracking-code", required=True)
    export.add_argument("--out", required=True, help="the ZIP file to write")
    erase = sub.add_parser("erase", help="erase one closed request's personal data and KTP")
    erase.add_argument("--tracking-code", required=True)
    erase.add_argument("--yes", action="store_true", help="erase without asking")
    args = parser.parse_args(argv)

    from shared.service_layer import privacy

    deps = deps or _dependencies()
    request = privacy.find_request(deps, args.tracking_code)
    if request is None:
        print("Tidak ada permohonan dengan kode pelacakan itu.", file=sys.stderr)
        return 2
    if args.command == "export":
        data = privacy.export_request(deps, request, _actor())
        out = Path(args.out)
        # Created readable by this user alone: it holds an ID card.
        descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        print(f"Data permohonan {request.tracking_code} tersimpan di {out}.")
        return 0
    if not args.yes:
        answer = input(f"Hapus data pribadi permohonan {request.tracking_code}? Ketik 'ya': ")
        if answer.strip().lower() != "ya":
            print("Dibatalkan.")
            return 1
    try:
        privacy.erase_request(deps, request, _actor())
    except privacy.NotErasable:
        print(
            "Permohonan masih berjalan; data dapat dihapus setelah permohonan selesai.",
            file=sys.stderr,
        )
        return 2
    print(f"Data pribadi permohonan {request.tracking_code} telah dihapus.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
