"""Fail on an import cycle among trainpkg_app's modules or an import against the layer order.

Every import counts, those inside functions too, so a cycle cannot hide behind a late import.
Usage: python scripts/check_imports.py
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = "trainpkg_app"
# Lower layers never import higher ones (modules outside these folders are not checked).
LAYERS = ["core", "hub", "db", "package", "runner", "deploy", "state", "components", "pages"]


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, name: str, modules: set[str]) -> set[str]:
    """The project modules that ``path`` imports, anywhere in its body."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name and target.startswith(PACKAGE):
                found.add(target)
    return found


def layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def graph(root: Path) -> dict[str, set[str]]:
    paths = {module_name(p, root): p for p in (root / PACKAGE).rglob("*.py")}
    modules = set(paths)
    # A module's own parent packages are no edge: their __init__ files import none of it.
    return {
        name: {t for t in imports_of(path, name, modules) if not _is_parent(t, name)}
        for name, path in paths.items()
    }


def _is_parent(target: str, name: str) -> bool:
    return name.startswith(target + ".")


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def layer_violations(edges: dict[str, set[str]]) -> list[str]:
    wrong = []
    for source, targets in sorted(edges.items()):
        for target in sorted(targets):
            low, high = layer(source), layer(target)
            if low is not None and high is not None and high > low:
                wrong.append(f"{source} imports {target}, a higher layer")
    return wrong


def main() -> int:
    edges = graph(Path(__file__).resolve().parent.parent)
    problems = [f"import cycle: {' <-> '.join(c)}" for c in cycles(edges)]
    problems += layer_violations(edges)
    print("\n".join(problems) or f"imports: {len(edges)} modules, no cycle, layers in order")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
