"""The Casbin matcher, compiled once into Python closures.

pycasbin parses the matcher text again on every decision and walks its syntax
tree with simpleeval for every rule it scans: about 60 µs of parsing plus
10-15 µs per rule. We translate the same tree once per enforcer into nested
closures. Nothing is `eval`ed: only the node types below are accepted
(boolean operators, `not`, `==`/`!=`/`in`, names, constants and calls of the
functions Casbin registered), and anything else is left to Casbin's own
evaluator, so a matcher we cannot compile still works, just slower.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from typing import Any

Names = Mapping[str, Any]
Node = Callable[[Names], Any]


class NotCompilableError(ValueError):
    """The matcher uses a construct the compiler does not handle."""


class CompiledMatcher:
    """Duck-types Casbin's expression object: `eval(names)` returns the match result."""

    def __init__(self, expression: str, functions: Mapping[str, Callable[..., Any]]) -> None:
        self.expression = expression
        try:
            tree = ast.parse(expression.strip(), mode="eval").body
        except SyntaxError as exc:
            raise NotCompilableError(str(exc)) from exc
        self._run = _compile(tree, functions)

    def eval(self, names: Names | None = None) -> Any:
        return self._run(names or {})


def _and(parts: list[Node]) -> Node:
    if len(parts) == 2:
        first, second = parts

        def both(n: Names) -> Any:
            return first(n) and second(n)

        return both

    def all_of(n: Names) -> Any:
        result: Any = True
        for part in parts:
            result = part(n)
            if not result:
                return result
        return result

    return all_of


def _or(parts: list[Node]) -> Node:
    def any_of(n: Names) -> Any:
        result: Any = False
        for part in parts:
            result = part(n)
            if result:
                return result
        return result

    return any_of


def _compare(node: ast.Compare, functions: Mapping[str, Callable[..., Any]]) -> Node:
    if len(node.ops) != 1:
        raise NotCompilableError("chained comparison")
    left = _compile(node.left, functions)
    right = _compile(node.comparators[0], functions)
    op = node.ops[0]
    if isinstance(op, ast.Eq):
        return lambda n: left(n) == right(n)
    if isinstance(op, ast.NotEq):
        return lambda n: left(n) != right(n)
    if isinstance(op, ast.In):
        return lambda n: left(n) in right(n)
    raise NotCompilableError(type(op).__name__)


def _call(node: ast.Call, functions: Mapping[str, Callable[..., Any]]) -> Node:
    if not isinstance(node.func, ast.Name) or node.keywords:
        raise NotCompilableError("only plain calls of registered functions")
    fn = functions.get(node.func.id)
    if fn is None:
        raise NotCompilableError(f"unknown function {node.func.id}")
    args = [_compile(a, functions) for a in node.args]
    if len(args) == 2:
        a, b = args
        return lambda n: fn(a(n), b(n))
    if len(args) == 3:
        a, b, c = args
        return lambda n: fn(a(n), b(n), c(n))
    return lambda n: fn(*(arg(n) for arg in args))


def _compile(node: ast.expr, functions: Mapping[str, Callable[..., Any]]) -> Node:
    if isinstance(node, ast.BoolOp):
        parts = [_compile(v, functions) for v in node.values]
        return _and(parts) if isinstance(node.op, ast.And) else _or(parts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        operand = _compile(node.operand, functions)
        return lambda n: not operand(n)
    if isinstance(node, ast.Compare):
        return _compare(node, functions)
    if isinstance(node, ast.Call):
        return _call(node, functions)
    if isinstance(node, ast.Name):
        key = node.id
        if key in ("True", "False"):
            value = key == "True"
            return lambda n: value
        return lambda n: n[key]
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float, bool)):
        constant = node.value
        return lambda n: constant
    raise NotCompilableError(type(node).__name__)
