import pytest

from shared.config import LOCAL_ONLY, SETTINGS, ConfigurationError, Settings

CLOUD = {
    "REMISI_MODE": "cloud",
    "GOOGLE_CLOUD_PROJECT": "remisi-prod",
    "REMISI_REGION": "asia-southeast2",
    "KTP_BUCKET": "remisi-prod-ktp",
    "SDP_LOOKUP_QUEUE": "sdp-lookup",
    "SDP_LOOKUP_URL": "https://asia-southeast2-remisi-prod.cloudfunctions.net/sdp-lookup",
    "TASKS_SERVICE_ACCOUNT": "tasks@remisi-prod.iam.gserviceaccount.com",
    "SWEEP_URL": "https://asia-southeast2-remisi-prod.cloudfunctions.net/sweep",
    "SCHEDULER_SERVICE_ACCOUNT": "scheduler@remisi-prod.iam.gserviceaccount.com",
    "SIGNING_SERVICE_ACCOUNT": "submit@remisi-prod.iam.gserviceaccount.com",
    "SDP_SOURCE": "gcs",
    "SDP_BUCKET": "remisi-prod-sdp",
    "DISPATCH_QUEUE": "dispatch",
    "DISPATCH_URL": "https://asia-southeast2-remisi-prod.cloudfunctions.net/dispatch",
}


def test_a_complete_cloud_configuration_loads():
    settings = Settings.from_env(CLOUD)
    assert not settings.is_local
    assert settings.upload_url_valid_for.total_seconds() == 900
    assert dict(settings.sdp) == {"SDP_SOURCE": "gcs", "SDP_BUCKET": "remisi-prod-sdp"}


def test_no_mode_is_refused_rather_than_guessed():
    with pytest.raises(ConfigurationError, match="REMISI_MODE"):
        Settings.from_env({k: v for k, v in CLOUD.items() if k != "REMISI_MODE"})


@pytest.mark.parametrize(
    "name", [s.env for s in SETTINGS if s.cloud_required and s.env != "REMISI_MODE"]
)
def test_every_missing_cloud_setting_is_named(name):
    with pytest.raises(ConfigurationError, match=name):
        Settings.from_env({k: v for k, v in CLOUD.items() if k != name})


@pytest.mark.parametrize("name", LOCAL_ONLY)
def test_emulator_settings_are_refused_in_the_cloud(name):
    with pytest.raises(ConfigurationError, match=name):
        Settings.from_env({**CLOUD, name: "127.0.0.1:1"})


@pytest.mark.parametrize("source", ["demo", "local", ""])
def test_the_cloud_never_answers_from_synthetic_or_local_sdp_data(source):
    with pytest.raises(ConfigurationError, match="SDP_SOURCE"):
        Settings.from_env({**CLOUD, "SDP_SOURCE": source})


def test_each_sdp_source_names_what_it_lacks():
    with pytest.raises(ConfigurationError, match="SDP_BUCKET"):
        Settings.from_env({k: v for k, v in CLOUD.items() if k != "SDP_BUCKET"})
    with pytest.raises(ConfigurationError, match="SDP_SERVICE_URL, SDP_SERVICE_CREDENTIAL"):
        Settings.from_env({**CLOUD, "SDP_SOURCE": "http"})


def test_local_mode_needs_its_emulators_and_defaults_the_rest():
    with pytest.raises(ConfigurationError, match="FIRESTORE_EMULATOR_HOST"):
        Settings.from_env({"REMISI_MODE": "local"})
    settings = Settings.from_env(
        {
            "REMISI_MODE": "local",
            "FIRESTORE_EMULATOR_HOST": "127.0.0.1:8085",
            "STORAGE_EMULATOR_HOST": "http://127.0.0.1:9023",
            "CLOUD_TASKS_EMULATOR_HOST": "127.0.0.1:8123",
            "STORAGE_PUBLIC_URL": "http://127.0.0.1:9199",
            "LOCAL_SIGNING_KEY_FILE": "/tmp/key.json",
        }
    )
    assert settings.is_local and settings.ktp_bucket == "remisi-ktp-local"
    assert dict(settings.sdp) == {"SDP_SOURCE": "local"}


def test_upload_validity_is_bounded():
    with pytest.raises(ConfigurationError, match="UPLOAD_URL_MINUTES"):
        Settings.from_env({**CLOUD, "UPLOAD_URL_MINUTES": "600"})
