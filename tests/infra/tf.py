"""Reading infra/ with python-hcl2: just enough structure to hold the .tf files against the code.

python-hcl2 (8.x, as pinned) is asked for plain values: no comments, no block markers, string
quotes stripped; references stay `${...}` strings. Nested blocks come as lists of dicts: `attr`
returns a single block as its dict, `blocks` returns all the blocks of a name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import hcl2
from hcl2 import SerializationOptions

_OPTIONS = SerializationOptions(
    with_comments=False, explicit_blocks=False, strip_string_quotes=True
)

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
MODULES = INFRA / "modules"
STACK = MODULES / "remisi"
ENVIRONMENTS = ("staging", "production")


@dataclass
class Config:
    """The blocks of every .tf file in one directory (one Terraform module)."""

    path: Path
    resources: dict[tuple[str, str], dict] = field(default_factory=dict)
    data: dict[tuple[str, str], dict] = field(default_factory=dict)
    modules: dict[str, dict] = field(default_factory=dict)
    locals: dict[str, object] = field(default_factory=dict)
    variables: dict[str, dict] = field(default_factory=dict)

    def resource(self, type_: str, name: str) -> dict:
        return self.resources[(type_, name)]

    def of_type(self, type_: str) -> dict[str, dict]:
        return {name: body for (t, name), body in self.resources.items() if t == type_}

    def module(self, name: str) -> dict:
        return self.modules[name]

    def modules_from(self, source: str) -> dict[str, dict]:
        return {name: body for name, body in self.modules.items() if attr(body, "source") == source}

    def default(self, variable: str):
        return attr(self.variables[variable], "default")


@cache
def load(directory: Path) -> Config:
    config = Config(directory)
    for path in sorted(directory.glob("*.tf")):
        with path.open() as handle:
            parsed = hcl2.load(handle, serialization_options=_OPTIONS)
        for item in parsed.get("resource", []):
            for type_, named in item.items():
                for name, body in named.items():
                    config.resources[(type_, name)] = body
        for item in parsed.get("data", []):
            for type_, named in item.items():
                for name, body in named.items():
                    config.data[(type_, name)] = body
        for item in parsed.get("module", []):
            config.modules.update(item)
        for item in parsed.get("locals", []):
            config.locals.update({k: v for k, v in item.items() if not k.startswith("__")})
        for item in parsed.get("variable", []):
            config.variables.update(item)
    return config


def stack() -> Config:
    return load(STACK)


def module_config(name: str) -> Config:
    return load(MODULES / name)


def attr(body: dict, key: str, default=None):
    """The value of attribute `key`; a single nested block of that name as its dict."""
    if key not in body:
        return default
    value = body[key]
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
        return value[0]
    return value


def blocks(body: dict, key: str) -> list[dict]:
    return list(body.get(key, []))


def ref(expression: str) -> str:
    """`${module.x.name}` -> `module.x.name` (only for whole-value references)."""
    assert isinstance(expression, str) and expression.startswith("${") and expression.endswith("}")
    return expression[2:-1]


def resolve(config: Config, value):
    """Follow `${local.NAME}` to the local's literal value (one level, as the stack uses it)."""
    if isinstance(value, str) and value.startswith("${local.") and value.endswith("}"):
        return config.locals[ref(value).removeprefix("local.")]
    return value


def all_tf_files() -> list[Path]:
    return sorted(p for p in INFRA.rglob("*.tf") if ".terraform" not in p.parts)
