"""`make dev` keeps the stand-ins' outbox across restarts (issue 12: a restart lost every
outbox message)."""

from localdev.provider_standin import Outbox, StandIn, ensure_sendgrid_key


def test_what_the_stand_ins_received_survives_a_restart(tmp_path):
    key = tmp_path / "sendgrid.pem"
    ensure_sendgrid_key(key)
    kept = tmp_path / "dev-data" / "outbox.jsonl"
    kept.parent.mkdir()
    first = StandIn(key, "secret", "http://127.0.0.1:1/api", auto_deliver=False)
    first.outbox = Outbox(kept)
    first._store({"channel": "whatsapp", "to": "6281234567890", "text": "Baris satu\nBaris dua"})

    again = StandIn(key, "secret", "http://127.0.0.1:1/api", auto_deliver=False)
    again.outbox = Outbox(kept)
    assert again.outbox.messages == [
        {"channel": "whatsapp", "to": "6281234567890", "text": "Baris satu\nBaris dua"}
    ]
    assert Outbox().messages == []  # the tests' stacks keep nothing
