"""Every function in connector/ stays small enough to read at once.

Length counts the lines from ``def`` to the end of the body. Complexity is McCabe's count as
the ``mccabe`` package and ruff's C901 make it, on statements: 1, plus one per ``if``/``elif``,
loop, ``except`` and ``case``. A nested function is measured on its own and not counted in
the function around it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "connector"
# The sandboxes emulate the remote systems for tests; they are not the connector.
EXCLUDED = (ROOT / "sandbox",)
MAX_LINES = 80
MAX_COMPLEXITY = 15

Function = ast.FunctionDef | ast.AsyncFunctionDef
# The statements that add a path: if/elif (an elif is an If), loops, except, case.
BRANCHES = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.ExceptHandler, ast.match_case)


def complexity(function: Function) -> int:
    """McCabe's cyclomatic complexity of one function, nested functions left out."""
    count = 1
    pending: list[ast.AST] = list(ast.iter_child_nodes(function))
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        if isinstance(node, BRANCHES):
            count += 1
        pending.extend(ast.iter_child_nodes(node))
    return count


def functions() -> Iterator[tuple[str, Function]]:
    """Every function and method of the package, named by file, line and name."""
    for path in sorted(ROOT.rglob("*.py")):
        if any(path.is_relative_to(excluded) for excluded in EXCLUDED):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                where = f"{path.relative_to(ROOT.parent)}:{node.lineno} {node.name}"
                yield where, node


def length(function: Function) -> int:
    return (function.end_lineno or function.lineno) - function.lineno + 1


def test_no_function_is_longer_than_the_limit() -> None:
    """No function in connector/ runs over MAX_LINES lines."""
    long = {where: length(f) for where, f in functions() if length(f) > MAX_LINES}
    assert long == {}


def test_no_function_is_more_complex_than_the_limit() -> None:
    """No function in connector/ has a McCabe complexity over MAX_COMPLEXITY."""
    tangled = {where: complexity(f) for where, f in functions() if complexity(f) > MAX_COMPLEXITY}
    assert tangled == {}


def test_the_complexity_count_sees_each_kind_of_branch() -> None:
    """The counter adds one per branch and leaves nested functions out."""
    source = (
        "def f(a, b):\n"
        "    if a and b:\n"
        "        return [x for x in a if x]\n"
        "    for _ in b:\n"
        "        try:\n"
        "            pass\n"
        "        except ValueError:\n"
        "            pass\n"
        "    def inner():\n"
        "        if a: pass\n"
        "    return 1 if a else 2\n"
    )
    (function,) = [n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)]
    # 1 + if + for + except; expressions (and, comprehensions, x if c else y) add nothing
    assert complexity(function) == 1 + 1 + 1 + 1
