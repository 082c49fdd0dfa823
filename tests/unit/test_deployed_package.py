"""The deployed package needs nothing but requirements.txt.

A virtualenv built from requirements.txt alone, hash-checked as Cloud Functions installs it,
imports functions/main.py in cloud mode from the archive's layout and then every module of
shared/. Every import statement there, those inside functions included (they run later, on a
request or a command), must name a module that virtualenv has, and none may reach the local
tooling (localdev/). The locks must agree with pyproject.toml and with each other, so the tests
run the versions that are deployed.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.samples import CLOUD_ENV, fake_service_account_key

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_LOCK = ROOT / "requirements.txt"
DEV_LOCK = ROOT / "localdev" / "requirements-dev.txt"
TASKS_LOCK = ROOT / "localdev" / "requirements-tasks-emulator.txt"
PYPROJECT = ROOT / "pyproject.toml"


# Runs inside the runtime virtualenv, from the unpacked archive: main.py first (as the function
# starts), then every module of shared/, then every name the source imports anywhere.
PROBE = r"""
import importlib, json, sys, traceback
root, module_names, imported_names = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
sys.path[:0] = [root]
failures = {}
for name in module_names:
    try:
        importlib.import_module(name)
    except BaseException as error:
        # The error and the innermost line of the package that raised it.
        frames = traceback.extract_tb(error.__traceback__)
        frames = [frame for frame in frames if frame.filename.startswith(root)]
        where = f" ({frames[-1].filename[len(root) + 1:]}:{frames[-1].lineno})" if frames else ""
        failures[name] = f"{type(error).__name__}: {error}{where}"
missing = []
for name, attribute in imported_names:
    try:
        module = importlib.import_module(name)
        if attribute and not hasattr(module, attribute):
            importlib.import_module(f"{name}.{attribute}")
    except BaseException as error:
        missing.append([name, attribute, f"{type(error).__name__}: {error}"])
outside = sorted(
    name for name, module in list(sys.modules.items())
    if (getattr(module, "__file__", None) or "").startswith(sys.argv[4])
)
print(json.dumps({
    "failures": failures,
    "missing": missing,
    "main_file": sys.modules["main"].__file__ if "main" in sys.modules else None,
    "localdev_loaded": sorted(n for n in sys.modules if n.split(".")[0] == "localdev"),
    "from_the_repository": outside,
}))
"""


@pytest.fixture(scope="session")
def runtime_python(tmp_path_factory) -> Path:
    """A virtualenv with requirements.txt and nothing else, built once per test session.

    pip is the dev lock's (the one running the tests), driving the new interpreter: python3.11's
    own pip (23.2.1) mishandles extras in hash-checking mode (see the Makefile). Its wheel cache
    makes a second session take seconds.
    """
    venv = tmp_path_factory.mktemp("runtime") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python)]
    install = subprocess.run(
        [*pip, "install", "--quiet", "--require-hashes", "-r", str(RUNTIME_LOCK)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    check = subprocess.run([*pip, "check"], capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    return python


def deployed_tree(target: Path) -> Path:
    """The function archive's layout (infra/modules/remisi/storage.tf): main.py at the root, the
    shared/ package beside it without caches, and requirements.txt."""
    shutil.copyfile(ROOT / "functions" / "main.py", target / "main.py")
    shutil.copyfile(RUNTIME_LOCK, target / "requirements.txt")
    shutil.copytree(
        ROOT / "shared", target / "shared", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    return target


def module_names(tree: Path) -> list[str]:
    names = ["main"]
    for path in sorted((tree / "shared").rglob("*.py")):
        parts = path.relative_to(tree).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


class _Imports(ast.NodeVisitor):
    """Every absolute import of a module, at any depth, except under `if TYPE_CHECKING:`."""

    def __init__(self) -> None:
        self.found: list[tuple[int, str, str | None]] = []

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
        if name == "TYPE_CHECKING":
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.found.extend((node.lineno, alias.name, None) for alias in node.names)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level == 0 and node.module:
            self.found.extend((node.lineno, node.module, alias.name) for alias in node.names)

    def visit_Call(self, node: ast.Call) -> None:
        # importlib.import_module("x") and __import__("x") with a literal name.
        function = node.func
        name = function.id if isinstance(function, ast.Name) else getattr(function, "attr", "")
        if name in ("import_module", "__import__") and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                self.found.append((node.lineno, first.value, None))
        self.generic_visit(node)


def package_files(main: Path, shared: Path) -> list[Path]:
    return [main, *sorted(shared.rglob("*.py"))]


def source_imports(files: list[Path], base: Path) -> dict[tuple[str, str | None], list[str]]:
    """(module, imported name or None) -> the places that import it."""
    where: dict[tuple[str, str | None], list[str]] = {}
    for path in files:
        visitor = _Imports()
        visitor.visit(ast.parse(path.read_text(), filename=str(path)))
        for line, module, attribute in visitor.found:
            key = (module, None if attribute == "*" else attribute)
            where.setdefault(key, []).append(f"{path.relative_to(base).as_posix()}:{line}")
    return where


def test_every_module_of_the_deployed_package_imports_from_requirements_txt_alone(
    runtime_python, tmp_path
):
    tree = deployed_tree(tmp_path)
    imports = source_imports(package_files(tree / "main.py", tree / "shared"), tree)
    env = {
        "PATH": os.environ.get("PATH", ""),
        # main.py makes its clients at import; an offline, never-used key lets them be made.
        "GOOGLE_APPLICATION_CREDENTIALS": str(fake_service_account_key(tmp_path.parent)),
        **CLOUD_ENV,
    }
    result = subprocess.run(
        [
            str(runtime_python),
            "-I",
            "-c",
            PROBE,
            str(tree),
            json.dumps(module_names(tree)),
            json.dumps(sorted(imports, key=lambda key: (key[0], key[1] or ""))),
            f"{ROOT}{os.sep}",
        ],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])

    assert report["failures"] == {}, "modules that do not import in the deployment:\n" + "\n".join(
        f"{name}: {error}" for name, error in report["failures"].items()
    )
    missing: dict[str, set[str]] = {}
    for module, attribute, error in report["missing"]:
        places = imports[(module, attribute)]
        missing.setdefault(f"{module} ({error})", set()).update(places)
    assert missing == {}, "imported by the deployed code, absent from requirements.txt:\n" + (
        "\n".join(f"{what} at {', '.join(sorted(places))}" for what, places in missing.items())
    )
    assert report["main_file"] == str(tree / "main.py")
    assert report["localdev_loaded"] == []
    assert report["from_the_repository"] == [], "loaded from the repository, not the archive"


def test_nothing_in_the_deployed_package_imports_the_local_tooling():
    files = package_files(ROOT / "functions" / "main.py", ROOT / "shared")
    found = sorted(
        {
            f"{place} imports {module}"
            for (module, _), places in source_imports(files, ROOT).items()
            if module.split(".")[0] == "localdev"
            for place in places
        }
    )
    assert found == [], (
        "the deployed package (functions/main.py, shared/) must not import localdev/, which is "
        "never deployed:\n" + "\n".join(found)
    )


# --- the locks ------------------------------------------------------------------------------------


def read_lock(path: Path) -> dict[str, tuple[str, frozenset[str]]]:
    """name -> (version, sha256 hashes) of a `uv pip compile --generate-hashes` file."""
    entries: dict[str, tuple[str, frozenset[str]]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", path.read_text()):
        match = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)", block)
        if match:
            name = canonicalize_name(match[1])
            assert name not in entries, f"{path.name}: {name} pinned twice"
            hashes = frozenset(re.findall(r"--hash=sha256:([0-9a-f]{64})", block))
            entries[name] = (match[2], hashes)
    assert entries, f"{path.name} pins nothing"
    return entries


@pytest.mark.parametrize("lock", [RUNTIME_LOCK, DEV_LOCK, TASKS_LOCK], ids=lambda p: p.name)
def test_every_pin_of_a_lock_carries_its_hashes(lock):
    unhashed = [name for name, (_, hashes) in read_lock(lock).items() if not hashes]
    assert unhashed == []


def test_the_dev_lock_holds_the_runtime_lock_exactly():
    runtime, dev = read_lock(RUNTIME_LOCK), read_lock(DEV_LOCK)
    differing = {
        name: (pin, dev.get(name)) for name, pin in runtime.items() if dev.get(name) != pin
    }
    assert differing == {}, "run `make lock`: the dev lock must hold the runtime's versions"


def _specifications() -> dict[Path, list[str]]:
    project = tomllib.loads(PYPROJECT.read_text())
    runtime = project["project"]["dependencies"]
    return {
        RUNTIME_LOCK: runtime,
        DEV_LOCK: runtime + project["project"]["optional-dependencies"]["dev"],
        TASKS_LOCK: project["dependency-groups"]["tasks-emulator"],
    }


@pytest.mark.parametrize("lock", [RUNTIME_LOCK, DEV_LOCK, TASKS_LOCK], ids=lambda p: p.name)
def test_each_lock_satisfies_its_specification_in_pyproject(lock):
    pins = read_lock(lock)
    unmet = []
    for line in _specifications()[lock]:
        requirement = Requirement(line)
        pin = pins.get(canonicalize_name(requirement.name))
        if pin is None or not requirement.specifier.contains(pin[0], prereleases=True):
            unmet.append(f"{line} (locked: {pin[0] if pin else 'absent'})")
    assert unmet == [], "the lock and pyproject.toml disagree (`make lock`): " + ", ".join(unmet)
