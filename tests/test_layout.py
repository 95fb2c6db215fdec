"""The package's shape: no part of blog/ imports a part that imports it back, and
imports stand at the top of modules, where a reader sees what each one needs."""
import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = Path(ROOT) / "blog"


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path, ast.parse(path.read_text(encoding="utf-8"))


def imported(module, path, tree):
    """Every ``blog.…`` module that ``module`` imports, with the node importing it."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if path.name == "__init__.py" else \
                    module.split(".")[:-1]
                base = ".".join(package[:len(package) - node.level + 1] + ([base] if base else []))
            names = [f"{base}.{alias.name}" for alias in node.names] if base == "blog" else [base]
        else:
            continue
        for name in names:
            if name.startswith("blog."):
                yield name, node


def part(module):
    """The part of blog/ a module belongs to: its package, or the module itself."""
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 else None


def test_no_part_of_the_package_imports_one_that_imports_it_back():
    graph = {}
    for module, path, tree in modules():
        source = part(module)
        if source is None:
            continue  # blog/__init__.py assembles every part
        for name, _ in imported(module, path, tree):
            target = part(name)
            if target and target != source:
                graph.setdefault(source, set()).add(target)

    def reaches(start, goal, seen=()):
        return any(step == goal or (step not in seen and reaches(step, goal, (*seen, step)))
                   for step in graph.get(start, ()))
    cycles = sorted({tuple(sorted((a, b))) for a in graph for b in graph[a] if reaches(b, a)})
    assert not cycles, f"parts of blog/ that import each other: {cycles}"


def test_imports_stand_at_the_top_of_each_module():
    hidden = []
    for module, path, tree in modules():
        top_level = set(map(id, tree.body))
        for name, node in imported(module, path, tree):
            if id(node) not in top_level:
                hidden.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {name}")
    assert not hidden, "imports inside functions hide a dependency:\n" + "\n".join(hidden)
