"""infra/ as the google and archive providers would take it: every resource, data source and
provider block against the schema of the pinned provider versions (tests/infra/provider_schema.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import hcl2
import pytest
from hcl2 import SerializationOptions

from tests.infra import provider_schema
from tests.infra.provider_schema import check, infra_files, schemas
from tests.infra.tf import ENVIRONMENTS, INFRA, MODULES

PLAIN = SerializationOptions(with_comments=False, explicit_blocks=False, strip_string_quotes=True)
HEADER = re.compile(r'^(resource|data) "(\w+)" "(\w+)"|^provider "(\w+)"', re.M)


def test_every_block_of_infra_is_valid_for_the_pinned_providers():
    report = check(infra_files(), relative_to=INFRA)
    assert not report.problems, "\n".join(map(str, report.problems))
    # The check saw every block a plain text scan finds, so none was skipped unread.
    scanned = set()
    for path in infra_files():
        for match in HEADER.finditer(path.read_text()):
            kind, type_, name, provider = match.groups()
            block = f'{kind} "{type_}" "{name}"' if kind else f'provider "{provider}"'
            scanned.add((path.relative_to(INFRA).as_posix(), block))
    assert set(report.blocks) == scanned
    assert len(scanned) > 40


def _constraint_admits(constraint: str, version: str) -> bool:
    """Terraform's `~> X.Y` (>= X.Y, < X+1) and `~> X.Y.Z` (>= X.Y.Z, < X.Y+1), the only forms
    infra/ uses."""
    match = re.fullmatch(r"~>\s*(\d+(?:\.\d+){1,2})", constraint.strip())
    assert match, f"write provider pins as '~> X.Y' (got {constraint!r})"
    low = [int(p) for p in match[1].split(".")]
    have = [int(p) for p in version.split(".")]
    high = [*low[:-2], low[-2] + 1]
    return have >= low and have[: len(high)] < high


def required_providers(directory: Path) -> dict[str, dict]:
    """The `required_providers` of a module's `terraform` block (tf.load does not keep it)."""
    pins = {}
    for path in sorted(directory.glob("*.tf")):
        parsed = hcl2.loads(path.read_text(), serialization_options=PLAIN)
        for terraform in parsed.get("terraform", []):
            for block in terraform.get("required_providers", []):
                pins.update(block)
    return pins


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_environments_pin_exactly_the_provider_majors_whose_schema_is_checked(environment):
    pins = required_providers(INFRA / "environments" / environment)
    assert set(pins) == set(schemas()), "a provider without a checked schema, or the reverse"
    for name, schema in schemas().items():
        constraint = pins[name]["version"]
        assert pins[name]["source"] == f"hashicorp/{name}"
        assert _constraint_admits(constraint, schema.provider_version), (
            f"{environment} pins {name} {constraint}, the schema checked is "
            f"{schema.provider_version} ({schema.package}): move them together"
        )
        # The lower bound is the checked version: older minors may lack what infra/ uses.
        low = constraint.split("~>")[1].strip()
        assert schema.provider_version.startswith(low + "."), (constraint, schema.provider_version)


def test_modules_leave_the_provider_versions_to_the_environments():
    for directory in sorted(p for p in MODULES.iterdir() if p.is_dir()):
        for name, spec in required_providers(directory).items():
            assert "version" not in spec, f"{directory.name} pins {name}: pin in environments/"
            assert spec["source"] == f"hashicorp/{name}"


# --- the check fails on a broken file, naming the file, the line and the block ------------------

BUCKET = """resource "google_storage_bucket" "b" {{
  name     = "n"
  location = "asia-southeast2"
{body}
}}
"""

BROKEN = {
    "unknown resource type": (
        'resource "google_storage_buckett" "b" {\n  name = "n"\n}\n',
        'resource "google_storage_buckett" "b": google 8.7.0 has no resource type '
        'google_storage_buckett (did you mean "google_storage_bucket"?)',
    ),
    "unknown data source": (
        'data "google_projekt" "p" {}\n',
        'data "google_projekt" "p": google 8.7.0 has no data type google_projekt',
    ),
    "provider without a pinned schema": (
        'resource "aws_s3_bucket" "b" {}\n',
        'no schema for provider "aws"',
    ),
    "argument with a misplaced underscore": (
        BUCKET.format(body="  uniform_bucket_level_acc_ess = true"),
        'unknown argument "uniform_bucket_level_acc_ess" '
        '(did you mean "uniform_bucket_level_access"?)',
    ),
    "unknown argument": (
        BUCKET.format(body='  storage_clas = "STANDARD"'),
        'resource "google_storage_bucket" "b": unknown argument "storage_clas" '
        '(did you mean "storage_class"?)',
    ),
    "unknown block": (
        BUCKET.format(body="  versionin {\n    enabled = true\n  }"),
        'unknown block "versionin" (did you mean "versioning"?)',
    ),
    "unknown argument in a nested block": (
        BUCKET.format(body="  versioning {\n    enable = true\n  }"),
        'resource "google_storage_bucket" "b": versioning: unknown argument "enable"',
    ),
    "unknown argument two blocks deep": (
        BUCKET.format(
            body='  lifecycle_rule {\n    action {\n      type = "Delete"\n    }\n'
            "    condition {\n      agee = 1\n    }\n  }"
        ),
        'lifecycle_rule.condition: unknown argument "agee"',
    ),
    "unknown argument in a dynamic block's content": (
        BUCKET.format(
            body='  dynamic "cors" {\n    for_each = ["x"]\n    content {\n'
            '      metod = ["PUT"]\n    }\n  }'
        ),
        'resource "google_storage_bucket" "b": cors: unknown argument "metod"',
    ),
    "dynamic block of an unknown name": (
        BUCKET.format(body='  dynamic "corz" {\n    for_each = ["x"]\n    content {}\n  }'),
        'dynamic corz: "corz" is not a block here (did you mean "cors"?)',
    ),
    "dynamic block without content": (
        BUCKET.format(body='  dynamic "cors" {\n    for_each = ["x"]\n  }'),
        "dynamic cors: a dynamic block needs for_each and one content block",
    ),
    "missing required argument": (
        'resource "google_storage_bucket" "b" {\n  name = "n"\n}\n',
        'resource "google_storage_bucket" "b": missing required argument "location"',
    ),
    "missing required argument of a nested block": (
        'resource "google_project_iam_member" "m" {\n  project = "p"\n  role = "r"\n'
        '  member = "m"\n  condition {\n    title = "t"\n  }\n}\n',
        'condition: missing required argument "expression"',
    ),
    "missing required argument in a dynamic block's content": (
        'resource "google_project_iam_member" "m" {\n  project = "p"\n  role = "r"\n'
        '  member = "m"\n  dynamic "condition" {\n    for_each = ["x"]\n'
        '    content {\n      title = "t"\n    }\n  }\n}\n',
        'condition: missing required argument "expression"',
    ),
    "missing required block": (
        'resource "google_secret_manager_secret" "s" {\n  secret_id = "s"\n}\n',
        'missing required block "replication"',
    ),
    "block written as an argument": (
        BUCKET.format(body="  versioning = { enabled = true }"),
        '"versioning" is a block: write `versioning { ... }`',
    ),
    "argument written as a block": (
        BUCKET.format(body='  labels {\n    a = "b"\n  }'),
        '"labels" is an argument: write `labels = ...`',
    ),
    "unknown argument of a data source": (
        'data "google_project" "p" {\n  project_idd = "p"\n}\n',
        'data "google_project" "p": unknown argument "project_idd"',
    ),
    "unknown provider setting": (
        'provider "google" {\n  user_project_overide = true\n}\n',
        'provider "google": unknown argument "user_project_overide"',
    ),
    "archive provider too": (
        'data "archive_file" "a" {\n  type = "zip"\n  output_path = "x.zip"\n'
        '  source {\n    content = "x"\n    file_name = "a"\n  }\n}\n',
        'data "archive_file" "a": source: unknown argument "file_name" (did you mean "filename"?)',
    ),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_a_broken_file_fails_with_the_file_line_and_block(tmp_path, case):
    text, expected = BROKEN[case]
    path = tmp_path / "modules" / "broken" / "main.tf"
    path.parent.mkdir(parents=True)
    path.write_text("# A deliberately broken file.\n\n" + text)
    report = check([path], relative_to=tmp_path)
    messages = [str(p) for p in report.problems]
    assert any(expected in m for m in messages), messages
    # Each problem names the file and the line of its block's header (line 3 here).
    assert all(m.startswith("modules/broken/main.tf:3: ") for m in messages), messages


def test_the_same_blocks_written_correctly_pass(tmp_path):
    path = tmp_path / "ok.tf"
    path.write_text(
        BUCKET.format(
            body='  storage_class = "STANDARD"\n  labels = { a = "b" }\n'
            "  versioning {\n    enabled = true\n  }\n"
            '  dynamic "cors" {\n    for_each = ["x"]\n    content {\n'
            '      method = ["PUT"]\n    }\n  }\n'
            "  lifecycle {\n    prevent_destroy = true\n  }\n  count = 1"
        )
        # jsii folds digits (detectMd5Hash) and renames `build` (buildAttribute): both accepted.
        + 'resource "google_storage_bucket_object" "o" {\n  name = "o"\n  bucket = "b"\n'
        '  detect_md5hash = "x"\n}\n'
        + 'resource "google_cloudbuild_trigger" "t" {\n  build {\n    step {\n'
        '      name = "gcr.io/cloud-builders/docker"\n    }\n  }\n}\n'
        + 'resource "google_secret_manager_secret" "s" {\n  secret_id = "s"\n'
        '  dynamic "replication" {\n    for_each = [1]\n    content {\n      auto {}\n'
        "    }\n  }\n}\n"
    )
    report = check([path])
    assert report.problems == []
    assert len(report.blocks) == 4


def test_the_reduced_schema_is_cached_next_to_the_wheels():
    schemas()
    for pin in provider_schema.pins():
        assert pin.wheel.is_file()
        assert (provider_schema.CACHE / f"{pin.package}-{pin.version}.schema.json").is_file()


def test_the_schema_knows_what_infra_relies_on():
    # Guards the reduction itself: a misread assembly would pass everything or nothing.
    google = schemas()["google"]
    function = google.structs[google.resources["google_cloudfunctions2_function"]]
    assert function["name"][1] is True and function["name"][2] is None
    build = google.structs[function["buildconfig"][2]]
    assert build["runtime"][1] is False and build["entrypoint"][0] == "entry_point"
    assert len(google.resources) > 1000 and len(google.data) > 300
