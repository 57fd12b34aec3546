"""The layout: the project's modules import each other without cycles (any import counts, also
inside a function or under TYPE_CHECKING: a cycle hidden there is still one), every package
the README's folder map names exists, and no test module imports another (shared helpers live
in tests/kit/)."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"][
    "packages"
]


def modules() -> dict[str, Path]:
    """Every module of the project's packages by dotted name (migrations excluded: Alembic
    loads them by path)."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package.replace(".", "/")).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def import_graph(found: dict[str, Path]) -> dict[str, set[str]]:
    """Module → the project modules it imports (`from a.b import c` counts a.b.c when that is a
    module, else a.b)."""
    graph: dict[str, set[str]] = {name: set() for name in found}
    for name, path in found.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    targets.append(full if full in found else node.module)
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            graph[name].update(t for t in targets if t in found and t != name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    result.append(sorted(component))
    return result


def test_no_import_cycles() -> None:
    found = modules()
    assert len(found) > 80, sorted(found)
    assert cycles(import_graph(found)) == []


def test_the_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_the_folder_map_names_real_packages() -> None:
    import duluan

    doc = duluan.__doc__ or ""
    for package in (p for p in PACKAGES if not p.startswith("tests")):  # the test kit is mypy's
        assert f"`{package}/`" in doc or f"`{package}." in doc, package
        assert (ROOT / package / "__init__.py").is_file()


def imported_test_modules(source: str) -> list[str]:
    """The test modules (`tests.test_*`) a module's source imports, in any form: `import`,
    `from tests.test_x import ...`, `from tests import test_x`, or relative (read as relative to
    `tests`), also inside a function."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = "tests." * bool(node.level) + (node.module or "")
            names = [base] + [f"{base.rstrip('.')}.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.strip(".").split(".")
            if len(parts) >= 2 and parts[0] == "tests" and parts[1].startswith("test_"):
                found.append(".".join(parts[:2]))
    return sorted(set(found))


def test_no_test_module_imports_another() -> None:
    tests = ROOT / "tests"
    offenders = {
        str(path.relative_to(ROOT)): imported
        for path in sorted(tests.rglob("*.py"))
        if path != tests / "conftest.py"
        and (imported := imported_test_modules(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_the_test_import_finder_finds_them() -> None:
    sample = """
import tests.test_a
from tests.test_b import helper
from tests import test_c, kit
from .test_d import x
from . import test_e
from tests.kit.articles import record
from tests.telegram.fake_api import FakeTelegram
import json


def late() -> None:
    from tests.test_f import y
"""
    assert imported_test_modules(sample) == [
        "tests.test_a",
        "tests.test_b",
        "tests.test_c",
        "tests.test_d",
        "tests.test_e",
        "tests.test_f",
    ]


# Who may touch os.environ besides duluan/runtime.py, and why.
ENVIRON_USERS = {
    "storage.backup": "hands pg_dump/psql a copy of the environment plus PGPASSWORD",
    "duluan.commands.crawl": "TERM=dumb turns the progress line off (a terminal's capability)",
    "tests.kit.db": "the tests' PostgreSQL server (DULUAN_TEST_POSTGRES_URL)",
    "tests.kit.daemon": "`duluan start` as a child process gets this environment plus its own",
}


def test_only_the_runtime_reads_the_environment() -> None:
    readers: set[str] = set()
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("environ", "getenv", "putenv")
                and isinstance(node.value, ast.Name)
                and node.value.id == "os"
            ):
                readers.add(name)
    assert readers - set(ENVIRON_USERS) == {"duluan.runtime"}
