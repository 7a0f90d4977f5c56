"""The rewrite of one module: the edits that move its uses to the package, and what it leaves alone.

Three kinds of edit, each confined to the characters of the node it changes:

- a use through a module (`tf.train.latest_checkpoint`, `t.latest_checkpoint`,
  `checkpoint_utils.wait_for_new_checkpoint`) has its module part replaced by the
  package's mirror (`tf_ckpt_compat.train`), usually by renaming its first name
  only, and the module gets one `import tf_ckpt_compat`;
- a `from <namespace> import <name>` binding is moved to the package module, in
  place when all its names move, else split in two statements;
- an import that only the rewritten uses needed is removed.
"""

from __future__ import annotations

import ast
import bisect
import re
import unicodedata

from . import _source
from ._scopes import Ambiguous, Analysis, unchain
from ._table import PACKAGE, Namespace, namespaces

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._source import Edit

_IMPORTS = (ast.Import, ast.ImportFrom)
_ERRORS = ("tensorflow.errors", "tensorflow.compat.v1.errors", "tensorflow.compat.v2.errors")
_SPELLING_WIDTH = 60  # characters of source quoted in a note
_CHAIN_NOISE = re.compile(r"#[^\r\n]*|\\\r?\n|[\s()]")


def parse(text: str) -> ast.Module:
    """`text`'s syntax tree.

    Raises:
      SyntaxError: also for what `ast.parse` reports otherwise (null bytes, surrogates,
        nesting too deep).
    """
    try:
        return ast.parse(text)
    except SyntaxError:
        raise
    except (ValueError, UnicodeError, RecursionError) as e:
        raise SyntaxError(str(e)) from None


class Rewrite:
    """The rewrite of one module's source.

    Attributes:
      edits: what to change, as `(start, end, replacement)` character edits.
      notes: `(offset, message)` for each use left alone that may need a hand.
    """

    def __init__(self, text: str, names: frozenset[str] | None = None) -> None:
        self.source = _source.Source(text)
        self.tree = parse(text)
        self.edits: list[Edit] = []
        self.notes: list[tuple[int, str]] = []
        if "tensorflow" not in text and text.isascii():
            return  # what it rewrites is reached from an import of tensorflow (any NFKC spelling)
        self.table = namespaces(names)
        self.analysis = Analysis(self.tree)
        self._rewritten_roots: set[int] = set()  # ids of the names the rewrite replaces
        self._touched: set[tuple[int, str]] = set()  # (scope id, name) of the bindings they used
        self._moved: set[tuple[int, int]] = set()  # (statement id, index) of from-imports moved
        uses = self._module_uses()
        self._note_lookups_and_values()
        self._note_star_imports()
        removed = self._unused_imports()
        self._rewrite_imports(removed, uses)
        self._note_handlers(uses)
        self._check()

    # --- uses through a module: tf.train.X ---

    def _module_uses(self) -> list[tuple[ast.Attribute, Namespace, int]]:
        """Finds the uses to rewrite and makes their edits; returns those rewritten, with their
        namespace and their module-level statement's index."""
        found: list[tuple[ast.Attribute, Namespace, int]] = []
        for node, top in self.analysis.attributes:
            resolved = self.analysis.path(node.value)
            if isinstance(resolved, Ambiguous):
                if any(self._provides(path, node.attr) for path in resolved.paths):
                    root = _root(node)
                    self._note(
                        node,
                        f"{self._spelled(node)} left alone: {root.id} is bound to different "
                        "things in one scope",
                    )
                continue
            if resolved is None or resolved not in self.table:
                continue
            if not self._provides(resolved, node.attr):
                self._note_missing(node, resolved, node.attr)
                continue
            if not isinstance(node.ctx, ast.Load):
                verb = "assigned to" if isinstance(node.ctx, ast.Store) else "deleted"
                self._note(node, f"{self._spelled(node)} left alone: it is {verb}")
                continue
            found.append((node, self.table[resolved], top))
        if not found:
            return found
        if self._package_name_conflict():
            for node, _, _ in found:
                self._note(
                    node,
                    f"{self._spelled(node)} left alone: the name {PACKAGE} is bound to "
                    "something else in this file",
                )
            return []
        return [use for use in found if self._rewrite_use(use[0], use[1])]

    def _note_missing(self, node: ast.stmt | ast.expr, path: str, name: str) -> None:
        """Notes a name of the family used where TensorFlow 2 does not have it (TensorFlow 1's
        `tf.train.update_checkpoint_state`), which no rewrite can keep working."""
        holders = sorted(
            key
            for key, namespace in self.table.items()
            if name in namespace.names and ".python." not in key
        )
        if holders:
            where = " and ".join([", ".join(holders[:-1]), holders[-1]] if holders[1:] else holders)
            spelled = self._spelled(node) if isinstance(node, ast.expr) else f"{path}.{name}"
            self._note(
                node,
                f"{spelled} left alone: {path} has no {name} "
                f"({where} {'do' if holders[1:] else 'does'})",
            )

    def _rewrite_use(self, node: ast.Attribute, namespace: Namespace) -> bool:
        value = node.value
        root = _root(node)
        spelled = unchain(value)[1]
        if _chain(self.source.text[self.source.start(node) : self.source.end(node)]) != ".".join(
            [root.id, *spelled, node.attr]
        ):
            # Positions `ast` got wrong (Python 3.9, in a multi-line f-string).
            self._note(node, f"{self._spelled(node)} left alone: not found in the text")
            return False
        target = namespace.target.split(".") if namespace.target else []
        kept = len(target) - len(spelled)
        if kept >= 0 and target[kept:] == spelled:
            # `tf.train` -> `tf_ckpt_compat.train`: only the first name changes.
            start, end = self.source.start(root), self.source.end(root)
            replacement = ".".join([PACKAGE, *target[:kept]])
        else:
            start, end = self.source.start(value), self.source.end(value)
            replacement = ".".join([PACKAGE, *target])
        self.edits.append((start, end, replacement))
        self._rewritten_roots.add(id(root))
        scope = self.analysis.scope_of(root)
        bound = None if scope is None else self.analysis.lookup(root.id, scope)
        if bound is not None:
            self._touched.add((id(bound), root.id))
        return True

    def _package_name_conflict(self) -> bool:
        """Whether the file binds the name `tf_ckpt_compat` to anything but the package."""
        return any(
            not isinstance(site.statement, ast.Import) or site.path != PACKAGE
            for scope in self.analysis.scopes
            for site in scope.sites.get(PACKAGE, ())
        )

    def _provides(self, path: str, name: str) -> bool:
        namespace = self.table.get(path)
        return namespace is not None and name in namespace.names

    # --- what cannot be rewritten: reported ---

    def _note_lookups_and_values(self) -> None:
        """Notes `getattr(tf.train, ...)` and a namespace used as a value (`f(tf.train)`)."""
        looked_up: set[int] = set()
        for call in self.analysis.attribute_calls:
            func = call.func
            assert isinstance(func, ast.Name)
            scope = self.analysis.scope_of(func)
            if scope is None or self.analysis.lookup(func.id, scope) is not None or not call.args:
                continue  # not the builtin
            looked_up.add(id(call.args[0]))
            path = self.analysis.path(call.args[0])
            if not isinstance(path, str):
                continue
            name = call.args[1] if len(call.args) > 1 else None
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                reached = f"{path}.{name.value}"
                if self._provides(path, name.value):
                    replacement = ".".join(
                        filter(None, [PACKAGE, self.table[path].target, name.value])
                    )
                    self._note(
                        call,
                        f"{self._spelled(call)} left alone: a lookup by name "
                        f"({replacement} is the replacement)",
                    )
                elif reached in self.table or self._is_parent(reached):
                    self._note(call, f"{self._spelled(call)} left alone: a lookup by name")
            elif path in self.table:
                self._note(
                    call, f"{self._spelled(call)} left alone: the name is only known at run time"
                )
        skipped = self.analysis.attribute_values | self.analysis.alias_values | looked_up
        expressions: list[ast.Name | ast.Attribute] = [name for name, _ in self.analysis.names]
        expressions += [node for node, _ in self.analysis.attributes]
        for node in expressions:
            if id(node) in skipped or not isinstance(node.ctx, ast.Load):
                continue
            path = self.analysis.path(node)
            if isinstance(path, str) and path in self.table and self.table[path].names:
                self._note(
                    node,
                    f"{self._spelled(node)} left alone: it is used as a value, so the names "
                    "reached through it are unknown",
                )

    def _note_star_imports(self) -> None:
        for statement in self.analysis.star_imports:
            module = statement.module or ""
            if module not in self.table and not self._is_parent(module):
                continue
            names = self.table[module].names if module in self.table else frozenset()
            used = sorted(
                {
                    node.id
                    for node, scope in self.analysis.names
                    if node.id in names and self.analysis.lookup(node.id, scope) is None
                }
            )
            reason = f" (this file uses {', '.join(used)})" if used else ""
            self._note(
                statement,
                f"from {module} import * left alone: the names it binds are unknown{reason}",
            )

    def _note_handlers(self, uses: list[tuple[ast.Attribute, Namespace, int]]) -> None:
        """Notes `except tf.errors.X` guarding rewritten calls: TensorFlow's class still catches
        what they raise with the tensorflow backend (the default beside TensorFlow), but not
        the package's own `X`, which the pure backend raises."""
        calls = [self.source.start(node) for node, _, _ in uses]
        for node, scope in self.analysis.names:
            bound = self.analysis.lookup(node.id, scope)
            sites = bound.sites.get(node.id, []) if bound is not None else []
            if any((id(site.statement), site.index) in self._moved for site in sites):
                calls.append(self.source.start(node))
        if not calls:
            return
        calls.sort()
        for handler, guarded in self.analysis.handlers:
            start, end = self.source.start(guarded[0]), self.source.end(guarded[-1])
            first = bisect.bisect_left(calls, start)
            if handler.type is None or first == len(calls) or calls[first] >= end:
                continue
            kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
            for kind in kinds:
                path = self.analysis.path(kind)
                module, _, name = path.rpartition(".") if isinstance(path, str) else ("", "", "")
                if module in _ERRORS:
                    self._note(
                        kind,
                        f"except {self._spelled(kind)} left alone: with the pure backend, the "
                        f"rewritten calls it guards raise {PACKAGE}.errors.{name} (catch both "
                        "to run without TensorFlow)",
                    )

    def _is_parent(self, path: str) -> bool:
        return any(key.startswith(path + ".") for key in self.table)

    # --- imports ---

    def _unused_imports(self) -> set[tuple[int, int]]:
        """(statement id, name index) of each import that only rewritten uses needed."""
        if not self._touched:
            return set()
        remaining: set[tuple[int, str]] = set()
        for node, scope in self.analysis.names:
            if id(node) not in self._rewritten_roots:
                bound = self.analysis.lookup(node.id, scope)
                if bound is not None:
                    remaining.add((id(bound), node.id))
        remaining.update((id(self.analysis.module), name) for name in self.analysis.exported)
        for text, scope in self.analysis.string_annotations:
            for name in _names_in(text):
                bound = self.analysis.lookup(name, scope)
                if bound is not None:
                    remaining.add((id(bound), name))
        removed: set[tuple[int, int]] = set()
        for scope in self.analysis.scopes:
            for name, sites in scope.sites.items():
                key = (id(scope), name)
                if key not in self._touched or key in remaining:
                    continue
                if all(site.statement is not None for site in sites):
                    removed.update((id(site.statement), site.index) for site in sites)
        return removed

    def _rewrite_imports(
        self,
        removed: set[tuple[int, int]],
        uses: list[tuple[ast.Attribute, Namespace, int]],
    ) -> None:
        """Moves `from <namespace> import <name>` to the package, removes unused imports and
        adds `import tf_ckpt_compat` where the uses need it."""
        needs_import = bool(uses) and not self._imports_package()
        anchor = self._anchor(uses) if needs_import else None
        plans: dict[int, tuple[list[int], list[int], Namespace | None]] = {}
        for statement in self.analysis.imports:
            gone = [i for i in range(len(statement.names)) if (id(statement), i) in removed]
            moved: list[int] = []
            namespace = None
            if isinstance(statement, ast.ImportFrom) and statement.level == 0:
                namespace = self.table.get(statement.module or "")
                if namespace is not None:
                    moved = [
                        i
                        for i, alias in enumerate(statement.names)
                        if alias.name in namespace.names
                    ]
                    for alias in statement.names:
                        if alias.name not in namespace.names:
                            self._note_missing(statement, statement.module or "", alias.name)
            if gone or moved:
                plans[id(statement)] = (gone, moved, namespace)
                self._moved.update((id(statement), i) for i in moved)
        deleted = {
            id(statement)
            for statement in self.analysis.imports
            if id(statement) in plans
            and not plans[id(statement)][1]
            and len(plans[id(statement)][0]) == len(statement.names)
        }
        emptied = self._emptied_blocks(deleted)
        added = False
        for statement in self.analysis.imports:
            if id(statement) not in plans:
                continue
            gone, moved, namespace = plans[id(statement)]
            try:
                layout = _source.ImportLayout(self.source, statement)
            except _source.LayoutError:
                self._note(
                    statement,
                    "import statement left alone: its names could not be found in its text",
                )
                continue
            if statement is anchor and id(statement) in deleted:
                self._replace(statement, f"import {PACKAGE}")
                added = True
            elif id(statement) in deleted:
                self._delete(statement, id(statement) in emptied)
            elif moved and len(moved) == len(statement.names):
                assert layout.module is not None and namespace is not None
                self.edits.append((*layout.module, namespace.module))
            else:
                new = None
                if moved:
                    assert isinstance(statement, ast.ImportFrom) and namespace is not None
                    new = self._from_import(statement, moved, namespace)
                if len(set(gone) | set(moved)) == len(statement.names):
                    assert new is not None
                    self._replace(statement, new)
                else:
                    self._remove_names(layout, set(gone) | set(moved))
                    if new is not None:
                        self.edits.append(self._insert_after(statement, new))
        if needs_import and not added:
            code = f"import {PACKAGE}"
            if anchor is not None:
                self.edits.append(self._insert_after(anchor, code))
            else:
                self.edits.append(self._insert_before(self._first_statement(), code))

    def _anchor(self, uses: list[tuple[ast.Attribute, Namespace, int]]) -> ast.stmt | None:
        """The module-level import after which `import tf_ckpt_compat` goes: the last one
        before the first statement with a use."""
        first = min(top for _, _, top in uses)
        anchor = None
        for statement in self.tree.body[:first]:
            if isinstance(statement, _IMPORTS):
                anchor = statement
        return anchor

    def _first_statement(self) -> ast.stmt:
        """The first module-level statement after the docstring."""
        body = self.tree.body
        docstring = (
            isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        )
        return body[1] if docstring and len(body) > 1 else body[0]

    def _imports_package(self) -> bool:
        sites = self.analysis.module.sites.get(PACKAGE, [])
        return any(isinstance(site.statement, ast.Import) for site in sites)

    def _emptied_blocks(self, deleted: set[int]) -> set[int]:
        """Ids of the deleted statements that must become `pass`: the first of each block
        that would be left empty."""
        if not deleted:
            return set()
        block_of: dict[int, list[ast.stmt]] = {}
        for node in ast.walk(self.tree):
            for field in ("body", "orelse", "finalbody"):
                block = getattr(node, field, None)
                if isinstance(block, list):
                    block_of.update((id(statement), block) for statement in block)
        first: set[int] = set()
        seen: set[int] = set()
        for statement in self.analysis.imports:
            block = block_of.get(id(statement))
            if block is None or id(block) in seen:
                continue
            seen.add(id(block))
            if all(id(item) in deleted for item in block):
                first.add(id(block[0]))
        return first

    def _from_import(
        self, statement: ast.ImportFrom, moved: list[int], namespace: Namespace
    ) -> str:
        names = ", ".join(
            alias.name if alias.asname is None else f"{alias.name} as {alias.asname}"
            for alias in (statement.names[i] for i in moved)
        )
        return f"from {namespace.module} import {names}"

    def _remove_names(self, layout: _source.ImportLayout, gone: set[int]) -> None:
        """Removes some of a statement's names (not all) with their separators."""
        spans = layout.names
        index = 0
        while index < len(spans):
            if index not in gone:
                index += 1
                continue
            last = index
            while last + 1 < len(spans) and last + 1 in gone:
                last += 1
            run = range(index, last + 1)
            if layout.parenthesized and all(self.source.alone_on_line(*spans[i], ",") for i in run):
                # One name per line, as formatters write them: its whole line goes.
                for i in run:
                    start = self.source.line_start(spans[i][0])
                    self.edits.append((start, self.source.line_end(spans[i][1]), ""))
            elif last + 1 < len(spans):
                self.edits.append((spans[index][0], spans[last + 1][0], ""))
            else:
                self.edits.append((spans[index - 1][1], spans[last][1], ""))
            index = last + 1

    def _replace(self, statement: ast.stmt, code: str) -> None:
        self.edits.append((self.source.start(statement), self.source.end(statement), code))

    def _delete(self, statement: ast.stmt, to_pass: bool) -> None:
        """Deletes a statement: its whole line when it is alone on it, else with its `;`."""
        source, text = self.source, self.source.text
        start, end = source.start(statement), source.end(statement)
        if not to_pass:
            if source.alone_on_line(start, end):
                self.edits.append((source.line_start(start), source.line_end(end), ""))
                return
            after = text[end : source.line_content_end(end)]
            following = after.lstrip(" \t\f")
            if following.startswith(";") and following[1:].strip(" \t\f")[:1] not in ("", "#"):
                skip = len(after) - len(following[1:].lstrip(" \t\f"))
                self.edits.append((start, end + skip, ""))  # `a; b` -> `b`
                return
            before = text[source.line_start(start) : start].rstrip(" \t\f")
            if before.endswith(";"):
                self.edits.append((source.line_start(start) + len(before) - 1, end, ""))
                return
        self._replace(statement, "pass")

    def _insert_after(self, statement: ast.stmt, code: str) -> Edit:
        """A new statement after `statement`: on the next line with its indentation when it
        starts its line, else after a `;`."""
        source = self.source
        start, end = source.start(statement), source.end(statement)
        if source.alone_on_line(start, end):
            line_end = source.line_end(end)
            newline = source.newline(end)
            indentation = source.indentation(start)
            if line_end == source.line_content_end(end):  # the last line, with no line ending
                return (line_end, line_end, f"{newline}{indentation}{code}")
            return (line_end, line_end, f"{indentation}{code}{newline}")
        return (end, end, f"; {code}")

    def _insert_before(self, statement: ast.stmt, code: str) -> Edit:
        source = self.source
        first = statement
        decorators = getattr(statement, "decorator_list", None)
        if decorators:
            first = decorators[0]
        start = source.start(first)
        if decorators:
            start = source.text.rindex("@", source.line_start(start), start)
        line_start = source.line_start(start)
        if source.text[line_start:start].strip(" \t\f"):
            return (start, start, f"{code}; ")
        return (line_start, line_start, f"{code}{source.newline(start)}")

    # --- checks and notes ---

    def _check(self) -> None:
        """Drops every edit when the result would not parse or edits overlap (a bug): the
        module is left as it is, with a note saying so."""
        if not self.edits:
            return
        try:
            parse(_source.apply(self.source.text, self.edits))
        except (SyntaxError, ValueError) as e:
            self.edits = []
            self.notes.append(
                (0, f"module left unchanged: the rewrite would not be valid ({e}); please report")
            )

    def _note(self, node: ast.stmt | ast.expr, message: str) -> None:
        self.notes.append((self.source.start(node), message))

    def _spelled(self, node: ast.stmt | ast.expr) -> str:
        """How a note quotes `node`: a dotted name as such (`tf.train.latest_checkpoint`,
        whatever its line breaks), anything else as its text, on one line and shortened."""
        root, attributes = unchain(node) if isinstance(node, ast.expr) else (node, [])
        if isinstance(root, ast.Name):
            return ".".join([root.id, *attributes])
        text = " ".join(self.source.text[self.source.start(node) : self.source.end(node)].split())
        if len(text) > _SPELLING_WIDTH:
            text = text[: _SPELLING_WIDTH - 3] + "..."
        return text


def _root(node: ast.Attribute) -> ast.Name:
    root = unchain(node)[0]
    assert isinstance(root, ast.Name)  # as for every chain that resolves to a path
    return root


def _chain(text: str) -> str:
    """The dotted name a chain's text spells, as Python reads it: without the blanks,
    comments, line continuations and parentheses between its parts, and identifiers in
    NFKC form (`ｔｆ` is `tf`)."""
    return unicodedata.normalize("NFKC", _CHAIN_NOISE.sub("", text))


def _names_in(annotation: str) -> set[str]:
    try:
        tree = ast.parse(annotation.strip(), mode="eval")
    except (SyntaxError, ValueError):
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
