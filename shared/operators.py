"""Operator accounts from the command line (the first admin, or when the page is unreachable).

    python -m shared.operators create --username admin.banten --role admin --name "Nama Admin"

The password is read without echo (or from stdin with --password-stdin); the TOTP enrolment is
printed once, with a QR code in the terminal and in an SVG file (readable by you alone, in the
temporary folder unless --qr-file says where) to hand to the operator. Settings come from the
environment, as for the functions (REMISI_MODE, GOOGLE_CLOUD_PROJECT, ...); for the stack
`make dev` runs, `python -m localdev.operators` sets them.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import tempfile
from pathlib import Path

import segno

from shared.domain.accounts import AccountInvalid, Role


def _dependencies():
    from shared.bootstrap import bootstrap
    from shared.config import Settings

    return bootstrap(Settings.from_env())


def create(args, deps=None) -> int:
    from shared.service_layer import auth

    deps = deps or _dependencies()
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Kata sandi awal: ")
        if getpass.getpass("Ulangi kata sandi: ") != password:
            print("Kata sandi tidak sama.", file=sys.stderr)
            return 2
    try:
        enrolment = auth.create_operator(
            deps, args.username, args.name, Role(args.role), password, actor="cli"
        )
    except AccountInvalid as invalid:
        print(f"Gagal: {invalid}", file=sys.stderr)
        return 2
    qr = segno.make(enrolment.totp_uri, error="m")
    qr_file = _qr_file(args.qr_file, enrolment.operator.username)
    qr.save(str(qr_file), scale=6)
    os.chmod(qr_file, 0o600)
    print(f"Akun dibuat: {enrolment.operator.username} ({enrolment.operator.role.label})")
    print(f"Kunci TOTP (tampil sekali): {enrolment.totp_secret}")
    print(f"URI autentikator: {enrolment.totp_uri}")
    print(f"Kode QR tersimpan di {qr_file} (hapus setelah dipindai).")
    if not args.no_terminal_qr:
        qr.terminal(compact=True)
    return 0


def _qr_file(given: str | None, username: str) -> Path:
    # Never the working directory by default (a repository would show it to git): a file of
    # its own in the temporary folder, created readable by this user alone.
    if given:
        return Path(given)
    descriptor, name = tempfile.mkstemp(prefix=f"totp-{username}-", suffix=".svg")
    os.close(descriptor)
    return Path(name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.operators", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("create", help="create an operator account")
    make.add_argument("--username", required=True)
    make.add_argument("--role", required=True, choices=[r.value for r in Role])
    make.add_argument("--name", help="full name shown on the page (default: the username)")
    make.add_argument("--password-stdin", action="store_true")
    make.add_argument("--qr-file", help="where to write the enrolment QR (SVG)")
    make.add_argument("--no-terminal-qr", action="store_true")
    args = parser.parse_args(argv)
    args.name = args.name or args.username
    return create(args)


if __name__ == "__main__":
    sys.exit(main())
