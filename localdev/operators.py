"""Operator accounts on the stack `make dev` runs (start it first): the settings of its
functions, then the same command as in the cloud (`python -m shared.operators`).

    .venv/bin/python -m localdev.operators create --username admin.lokal --role admin
"""

from __future__ import annotations

import os
import sys

from localdev.stack import LocalStack, StackConfig


def main(argv: list[str] | None = None) -> int:
    from shared import operators

    # The stack's own settings, on its default ports, over whatever the shell holds (an
    # emulator host left from another stack would send the account elsewhere); the clients
    # look for the emulators in the process environment.
    os.environ.update(LocalStack(StackConfig()).function_env())
    return operators.main(argv)


if __name__ == "__main__":
    sys.exit(main())
