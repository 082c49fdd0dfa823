import pytest

from localdev.sdp.standin import StandInSdpService
from localdev.sdp.synthetic import generate_records
from shared.domain.sdp import SdpQuery, SdpUnavailable
from shared.sdp_directory.http_adapter import HttpSdpDirectory, HttpSdpSettings

RECORDS = list(generate_records(150, seed=31))


@pytest.fixture(scope="module")
def service():
    running = StandInSdpService(RECORDS, credential="rahasia-uji").start()
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def behave(service):
    service.failures.clear()
    service.retry_after = None
    service.delay_seconds = 0.0
    yield


def adapter(service, credential="rahasia-uji", **settings):
    sleeps: list[float] = []
    directory = HttpSdpDirectory(
        HttpSdpSettings(service.base_url, credential, **settings), sleep=sleeps.append
    )
    return directory, sleeps


def test_finds_a_person_with_scores_and_reasons(service):
    target = RECORDS[12]
    directory, _ = adapter(service)
    found = directory.search(SdpQuery(target.name), limit=3)
    assert found[0].registration_number == target.registration_number
    assert found[0].reasons
    assert found[0].extra["record"]["nama"] == target.name


def test_retries_with_backoff_then_succeeds(service):
    service.failures[:] = [503, 502]
    directory, sleeps = adapter(service, attempts=3, backoff_seconds=0.2)
    found = directory.search(SdpQuery(RECORDS[3].name))
    assert found[0].registration_number == RECORDS[3].registration_number
    assert len(sleeps) == 2
    assert 0.2 <= sleeps[0] <= 0.25 and 0.4 <= sleeps[1] <= 0.5


def test_honours_retry_after_within_a_cap(service):
    service.failures[:] = [429]
    service.retry_after = "120"
    directory, sleeps = adapter(service, max_retry_after_seconds=3)
    directory.search(SdpQuery(RECORDS[0].name))
    assert sleeps == [3]


def test_a_service_that_stays_down_is_unavailable_not_a_crash(service):
    service.failures[:] = [503, 503, 503]
    directory, sleeps = adapter(service, attempts=3)
    with pytest.raises(SdpUnavailable, match="3 percobaan"):
        directory.search(SdpQuery("Budi"))
    assert len(sleeps) == 2


def test_unreachable_and_slow_services(service):
    directory = HttpSdpDirectory(
        HttpSdpSettings("http://127.0.0.1:9", "x", attempts=2), sleep=lambda _: None
    )
    with pytest.raises(SdpUnavailable):
        directory.search(SdpQuery("Budi"))
    service.delay_seconds = 0.5
    slow, _ = adapter(service, timeout_seconds=0.1, attempts=1)
    with pytest.raises(SdpUnavailable):
        slow.search(SdpQuery("Budi"))


def test_a_refused_credential_is_reported_plainly(service):
    directory, sleeps = adapter(service, credential="salah")
    with pytest.raises(SdpUnavailable, match="kredensial"):
        directory.search(SdpQuery("Budi"))
    assert sleeps == []  # retrying a wrong credential helps nobody
