"""The OpenAPI file describes every public function (schemathesis then holds the code to it:
tests/integration/test_openapi.py)."""

from pathlib import Path

import yaml

from localdev.gateway import FUNCTIONS
from tests.infra import tf

OPENAPI = Path(__file__).resolve().parents[2] / "shared" / "entrypoints" / "openapi.yaml"

# Functions the public never calls as an API: why each is left out of the file.
NOT_PUBLIC_API = {
    "ktp_uploaded": "a storage finalize event, not HTTP",
    "sdp_lookup": "Cloud Tasks target, OIDC only",
    "dispatch": "Cloud Tasks target, OIDC only",
    "sweep": "Cloud Scheduler target, OIDC only",
    "retention": "Cloud Scheduler target, OIDC only",
    "operator": "the operator page: HTML behind its own sign-in (tests/integration/"
    "test_security_headers.py walks its routes)",
}


def _spec() -> dict:
    return yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))


def test_every_public_function_has_a_path():
    paths = _spec()["paths"]
    missing = [
        name for name in FUNCTIONS if name not in NOT_PUBLIC_API and f"/api/{name}" not in paths
    ]
    assert not missing, (
        f"add these functions' paths to {OPENAPI.name}, or (not called by the public: tasks, "
        f"scheduler) name them in NOT_PUBLIC_API with the reason: {missing}"
    )


def test_every_path_is_a_function_and_every_listed_exception_exists():
    for path in _spec()["paths"]:
        assert path.removeprefix("/api/") in FUNCTIONS, path
    assert set(NOT_PUBLIC_API) <= set(FUNCTIONS)


def test_the_file_is_openapi_3_with_an_operation_id_and_a_500_free_answer_set():
    import schemathesis

    spec = _spec()
    assert spec["openapi"].startswith("3.")
    schemathesis.openapi.from_dict(spec)  # refuses a malformed schema
    ids = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            ids.append(operation["operationId"])
            assert "500" not in operation["responses"], (path, method)
    assert len(ids) == len(set(ids))


def test_every_path_the_load_balancer_routes_to_a_function_is_in_the_file_or_excused():
    module = tf.load(tf.STACK).module("frontend")
    routed = {path.removesuffix("/*") for path in tf.attr(module, "api_backends")}
    paths = set(_spec()["paths"])
    excused = {f"/api/{name}" for name in NOT_PUBLIC_API}
    assert routed - excused <= paths, routed - excused - paths
