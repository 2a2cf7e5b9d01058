"""The import picture has no loop: no module of the portal imports, at load time, a module that
imports it back (directly or around a circle). Imports inside functions are the deliberate way
to reach upwards at call time and are not counted."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("training_portal",)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _load_time_imports(path: Path, name: str, known: set[str]) -> set[str]:
    """The portal modules this one imports at module level (``TYPE_CHECKING`` blocks aside)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            # ``from pkg import mod`` names a module when one of that name exists.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        found.update(t for t in targets if t in known and t != name)
    return found


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    known = set(files)
    return {name: _load_time_imports(path, name, known) for name, path in files.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One loop of the graph, if any. A package importing its own submodules (its ``__init__``
    re-exporting them) is how a package is built, not a loop: edges from a package into
    itself are dropped."""
    edges = {a: {b for b in bs if not b.startswith(a + ".")} for a, bs in graph.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_a_loop_is_found_when_there_is_one():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"p": {"p.x"}, "p.x": set()}) is None  # a package and its own modules


def test_the_portal_imports_without_a_loop():
    assert _cycle(_graph()) is None, " → ".join(_cycle(_graph()))


def test_safety_culture_no_longer_reaches_into_the_regulator():
    graph = _graph()
    reached = {
        m
        for name, targets in graph.items()
        if name.startswith("training_portal.safety_culture")
        for m in targets
    }
    assert not any(m.startswith("training_portal.regulator") for m in reached)


@pytest.mark.parametrize(
    "module",
    [
        "training_portal.training.operations",
        "training_portal.certificates.operations",
        "training_portal.regulator.operations",
    ],
)
def test_each_split_operations_package_imports_first_and_alone(module):
    """In a fresh interpreter the section modules load before their package's ``__init__`` has
    run for them (a loop between sections would fail here), and the package re-exports them."""
    sections = sorted(p.stem for p in (ROOT / module.replace(".", "/")).glob("*.py") if p.stem != "__init__")
    code = (
        "; ".join(f"import {module}.{s}" for s in sections) + f"; import {module} as m; print(len(m.__all__))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert int(result.stdout.strip()) > 5
