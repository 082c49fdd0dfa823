"""Holds every `resource`, `data` and `provider` block of infra/ against the providers' own schema.

`terraform validate` needs the provider binaries, which cannot be downloaded here. The prebuilt
CDK bindings on PyPI (infra/requirements-provider-schema.txt) carry the same schema as a jsii
assembly: per resource a config struct listing each argument and nested block, and which are
required. The wheels are downloaded by `make provider-schema`; the 130 MB assembly is reduced
once to a small JSON next to them, so a test run reads that in well under a second.

jsii camel-cases names and folds digits (`detect_md5hash` is `detectMd5Hash`), and renames a few
that clash with its own members (`build` is `buildAttribute`). Most properties' docs link the
registry page with the real name as anchor (`...#entry_point`): those names must match exactly.
The rest (IAM resources, timeouts) are compared without underscores and case.

    .venv/bin/python -m tests.infra.provider_schema       # every problem, or a one-line summary
"""

from __future__ import annotations

import difflib
import gzip
import io
import json
import os
import re
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import hcl2
from hcl2 import SerializationOptions

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
REQUIREMENTS = INFRA / "requirements-provider-schema.txt"
CACHE = INFRA / ".provider-schema"
FORMAT = 3  # of the reduced JSON; a change rebuilds it

# explicit_blocks marks blocks (`__is_block__`), so `labels = {...}` and `labels {...}` differ,
# as they do to Terraform.
_OPTIONS = SerializationOptions(with_comments=False, explicit_blocks=True, strip_string_quotes=True)
_MARKERS = {"__is_block__", "__start_line__", "__end_line__"}
# Terraform's own arguments and blocks, valid in every resource (data sources take fewer).
_RESOURCE_META = {"count", "for_each", "depends_on", "provider", "lifecycle"}
_RESOURCE_META_BLOCKS = {"lifecycle", "provisioner", "connection"}
_PROVIDER_META = {"alias"}
_DYNAMIC_KEYS = {"for_each", "iterator", "labels", "content"}
_LINK = re.compile(
    r"\{@link https://registry\.terraform\.io/providers/[\w-]+/([\w-]+)/(\d+\.\d+\.\d+)/docs"
    r"(?:/(resources|data-sources)/\w+)? ([\w-]+)\}"
)
_ANCHOR = re.compile(r"\{@link https://registry\.terraform\.io/\S+#(\w+) \w+#\w+\}")


def normal(name: str) -> str:
    return name.replace("_", "").lower()


# --- the schema ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pin:
    package: str
    version: str

    @property
    def wheel(self) -> Path:
        return CACHE / f"{self.package.replace('-', '_')}-{self.version}-py3-none-any.whl"


def pins() -> list[Pin]:
    found = []
    for line in REQUIREMENTS.read_text().splitlines():
        match = re.match(r"^([a-z0-9-]+)==([\w.]+)\s", line)
        if match:
            found.append(Pin(match[1], match[2]))
    return found


class SchemaMissing(RuntimeError):
    pass


def _read_assembly(wheel: Path) -> dict:
    with zipfile.ZipFile(wheel) as archive:
        (inner,) = [n for n in archive.namelist() if n.endswith(".jsii.tgz")]
        with tarfile.open(fileobj=io.BytesIO(archive.read(inner))) as tar:
            assembly = json.load(tar.extractfile("package/.jsii"))
            if assembly.get("schema") == "jsii/file-redirect":
                data = tar.extractfile("package/" + assembly["filename"]).read()
                if assembly.get("compression") == "gzip":
                    data = gzip.decompress(data)
                assembly = json.loads(data)
    return assembly


def _reduce(assembly: dict, pin: Pin) -> dict:
    """Only what the check needs: per struct, each property's name, required flag, block type."""
    types = assembly["types"]
    prefix = assembly["name"] + "."
    structs: dict[str, dict] = {}
    for fqn, spec in types.items():
        if spec["kind"] != "interface" or not spec.get("datatype"):
            continue
        properties = {}
        for prop in spec.get("properties", []):
            # A property typed by one of the assembly's structs (alone, in a list or behind
            # IResolvable) is a nested block in HCL; everything else is an argument.
            nested = re.findall(r'"fqn": "(' + re.escape(prefix) + r'[^"]+)"', json.dumps(prop))
            nested = [n for n in nested if types[n]["kind"] == "interface"]
            anchor = _ANCHOR.search(prop.get("docs", {}).get("remarks", ""))
            display = anchor[1] if anchor else _snake(prop["name"])
            key = normal(prop["name"])
            # [HCL name, required, block struct, primary key, name known exactly]
            required = not prop.get("optional", False)
            entry = [display, required, nested[0] if nested else None, key, bool(anchor)]
            properties[key] = entry
            if normal(display) != key:  # a renamed one: `build` is `buildAttribute`
                properties[normal(display)] = entry
        structs[fqn] = properties

    resources, data, provider, name, version = {}, {}, None, None, None
    for spec in types.values():
        # cdktn.* today, cdktf.* in the bindings of older provider majors.
        base = (spec.get("base") or "").rpartition(".")[2]
        if base not in ("TerraformResource", "TerraformDataSource", "TerraformProvider"):
            continue
        link = _LINK.search(spec["docs"]["summary"])
        config = next(p for p in spec["initializer"]["parameters"] if p["name"] == "config")
        config_fqn = config["type"]["fqn"]
        if base == "TerraformProvider":
            provider, name, version = config_fqn, link[1], link[2]
        elif link[3] == "resources":
            resources[link[4]] = config_fqn
        else:
            data[link[4]] = config_fqn
    return {
        "format": FORMAT,
        "package": f"{pin.package}=={pin.version}",
        "provider": name,
        "provider_version": version,
        "provider_config": provider,
        "resources": resources,
        "data": data,
        "structs": structs,
    }


@dataclass(frozen=True)
class Schema:
    provider: str
    provider_version: str
    package: str
    resources: dict[str, str]
    data: dict[str, str]
    provider_config: str
    structs: dict[str, dict[str, list]]


def _load_one(pin: Pin) -> Schema:
    reduced = CACHE / f"{pin.package}-{pin.version}.schema.json"
    content = None
    if reduced.is_file():
        content = json.loads(reduced.read_text())
        if content.get("format") != FORMAT:
            content = None
    if content is None:
        if not pin.wheel.is_file():
            raise SchemaMissing(
                f"{pin.wheel.relative_to(ROOT)} is missing: run `make provider-schema` "
                "(it downloads the pinned bindings from PyPI once)"
            )
        content = _reduce(_read_assembly(pin.wheel), pin)
        # Atomically: parallel test workers may build it at the same time.
        partial = reduced.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(content, separators=(",", ":")))
        os.replace(partial, reduced)
    content.pop("format")
    return Schema(**content)


@cache
def schemas() -> dict[str, Schema]:
    """Provider local name (`google`, `archive`) -> its schema."""
    loaded = [_load_one(pin) for pin in pins()]
    return {schema.provider: schema for schema in loaded}


# --- the check ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    block: str  # `resource "google_storage_bucket" "this"`
    path: str  # where inside it: `service_config.secret_environment_variables`
    message: str

    def __str__(self) -> str:
        where = f" {self.path}:" if self.path else ""
        return f"{self.file}:{self.line}: {self.block}:{where} {self.message}"


@dataclass
class Report:
    problems: list[Problem]
    blocks: list[tuple[str, str]]  # (file, block) of every block checked


def _keys(body: dict) -> list[str]:
    return [k for k in body if k not in _MARKERS]


def _is_blocks(value) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, dict) and v.get("__is_block__") for v in value)
    )


def _suggest(name: str, candidates) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.75)
    return f' (did you mean "{close[0]}"?)' if close else ""


class _Checker:
    def __init__(self, schema: Schema, report: Report, file: str, line: int, block: str):
        self.schema, self.report = schema, report
        self.file, self.line, self.block = file, line, block

    def problem(self, path: list[str], message: str) -> None:
        self.report.problems.append(
            Problem(self.file, self.line, self.block, ".".join(path), message)
        )

    def body(self, body: dict, struct: str, path: list[str], meta=(), meta_blocks=()) -> None:
        properties = self.schema.structs[struct]
        names = [p[0] for p in properties.values()]
        present = set()
        for key in _keys(body):
            value = body[key]
            # `dynamic "label" { ... }` comes as [{"label": {..., "content": [...]}}].
            if key == "dynamic" and isinstance(value, list) and "dynamic" not in properties:
                for dynamic in value:
                    for label in _keys(dynamic):
                        if normal(label) in properties:
                            present.add(properties[normal(label)][3])
                        self.dynamic(label, dynamic[label], properties, path)
                continue
            if key in meta_blocks:
                continue
            if key in meta and not _is_blocks(value):
                continue
            entry = properties.get(normal(key))
            if entry is not None and entry[4] and key != entry[0]:
                entry = None  # `file_name` for `filename`: the registry anchor is exact
            if entry is None:
                kind = "block" if _is_blocks(value) else "argument"
                self.problem(path, f'unknown {kind} "{key}"{_suggest(key, names)}')
                continue
            present.add(entry[3])
            nested = entry[2]
            if nested and not _is_blocks(value):
                self.problem(
                    path, f'"{key}" is a block: write `{key} {{ ... }}`, not `{key} = ...`'
                )
            elif not nested and _is_blocks(value):
                self.problem(path, f'"{key}" is an argument: write `{key} = ...`, not a block')
            elif nested:
                for instance in value:
                    self.body(instance, nested, [*path, key])
        for key, (name, required, nested, primary, _) in properties.items():
            if required and key == primary and key not in present:
                kind = "block" if nested else "argument"
                self.problem(path, f'missing required {kind} "{name}"')

    def dynamic(self, label: str, spec: dict, properties: dict, path: list[str]) -> None:
        where = [*path, f"dynamic {label}"]
        entry = properties.get(normal(label))
        if entry is not None and entry[4] and label != entry[0]:
            entry = None
        if entry is None or entry[2] is None:
            names = [p[0] for p in properties.values() if p[2]]
            what = "an argument, not a block" if entry else "not a block here"
            self.problem(where, f'"{label}" is {what}{_suggest(label, names) if not entry else ""}')
            return
        for key in _keys(spec):
            if key not in _DYNAMIC_KEYS:
                self.problem(where, f'unknown argument "{key}" of a dynamic block')
        contents = spec.get("content")
        if "for_each" not in spec or not _is_blocks(contents):
            self.problem(where, "a dynamic block needs for_each and one content block")
            return
        for content in contents:
            self.body(content, entry[2], [*path, label])


def _snake(jsii_name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", jsii_name).lower()


def _line(text: str, words: tuple[str, ...]) -> int:
    pattern = r"^[ \t]*" + r"[ \t]+".join(f'"?{re.escape(w)}"?' for w in words) + r"\s*\{"
    match = re.search(pattern, text, re.M)
    return text.count("\n", 0, match.start()) + 1 if match else 0


def _top_blocks(parsed: dict):
    """(kind, labels, body) of every resource, data and provider block of one parsed file."""
    for kind in ("resource", "data"):
        for item in parsed.get(kind, []):
            for type_, named in item.items():
                for label, body in named.items() if type_ not in _MARKERS else ():
                    if label not in _MARKERS:
                        yield kind, (type_, label), body
    for item in parsed.get("provider", []):
        for local_name, body in item.items():
            if local_name not in _MARKERS:
                yield "provider", (local_name,), body


def _where(schema: Schema | None, kind: str, labels: tuple[str, ...]) -> tuple[str | None, str]:
    """The struct a block's body must follow, or why there is none."""
    provider = labels[0].split("_", 1)[0]
    if schema is None:
        return None, f'no schema for provider "{provider}": pin its bindings in {REQUIREMENTS.name}'
    if kind == "provider":
        return schema.provider_config, ""
    table = schema.resources if kind == "resource" else schema.data
    if labels[0] in table:
        return table[labels[0]], ""
    version = f"{schema.provider} {schema.provider_version}"
    return None, f"{version} has no {kind} type {labels[0]}{_suggest(labels[0], table)}"


_META = {
    "resource": (_RESOURCE_META, _RESOURCE_META_BLOCKS),
    "data": (_RESOURCE_META - {"lifecycle"}, {"lifecycle"}),
    "provider": (_PROVIDER_META, set()),
}


def check_file(path: Path, report: Report, relative_to: Path | None = None) -> None:
    text = path.read_text()
    parsed = hcl2.loads(text, serialization_options=_OPTIONS)
    name = path.relative_to(relative_to).as_posix() if relative_to else str(path)
    for kind, labels, body in _top_blocks(parsed):
        block = kind + "".join(f' "{label}"' for label in labels)
        line = _line(text, (kind, *labels))
        report.blocks.append((name, block))
        schema = schemas().get(labels[0].split("_", 1)[0])
        struct, problem = _where(schema, kind, labels)
        if struct is None:
            report.problems.append(Problem(name, line, block, "", problem))
            continue
        meta, meta_blocks = _META[kind]
        _Checker(schema, report, name, line, block).body(body, struct, [], meta, meta_blocks)


def check(paths: list[Path], relative_to: Path | None = None) -> Report:
    report = Report([], [])
    for path in paths:
        check_file(path, report, relative_to)
    return report


def infra_files() -> list[Path]:
    skip = {".terraform", ".venv-checkov", ".provider-schema", ".build"}
    return sorted(p for p in INFRA.rglob("*.tf") if not skip & set(p.parts))


def main() -> int:
    report = check(infra_files(), relative_to=INFRA)
    for problem in report.problems:
        print(problem)
    versions = ", ".join(f"{s.provider} {s.provider_version}" for s in schemas().values())
    print(
        f"{len(report.blocks)} blocks checked against {versions}: {len(report.problems)} problems"
    )
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
