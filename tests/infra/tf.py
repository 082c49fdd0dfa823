"""Reading infra/ with python-hcl2: just enough structure to hold the .tf files against the code.

python-hcl2 (8.x, as pinned) is asked for plain values: no comments, no block markers, string
quotes stripped; references stay `${...}` strings. Nested blocks come as lists of dicts: `attr`
returns a single block as its dict, `blocks` returns all the blocks of a name.
"""

from __future__ import annotations

import re
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


def instances(config: Config, module_name: str) -> dict[str, dict]:
    """Each instance of a `for_each` module call as the module receives it: the call's arguments
    with `each.key` and `each.value.X` filled in from the table row. An input the row leaves out
    (`try(each.value.X, null)`) is absent, so the module's default applies; a map picked by the
    row's list of names (`{ for k in each.value.X : k => local.M[k] }`) is that part of the map."""
    call = config.module(module_name)
    table = resolve(config, attr(call, "for_each"))
    assert isinstance(table, dict), f"module.{module_name}: for_each must name a table"
    found = {}
    for key, row in table.items():
        inputs = {}
        for argument, value in call.items():
            if argument in ("source", "for_each", "depends_on") or argument.startswith("__"):
                continue
            optional = _OPTIONAL.fullmatch(value) if isinstance(value, str) else None
            picked = _PICKED.fullmatch(value) if isinstance(value, str) else None
            if optional:
                if optional[1] in row:
                    inputs[argument] = row[optional[1]]
            elif picked:
                # `{ for k in each.value.F : k => local.M[k] }`: the row's names out of a map
                # (an unknown name fails, as Terraform would).
                names, source = row[picked[2]], config.locals[picked[3]]
                assert isinstance(names, list) and set(names) <= set(source), (key, argument)
                inputs[argument] = {name: source[name] for name in names}
            elif value == "${each.key}":
                inputs[argument] = key
            elif value == '${replace(each.key, "_", "-")}':
                inputs[argument] = key.replace("_", "-")
            else:
                filled = (
                    value.replace("[each.key]", f'["{key}"]') if isinstance(value, str) else value
                )
                assert "each." not in str(filled), f"teach tf.instances {value!r}"
                inputs[argument] = filled
        found[key] = inputs
    return found


_OPTIONAL = re.compile(r"\$\{try\(each\.value\.(\w+), null\)\}")
_PICKED = re.compile(r"\$\{\{for (\w+) in each\.value\.(\w+) : \1 => local\.(\w+)\[\1\]\}\}")


def functions() -> dict[str, dict]:
    """The deployed functions by entry point (functions.tf's table), as cloud_function inputs."""
    return instances(stack(), "function")


def environment_of(function: dict) -> dict[str, str]:
    """The settings one function runs with: the shared map plus its own."""
    config = stack()
    env = resolve(config, function["environment"])
    assert isinstance(env, dict), "environment must be a literal map or a local holding one"
    extra = resolve(config, function.get("extra_environment", {}))
    assert isinstance(extra, dict), "extra_environment must be a literal map"
    return {**env, **extra}


def all_tf_files() -> list[Path]:
    return sorted(p for p in INFRA.rglob("*.tf") if ".terraform" not in p.parts)
