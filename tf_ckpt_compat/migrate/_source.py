"""Source text by offsets: positions of syntax nodes, the layout of import statements, edits.

`ast` gives each node's line and its column in UTF-8 bytes; everything here
works in character offsets into the text, so that an edit replaces exactly the
characters of the node it rewrites and leaves every other character, line
ending and comment as it was.
"""

from __future__ import annotations

import bisect
import codecs
import io
import re
import tokenize

TYPE_CHECKING = False
if TYPE_CHECKING:
    import ast
    from collections.abc import Sequence

    # (start, end, replacement): characters start to end become replacement.
    Edit = tuple[int, int, str]

# The line endings Python's tokenizer knows; str.splitlines() knows more (form feed...).
_NEWLINE = re.compile(r"\r\n|\r|\n")
# What may follow a statement (or, with a comma, an imported name) that is alone on its line.
_BLANK_TAIL = {
    separator: re.compile(rf"[ \t\f]*{separator}?[ \t\f]*(#.*)?\Z", re.S) for separator in ";,"
}


class LayoutError(Exception):
    """A statement whose tokens are not laid out as its syntax tree says."""


class Source:
    """A module's text, with the offsets of its lines."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts = [0, *(match.end() for match in _NEWLINE.finditer(text))]

    def offset(self, line: int, column: int) -> int:
        """The offset of `ast`'s (1-based line, UTF-8 column)."""
        start = self._starts[line - 1]
        content = self.text[start : self._content_end(line - 1)]
        if content.isascii():
            return start + column
        return start + len(content.encode("utf-8")[:column].decode("utf-8"))

    def start(self, node: ast.stmt | ast.expr) -> int:
        return self.offset(node.lineno, node.col_offset)

    def end(self, node: ast.stmt | ast.expr) -> int:
        assert node.end_lineno is not None and node.end_col_offset is not None
        return self.offset(node.end_lineno, node.end_col_offset)

    def position(self, offset: int) -> tuple[int, int]:
        """The 1-based (line, column in characters) of `offset`."""
        index = bisect.bisect_right(self._starts, offset) - 1
        return index + 1, offset - self._starts[index] + 1

    def line_start(self, offset: int) -> int:
        return self._starts[bisect.bisect_right(self._starts, offset) - 1]

    def line_content_end(self, offset: int) -> int:
        """Where the line holding `offset` ends, before its line ending."""
        return self._content_end(bisect.bisect_right(self._starts, offset) - 1)

    def line_end(self, offset: int) -> int:
        """Where the line holding `offset` ends, after its line ending."""
        index = bisect.bisect_right(self._starts, offset)
        return self._starts[index] if index < len(self._starts) else len(self.text)

    def newline(self, offset: int) -> str:
        """The line ending of the line holding `offset`, or the file's first one, or "\\n"."""
        ending = self.text[self.line_content_end(offset) : self.line_end(offset)]
        if ending:
            return ending
        match = _NEWLINE.search(self.text)
        return match.group() if match else "\n"

    def alone_on_line(self, start: int, end: int, separator: str = ";") -> bool:
        """Whether only blanks precede `start` on its line, and only blanks, one `separator`
        and a comment follow `end` on its line."""
        before = self.text[self.line_start(start) : start]
        after = self.text[end : self.line_content_end(end)]
        return not before.strip(" \t\f") and _BLANK_TAIL[separator].match(after) is not None

    def indentation(self, offset: int) -> str:
        start = self.line_start(offset)
        line = self.text[start : self.line_content_end(offset)]
        return line[: len(line) - len(line.lstrip(" \t\f"))]

    def _content_end(self, index: int) -> int:
        if index + 1 < len(self._starts):
            end = self._starts[index + 1]
            return end - (2 if self.text.startswith("\r\n", end - 2) else 1)
        return len(self.text)


class ImportLayout:
    """Where an import statement's module and names are, as offsets into the source.

    Attributes:
      module: the span of `from`'s dotted module name (None for `import`).
      names: the span of each name (`a.b as c`), in order.
      parenthesized: whether the names are in parentheses.
    """

    def __init__(self, source: Source, statement: ast.Import | ast.ImportFrom) -> None:
        start, end = source.start(statement), source.end(statement)
        segment = source.text[start:end]
        lines = [0, *(match.end() for match in _NEWLINE.finditer(segment))]
        tokens: list[tuple[str, int, int]] = []
        try:
            for token in tokenize.generate_tokens(io.StringIO(segment, newline="").readline):
                if token.type in (tokenize.NAME, tokenize.OP):
                    (row, column), (end_row, end_column) = token.start, token.end
                    tokens.append(
                        (
                            token.string,
                            start + lines[row - 1] + column,
                            start + lines[end_row - 1] + end_column,
                        )
                    )
        except (tokenize.TokenError, SyntaxError, IndexError) as e:
            raise LayoutError(str(e)) from None
        words = [word for word, _, _ in tokens]
        if not words or words[0] not in ("from", "import") or "import" not in words:
            raise LayoutError("not an import statement")
        keyword = words.index("import")
        self.module = None
        if words[0] == "from":
            if keyword < 2:
                raise LayoutError("no module")
            self.module = (tokens[1][1], tokens[keyword - 1][2])
        rest = tokens[keyword + 1 :]
        self.parenthesized = bool(rest) and rest[0][0] == "("
        if self.parenthesized:
            rest = rest[1:-1]
        self.names: list[tuple[int, int]] = []
        current: list[tuple[str, int, int]] = []
        for item in [*rest, (",", -1, -1)]:
            if item[0] == ",":
                if current:
                    self.names.append((current[0][1], current[-1][2]))
                current = []
            else:
                current.append(item)
        if len(self.names) != len(statement.names):
            raise LayoutError("names do not match")


def apply(text: str, edits: Sequence[Edit]) -> str:
    """`text` with each edit made; edits may not overlap (insertions at one point keep their order).

    Raises:
      ValueError: if two edits overlap.
    """
    parts: list[str] = []
    position = 0
    for start, end, replacement in sorted(edits, key=lambda edit: (edit[0], edit[1])):
        if start < position:
            raise ValueError("overlapping edits")
        parts.append(text[position:start])
        parts.append(replacement)
        position = end
    parts.append(text[position:])
    return "".join(parts)


def decode(data: bytes) -> tuple[str, str, bytes]:
    """A module's bytes as text, as Python reads them (PEP 263).

    Returns:
      (text, encoding, byte order mark): the mark, if any, is not in the text.

    Raises:
      SyntaxError: for an unknown encoding, or bytes the encoding cannot decode.
    """
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    bom = codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b""
    if bom:
        encoding = "utf-8"
    try:
        return data[len(bom) :].decode(encoding), encoding, bom
    except UnicodeDecodeError as e:
        line = data[len(bom) : len(bom) + e.start].count(b"\n") + 1
        raise SyntaxError(
            f"cannot decode byte {e.start} as {encoding}: {e.reason}", ("<bytes>", line, 0, "")
        ) from None


def encode(data: bytes, text: str, edits: Sequence[Edit], encoding: str, bom: bytes) -> bytes:
    """The bytes of `text` with `edits` made, every byte outside the edits copied from `data`.

    `data` (after the mark `bom`) decodes to `text`. Each unchanged stretch of
    text is located in `data` by encoding it; when that does not reproduce
    `data`'s bytes (a stateful encoding), the whole new text is encoded instead.
    """
    body = data[len(bom) :]
    parts: list[bytes] = [bom]
    position = byte = 0
    for start, end, replacement in sorted(edits, key=lambda edit: (edit[0], edit[1])):
        kept = text[position:start].encode(encoding)
        removed = text[start:end].encode(encoding)
        if not body.startswith(kept, byte) or not body.startswith(removed, byte + len(kept)):
            return bom + apply(text, edits).encode(encoding)
        parts.append(kept)
        parts.append(replacement.encode(encoding))
        byte += len(kept) + len(removed)
        position = end
    if text[position:].encode(encoding) != body[byte:]:
        return bom + apply(text, edits).encode(encoding)
    parts.append(body[byte:])
    return b"".join(parts)
