"""The package layout is the architecture: layers as subpackages, dependencies pointing one way.

These checks read the source (``ast``), so they hold for imports inside functions too; only
imports under ``if TYPE_CHECKING:`` (type hints, never executed) are exempt. ``LAYERS`` is the
order docs/ARCHITECTURE.md draws: a package may import only packages of lower layers (or of its
own layer, where ``SAME_LAYER`` lists the allowed direction).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "audiokit"

# Bottom to top. Packages on one line form one layer.
LAYERS: list[tuple[str, ...]] = [
    ("core",),
    ("records",),
    ("audio", "text"),
    ("wire",),
    ("results",),
    ("analysis",),
    ("jobs",),
    ("local",),
    ("server",),
    ("client",),
    ("batch", "correction", "live"),
    ("notebook",),
    ("widgets",),
    ("magics",),
    ("cli",),
]
TOP_LEVEL_MODULES = {"__init__", "__main__", "_version", "events"}
MAX_MODULE_LINES = 600

LAYER_OF = {pkg: i for i, layer in enumerate(LAYERS) for pkg in layer}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _runtime_imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(target module, imported names, line) for every import that can run."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [a.name for a in node.names]
            if target == "audiokit" and all((PACKAGE / n).is_dir() for n in names):
                # `from .. import client`: an import of that subpackage
                found.extend((f"audiokit.{n}", [], node.lineno) for n in names)
            else:
                found.append((target, names, node.lineno))
        elif isinstance(node, ast.Import):
            found.extend((a.name, [], node.lineno) for a in node.names)
    return [f for f in found if f[0] == "audiokit" or f[0].startswith("audiokit.")]


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _subpackage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and (PACKAGE / parts[1]).is_dir() else None


def test_every_subpackage_has_a_layer() -> None:
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert packages == set(LAYER_OF)


def test_few_modules_directly_under_the_package() -> None:
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    assert modules <= TOP_LEVEL_MODULES, modules - TOP_LEVEL_MODULES


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_over_the_size_limit(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{path.name}: {lines} lines"


def test_dependencies_point_down_the_layers() -> None:
    wrong = []
    for path in _sources():
        here = _subpackage(_module_name(path))
        if here is None:  # audiokit/__init__.py and friends sit on top of everything
            continue
        for target, _, line in _runtime_imports(path):
            there = _subpackage(target)
            if there is None and target == "audiokit" and here != "cli":  # the CLI uses the API
                wrong.append(f"{path.relative_to(PACKAGE)}:{line} imports the top package")
            elif there is not None and there != here and LAYER_OF[there] >= LAYER_OF[here]:
                # upwards, or sideways within one layer (batch, correction, live)
                wrong.append(f"{path.relative_to(PACKAGE)}:{line} ({here}) imports {there}")
    assert not wrong, "\n".join(wrong)


def test_other_layers_use_a_package_only_through_its_init() -> None:
    """No private module or private name crosses a package boundary."""
    wrong = []
    for path in _sources():
        here = _subpackage(_module_name(path))
        for target, names, line in _runtime_imports(path):
            there = _subpackage(target)
            if there is None or there == here:
                continue
            where = f"{path.relative_to(PACKAGE)}:{line}"
            if target != f"audiokit.{there}":
                wrong.append(f"{where} imports {target} (use audiokit.{there})")
            wrong.extend(f"{where} imports the private name {n}" for n in names if n[0] == "_")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle_between_modules() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    modules = {_module_name(p) for p in _sources()}
    for path in _sources():
        source = _module_name(path)
        for target, names, _ in _runtime_imports(path):
            hits = [f"{target}.{n}" for n in names if f"{target}.{n}" in modules]
            for dest in hits or [target]:
                if dest != source:
                    graph[source].add(dest)

    def cycle_from(start: str) -> list[str] | None:
        stack, seen = [(start, [start])], set()
        while stack:
            node, trail = stack.pop()
            for nxt in graph.get(node, ()):
                if nxt == start:
                    return [*trail, start]
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*trail, nxt]))
        return None

    cycles = [c for m in sorted(modules) if (c := cycle_from(m))]
    assert not cycles, " -> ".join(cycles[0])


def test_the_architecture_map_lists_every_module() -> None:
    """docs/ARCHITECTURE.md has one line per module, and no line for a module that is gone."""
    text = (PACKAGE.parent / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    block = text.split("## Modules", 1)[1]
    listed: set[str] = set()
    package = ""
    for line in block.splitlines():
        name = line.strip().split(" ", 1)[0]
        if line.startswith("  ") and not line.startswith("    ") and name.endswith("/"):
            package = name.rstrip("/")
        elif line.startswith("    ") and name.endswith(".py"):
            listed.add(f"{package}/{name}")
        elif line.startswith("  ") and name.endswith(".py"):
            listed.add(name)
    present = {
        str(p.relative_to(PACKAGE))
        for p in _sources()
        if p.name != "__init__.py" or p.parent == PACKAGE
    }
    assert listed == present, (sorted(present - listed), sorted(listed - present))


def _declared_all(path: Path) -> list[str]:
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(getattr(t, "id", None) == "__all__" for t in targets) and node.value:
                return list(ast.literal_eval(node.value))
    return []


@pytest.mark.parametrize(
    "package",
    sorted(
        p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists() and p.name != "widgets"
    ),
)
def test_each_package_exports_its_modules_api(package: str) -> None:
    """A package's ``__all__`` is its layer's internal API: everything its modules export.

    (``audiokit.widgets`` is the exception: a public facade that names its own few functions.)
    """
    folder = PACKAGE / package
    exported = set(_declared_all(folder / "__init__.py"))
    for module in sorted(folder.glob("_*.py")):
        missing = set(_declared_all(module)) - exported
        assert not missing, (
            f"audiokit.{package} does not re-export {sorted(missing)} of {module.name}"
        )
