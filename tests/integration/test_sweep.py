"""The sweep through its HTTP entry point, as Cloud Scheduler calls it."""

import pytest
import requests

pytestmark = pytest.mark.integration


def test_only_the_scheduler_may_sweep(local_stack):
    url = f"{local_stack.site_url}/api/sweep"
    assert requests.post(url, json={}, timeout=30).status_code == 403
    answer = requests.post(url, json={}, headers={"X-CloudScheduler": "true"}, timeout=60)
    assert answer.status_code == 200
    assert set(answer.json()) == {"expired", "relayed", "failed", "uploads_reconciled"}
