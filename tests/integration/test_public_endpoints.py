"""The public status endpoint's per-client limit, through HTTP as the load balancer forwards."""

import uuid

import pytest
import requests

from shared.service_layer.public import LOOKUPS_PER_WINDOW

pytestmark = pytest.mark.integration


def lookup(stack, client_ip: str, spoofed: str | None = None) -> requests.Response:
    # Google's load balancer appends "<client>, <balancer>"; what a client sends itself comes
    # before those and must not count.
    hops = ([spoofed] if spoofed else []) + [client_ip, "130.211.0.1"]
    return requests.post(
        f"{stack.site_url}/api/status",
        json={"tracking_code": "ACE-FGH-JK3", "contact": "081234567890"},
        headers={"X-Forwarded-For": ", ".join(hops)},
        timeout=10,
    )


def test_one_client_is_limited_and_others_are_not(local_stack):
    client = f"198.51.100.{uuid.uuid4().int % 250 + 1}"
    answers = [
        lookup(local_stack, client, spoofed=f"10.0.0.{n}").status_code
        for n in range(LOOKUPS_PER_WINDOW)
    ]
    assert 429 not in answers, answers  # wrong pairs: the generic answer, not a limit
    limited = lookup(local_stack, client, spoofed="10.9.9.9")
    assert limited.status_code == 429
    assert "Terlalu banyak percobaan" in limited.json()["message"]
    other = f"203.0.113.{uuid.uuid4().int % 250 + 1}"
    assert lookup(local_stack, other).status_code != 429
