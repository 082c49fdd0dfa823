"""Write a synthetic SDP export (never real people) to try the import with.

.venv/bin/python -m localdev.sdp.sample --records 200 contoh.xlsx   (or .csv)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from localdev.sdp.synthetic import generate_records
from shared.sdp_directory.importer import write_csv, write_xlsx


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localdev.sdp.sample")
    parser.add_argument("output")
    parser.add_argument("--records", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    out = Path(args.output)
    records = list(generate_records(args.records, args.seed))
    out.write_bytes(write_xlsx(records) if out.suffix.lower() == ".xlsx" else write_csv(records))
    print(f"{len(records)} data sintetis (bukan orang sungguhan) ditulis ke {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
