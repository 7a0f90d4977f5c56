"""What each name in a module refers to, by Python's scope rules, read from its syntax tree.

The analysis is flow-insensitive, as a reader skimming the file would be: a
name bound in several places in one scope (an import, then an assignment)
refers to all of them, and is only resolved when they all agree. That is what
makes the rewrite safe: a local variable called `tf`, a parameter, a
comprehension variable or a class attribute is never taken for TensorFlow.
"""

from __future__ import annotations

import ast

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Union

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
# Nodes with nothing to record under them (`Load()`, `+`, `and`, `<`).
_LEAVES = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)
# The builtins that look an attribute up by a name known only at run time.
ATTRIBUTE_BUILTINS = frozenset({"getattr", "hasattr", "setattr", "delattr"})
# Patterns that bind a name (Python 3.10's `match`), by class name: ast has no such classes on 3.9.
_PATTERN_NAMES = {"MatchAs": "name", "MatchStar": "name", "MatchMapping": "rest"}


class Ambiguous:
    """A name bound to more than one thing in its scope, at least one of them TensorFlow.

    Attributes:
      paths: the dotted module paths it may stand for (without the other bindings).
    """

    __slots__ = ("paths",)

    def __init__(self, paths: frozenset[str]) -> None:
        self.paths = paths

    def extended(self, suffix: str) -> Ambiguous:
        return Ambiguous(frozenset(path + suffix for path in self.paths))


if TYPE_CHECKING:
    # A dotted module path ("tensorflow.compat.v1"), several, or nothing known.
    Resolved = Union[str, Ambiguous, None]


class Site:
    """One place that binds a name.

    Attributes:
      statement: the `import` or `from ... import` statement, if it is one.
      index: which of its names binds this one.
      path: what an import binds: the dotted path (`import a.b` binds `a` to "a",
        `from a import b` binds `b` to "a.b"); None for a relative import.
      value: the expression an alias assignment (`t = tf.train`) binds.
    """

    __slots__ = ("index", "path", "statement", "value")

    def __init__(
        self,
        statement: ast.Import | ast.ImportFrom | None = None,
        index: int = 0,
        path: str | None = None,
        value: ast.expr | None = None,
    ) -> None:
        self.statement = statement
        self.index = index
        self.path = path
        self.value = value


class Scope:
    """A module, class body, or function body (also a lambda's or a comprehension's)."""

    __slots__ = ("declared_global", "declared_nonlocal", "kind", "parent", "sites")

    def __init__(self, kind: str, parent: Scope | None) -> None:
        self.kind = kind  # "module", "class", "function" or "comprehension"
        self.parent = parent
        self.sites: dict[str, list[Site]] = {}
        self.declared_global: set[str] = set()
        self.declared_nonlocal: set[str] = set()

    def bind(self, name: str, site: Site) -> None:
        self.sites.setdefault(name, []).append(site)


class Analysis:
    """Every scope of a module, what binds each name in each, and the expressions to examine.

    Attributes:
      module: the module's scope.
      scopes: every scope, outer ones first.
      names: each name read or deleted, with its scope.
      attributes: each attribute expression, with the index of the module-level
        statement that holds it.
      attribute_values: ids of the expressions that are an attribute's `value`.
      alias_values: ids of the expressions that alias assignments bind.
      imports: every import statement.
      star_imports: every `from ... import *`.
      attribute_calls: every call of a builtin in `ATTRIBUTE_BUILTINS`, by name.
      handlers: every `except` clause, with the statements it guards.
      exported: the strings listed in the module's `__all__`.
      string_annotations: string annotations, with their scope.
    """

    def __init__(self, tree: ast.Module) -> None:
        self.module = Scope("module", None)
        self.scopes: list[Scope] = [self.module]
        self.names: list[tuple[ast.Name, Scope]] = []
        self.attributes: list[tuple[ast.Attribute, int]] = []
        self.attribute_values: set[int] = set()
        self.alias_values: set[int] = set()
        self.imports: list[ast.Import | ast.ImportFrom] = []
        self.star_imports: list[ast.ImportFrom] = []
        self.attribute_calls: list[ast.Call] = []
        self.handlers: list[tuple[ast.ExceptHandler, list[ast.stmt]]] = []
        self.exported: list[str] = []
        self.string_annotations: list[tuple[str, Scope]] = []
        self._scope_of: dict[int, Scope] = {}
        self._values: dict[tuple[int, str], Resolved] = {}
        self._walk(tree)
        self._apply_declarations()
        # The names some import or alias assignment binds, somewhere: only a chain that
        # starts with one of them can stand for a module (most names need no lookup).
        self._importable = {
            name
            for scope in self.scopes
            for name, sites in scope.sites.items()
            if any(site.statement is not None or site.value is not None for site in sites)
        }

    def scope_of(self, name: ast.Name) -> Scope | None:
        """The scope in which `name` (read or deleted) is looked up."""
        return self._scope_of.get(id(name))

    def lookup(self, name: str, scope: Scope) -> Scope | None:
        """The scope whose binding of `name` a use in `scope` refers to; None for a builtin."""
        current: Scope | None = scope
        while current is not None:
            # An enclosing class body is invisible from the functions inside it.
            if current is scope or current.kind != "class":
                if name in current.declared_global:
                    return self.module if name in self.module.sites else None
                if name in current.sites:
                    return current
            current = current.parent
        return None

    def value(self, scope: Scope, name: str) -> Resolved:
        """What `name`, as bound in `scope`, stands for."""
        key = (id(scope), name)
        if key in self._values:
            return self._values[key]
        self._values[key] = None  # a binding defined through itself (`t = t.x`) is unknown
        found: list[Resolved] = []
        try:
            for site in scope.sites.get(name, ()):
                found.append(self.path(site.value) if site.value is not None else site.path)
        except RecursionError:  # aliases of aliases, hundreds deep: left unresolved
            found = [None]
        result = _merge(found)
        self._values[key] = result
        return result

    def path(self, node: ast.expr) -> Resolved:
        """The dotted path a name or attribute chain (`tf.compat.v1`) stands for."""
        root, attributes = unchain(node)
        if not isinstance(root, ast.Name) or root.id not in self._importable:
            return None
        scope = self._scope_of.get(id(root))
        bound = None if scope is None else self.lookup(root.id, scope)
        if bound is None:
            return None
        base = self.value(bound, root.id)
        suffix = "".join("." + attribute for attribute in attributes)
        if isinstance(base, Ambiguous):
            return base.extended(suffix)
        return None if base is None else base + suffix

    def _walk(self, tree: ast.Module) -> None:
        # An explicit stack, not recursion: a deeply nested expression must not
        # exhaust Python's recursion limit.
        stack: list[tuple[ast.AST, Scope, int, bool]] = [
            (statement, self.module, index, False) for index, statement in enumerate(tree.body)
        ]
        stack.reverse()
        while stack:
            node, scope, top, annotation = stack.pop()
            if type(node) is ast.Name:  # the commonest node, handled here
                self._name(node, scope)
                continue
            children = self._visit(node, scope, top, annotation)
            stack.extend(
                (child, into, top, within)
                for child, into, within in reversed(children)
                if child is not None
            )

    def _visit(
        self, node: ast.AST, scope: Scope, top: int, annotation: bool
    ) -> list[tuple[ast.AST | None, Scope, bool]]:
        """Records what `node` binds and uses; returns its children, each with its scope."""
        children: list[tuple[ast.AST | None, Scope, bool]] = []

        def push(child: ast.AST | None, into: Scope = scope, within: bool = annotation) -> None:
            children.append((child, into, within))

        if scope is self.module:
            self._record_exports(node)
        if isinstance(node, _FUNCTIONS):
            scope.bind(node.name, Site())
            for decorator in node.decorator_list:
                push(decorator)
            inner = self._scope("function", scope)
            self._arguments(node.args, scope, inner, push)
            push(node.returns, scope, True)
            for statement in node.body:
                push(statement, inner, False)
        elif isinstance(node, ast.Lambda):
            inner = self._scope("function", scope)
            self._arguments(node.args, scope, inner, push)
            push(node.body, inner, False)
        elif isinstance(node, ast.ClassDef):
            scope.bind(node.name, Site())
            for child in [*node.decorator_list, *node.bases, *node.keywords]:
                push(child)
            inner = self._scope("class", scope)
            for statement in node.body:
                push(statement, inner, False)
        elif isinstance(node, _COMPREHENSIONS):
            inner = self._scope("comprehension", scope)
            for index, generator in enumerate(node.generators):
                # The first iterable is evaluated outside, in the enclosing scope.
                push(generator.iter, scope if index == 0 else inner)
                push(generator.target, inner)
                for condition in generator.ifs:
                    push(condition, inner)
            if isinstance(node, ast.DictComp):
                push(node.key, inner)
                push(node.value, inner)
            else:
                push(node.elt, inner)
        elif isinstance(node, ast.Global):
            scope.declared_global.update(node.names)
        elif isinstance(node, ast.Nonlocal):
            scope.declared_nonlocal.update(node.names)
        elif isinstance(node, ast.Name):
            self._name(node, scope)
        elif isinstance(node, ast.Import):
            self.imports.append(node)
            for index, alias in enumerate(node.names):
                if alias.asname:
                    scope.bind(alias.asname, Site(node, index, alias.name))
                else:
                    package = alias.name.partition(".")[0]
                    scope.bind(package, Site(node, index, package))
        elif isinstance(node, ast.ImportFrom):
            self.imports.append(node)
            module = node.module if node.level == 0 else None
            for index, alias in enumerate(node.names):
                if alias.name == "*":
                    self.star_imports.append(node)
                    continue
                path = f"{module}.{alias.name}" if module else None
                scope.bind(alias.asname or alias.name, Site(node, index, path))
        elif (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, (ast.Name, ast.Attribute))
        ):
            scope.bind(node.targets[0].id, Site(value=node.value))
            self.alias_values.add(id(node.value))
            push(node.value)
        elif isinstance(node, ast.NamedExpr):
            target: Scope = scope
            while target.kind == "comprehension" and target.parent is not None:
                target = target.parent
            target.bind(node.target.id, Site())
            push(node.value)
        elif isinstance(node, ast.AnnAssign):
            push(node.target)
            push(node.annotation, scope, True)
            push(node.value)
        elif isinstance(node, ast.Attribute):
            self.attribute_values.add(id(node.value))
            self.attributes.append((node, top))
            push(node.value)
        else:
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id in ATTRIBUTE_BUILTINS:
                    self.attribute_calls.append(node)
            elif isinstance(node, ast.Constant) and annotation and isinstance(node.value, str):
                self.string_annotations.append((node.value, scope))
            elif isinstance(node, ast.ExceptHandler) and node.name:
                scope.bind(node.name, Site())
            elif type(node).__name__ in ("Try", "TryStar"):  # TryStar: `except*`, Python 3.11
                guarded = getattr(node, "body", [])
                self.handlers.extend(
                    (handler, guarded) for handler in getattr(node, "handlers", [])
                )
            else:
                bound = getattr(node, _PATTERN_NAMES.get(type(node).__name__, "-"), None)
                if isinstance(bound, str):
                    scope.bind(bound, Site())
            for child in ast.iter_child_nodes(node):
                if not isinstance(child, _LEAVES):
                    push(child)
        return children

    def _name(self, node: ast.Name, scope: Scope) -> None:
        # `del tf` uses the name; it does not bind it to anything else.
        if isinstance(node.ctx, ast.Store):
            scope.bind(node.id, Site())
        else:
            self.names.append((node, scope))
            self._scope_of[id(node)] = scope

    def _scope(self, kind: str, parent: Scope) -> Scope:
        scope = Scope(kind, parent)
        self.scopes.append(scope)
        return scope

    def _arguments(
        self, args: ast.arguments, outer: Scope, inner: Scope, push: Callable[..., None]
    ) -> None:
        # Defaults and annotations are evaluated where the function is defined.
        for default in [*args.defaults, *args.kw_defaults]:
            push(default, outer)
        for arg in _parameters(args):
            push(arg.annotation, outer, True)
            inner.bind(arg.arg, Site())

    def _record_exports(self, node: ast.AST) -> None:
        # `__all__ = [...]`, `__all__ += [...]`, `__all__: list[str] = [...]`: uses of those names.
        value: ast.expr | None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets, value = [node.target], node.value
        else:
            return
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets) and isinstance(
            value, (ast.List, ast.Tuple)
        ):
            self.exported.extend(
                item.value
                for item in value.elts
                if isinstance(item, ast.Constant) and isinstance(item.value, str)
            )

    def _apply_declarations(self) -> None:
        # A binding under `global x` or `nonlocal x` belongs to the scope declaring x.
        for scope in reversed(self.scopes):
            for name in scope.declared_nonlocal:
                owner = scope.parent
                while owner is not None and (owner.kind == "class" or name not in owner.sites):
                    owner = owner.parent
                _move(scope, owner, name)
            for name in scope.declared_global:
                _move(scope, self.module, name)


def unchain(node: ast.expr) -> tuple[ast.expr, list[str]]:
    """An attribute chain's first expression and the names after it: `a.b.c` is `a`, [b, c]."""
    attributes: list[str] = []
    while isinstance(node, ast.Attribute):
        attributes.append(node.attr)
        node = node.value
    attributes.reverse()
    return node, attributes


def _parameters(args: ast.arguments) -> Iterable[ast.arg]:
    yield from args.posonlyargs
    yield from args.args
    if args.vararg is not None:
        yield args.vararg
    yield from args.kwonlyargs
    if args.kwarg is not None:
        yield args.kwarg


def _move(scope: Scope, owner: Scope | None, name: str) -> None:
    sites = scope.sites.pop(name, [])
    if owner is not None and owner is not scope:
        owner.sites.setdefault(name, []).extend(sites)


def _merge(found: list[Resolved]) -> Resolved:
    """One name's meaning from all its bindings in a scope."""
    first = found[0] if found else None
    if isinstance(first, str) and all(item == first for item in found):
        return first
    paths: set[str] = set()
    for item in found:
        if isinstance(item, Ambiguous):
            paths |= item.paths
        elif item is not None and item.partition(".")[0] == "tensorflow":
            paths.add(item)
    if not paths:
        return None
    return found[0] if len(found) == 1 else Ambiguous(frozenset(paths))
