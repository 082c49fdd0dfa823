"""Warms a freshly started Firestore emulator before the stack says it is ready.

The emulator is a JVM: its first few hundred operations run interpreted, and a first submit
on a busy machine then ran past the functions' 9 s deadline and answered 503 (seen in the test
suite's first tests, never in a warm stack). A short burst of the kinds of calls the functions
make (transactions, queries, batched writes) moves that cost to start-up. It works in a project
of its own, so no kept data or export ever holds it. Local tooling only.

    python -m localdev.warm_up --host 127.0.0.1:8086 [--rounds 40]
"""

from __future__ import annotations

import argparse
import os
import time

WARM_UP_PROJECT = "local-warm-up"


def warm_up(rounds: int) -> float:
    from google.cloud import firestore
    from google.cloud.firestore_v1.base_query import FieldFilter

    started = time.monotonic()
    client = firestore.Client(project=WARM_UP_PROJECT)
    collection = client.collection("warm_up")
    for n in range(rounds):
        reference = collection.document(f"d{n % 8}")
        transaction = client.transaction()

        @firestore.transactional
        def bump(tx, reference=reference, n=n):
            snapshot = reference.get(transaction=tx)
            count = (snapshot.get("count") if snapshot.exists else 0) or 0
            tx.set(reference, {"count": count + 1, "n": n, "at": firestore.SERVER_TIMESTAMP})

        bump(transaction)
        query = collection.where(filter=FieldFilter("n", ">=", 0)).order_by("n").limit(5)
        list(query.stream())
        batch = client.batch()
        batch.set(collection.document(f"b{n % 4}"), {"n": n})
        batch.commit()
    for snapshot in collection.stream():
        snapshot.reference.delete()
    return time.monotonic() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", required=True, help="the emulator's host:port")
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args(argv)
    os.environ["FIRESTORE_EMULATOR_HOST"] = args.host
    print(f"firestore_warm_up_s={warm_up(args.rounds):.2f}")


if __name__ == "__main__":
    main()
