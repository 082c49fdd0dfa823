"""Reading infra/ with python-hcl2: just enough structure to hold the .tf files against the code.

python-hcl2 wraps every attribute value in a one-element list and keeps references as
`${...}` strings; `attr` unwraps, `blocks` returns the nested blocks of a name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import hcl2

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
            parsed = hcl2.load(handle)
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
            config.locals.update({k: v[0] for k, v in item.items() if not k.startswith("__")})
        for item in parsed.get("variable", []):
            config.variables.update(item)
    return config


def stack() -> Config:
    return load(STACK)


def module_config(name: str) -> Config:
    return load(MODULES / name)


def attr(body: dict, key: str, default=None):
    """The value of attribute `key` (python-hcl2 wraps it in a one-element list)."""
    if key not in body:
        return default
    value = body[key]
    return value[0] if isinstance(value, list) and len(value) == 1 else value


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
