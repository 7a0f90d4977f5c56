"""Reader and writer of TensorFlow's `checkpoint` state file.

The file is the protobuf text format of the proto3 message
`tensorflow.CheckpointState`. TensorFlow reads it with protobuf's Python
`text_format.Merge` and writes it with `text_format.MessageToString`; `parse`
and `serialize` reproduce both for this one message without protobuf,
including protobuf's quirks and the text, line and column of its errors.

The parser follows protobuf's tokenizer: a token is an identifier
(`[A-Za-z_][0-9A-Za-z_+-]*`), a number (`([0-9+-]|\\.[0-9])[0-9A-Za-z_.+-]*`),
a quoted string running at most to the end of its line, or else any single
character. Whitespace is what `str.isspace` accepts, `#` starts a comment that
runs to the end of the line, and only `\\n` ends a line (for line numbers).
Like tomli, the functions below take the source and a position and return the
position after what they consumed (always at the start of the next token),
and errors compute their line and column only when they are raised.
"""

from __future__ import annotations

import math

from ._state import CheckpointState

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from collections.abc import Callable
    from typing import TypeVar

    T = TypeVar("T")
    # Parses one value at a position: (the position after it, the value).
    ValueParser = Callable[[str, int], tuple[int, T]]

__all__ = ["ParseError", "parse", "serialize"]

_MESSAGE_TYPE = "tensorflow.CheckpointState"

# Exactly the characters for which `str.isspace()` is true, which is what the
# `\s` of protobuf's tokenizer matches (tests check the two agree).
_WHITESPACE = frozenset(
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
    "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
# Spelled out rather than taken from `string`, whose import slows a cold start.
_DIGITS = frozenset("0123456789")
_OCTAL_DIGITS = frozenset("01234567")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_QUOTES = frozenset("\"'")
_IDENTIFIER_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_NUMBER_START = _DIGITS | frozenset("+-")
# What ends an identifier or a number token after its first character: searched
# for at C speed (names and numbers are most of a state file). Compiled on first
# use (`_token_stops`): `re` slows a cold start, and the files TensorFlow writes
# never need it (`_parse_canonical`).
_TOKEN_STOPS: tuple[re.Pattern[str], re.Pattern[str]] | None = None

# The escapes of the `unicode_escape` codec that stand for one fixed string;
# a backslash before a newline (a line continuation) stands for nothing.
_SIMPLE_ESCAPES = {
    "\n": "",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
}
_HEX_ESCAPES = {
    "x": (2, "truncated \\xXX escape"),
    "u": (4, "truncated \\uXXXX escape"),
    "U": (8, "truncated \\UXXXXXXXX escape"),
}
_MALFORMED_NAME = "malformed \\N character escape"

_FIELD_SEPARATORS = frozenset(",;")  # one may follow any field

_INFINITY_SPELLINGS = frozenset(("inf", "inff", "infinity", "infinityf"))
_NAN_SPELLINGS = frozenset(("nan", "nanf"))


class ParseError(ValueError):
    """A state file that protobuf's `text_format.Merge` rejects.

    `line` and `column` are 1-based, counted as protobuf counts them (lines end
    at `\\n` only, columns count code points), and `str()` of the error is the
    same as `str()` of protobuf's `text_format.ParseError`.
    """

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"{line}:{column} : {message}")
        self.message = message
        self.line = line
        self.column = column

    def __reduce__(self) -> tuple[type[ParseError], tuple[str, int, int]]:
        # The default would call __init__ with str(self) alone.
        return type(self), (self.message, self.line, self.column)


def _error(src: str, pos: int, message: str, *, quote_line: bool = True) -> ParseError:
    """An error about the token at `pos` (`len(src)` for the end of the text).

    protobuf prefixes the message with the token's whole line in quotes, except
    for errors it reports against an already consumed token (`quote_line`
    false); at the end of the text the quoted line is empty.
    """
    line_start = src.rfind("\n", 0, pos) + 1
    if quote_line:
        if pos < len(src):
            line_end = src.find("\n", pos)
            line = src[line_start:] if line_end < 0 else src[line_start:line_end]
        else:
            line = ""
        message = f"'{line}': {message}"
    return ParseError(message, src.count("\n", 0, pos) + 1, pos - line_start + 1)


def _skip_space(src: str, pos: int) -> int:
    try:
        while True:
            char = src[pos]
            if char in _WHITESPACE:
                pos += 1
            elif char == "#":
                pos = src.find("\n", pos)
                if pos < 0:
                    return len(src)
            else:
                return pos
    except IndexError:
        return pos


def _scan_quoted(src: str, pos: int) -> tuple[int, bool]:
    """End of the string token opening at `pos`, and whether it has a backslash.

    The token ends after the matching quote, or, unterminated, at the end of
    the line, or just after a backslash that ends the line. Each character is
    looked at a bounded number of times, whatever the backslashes.
    """
    quote = src[pos]
    start = pos + 1
    escaped = False
    while True:
        close = src.find(quote, start)  # the closing quote, unless escaped
        limit = len(src) if close < 0 else close
        newline = src.find("\n", start, limit)
        if newline >= 0:
            limit = newline
        backslash = src.find("\\", start, limit)
        while backslash >= 0 and backslash + 1 != close:
            escaped = True
            # Skip the escaped character; a backslash ending the line ends the token.
            start = backslash + 2
            backslash = src.find("\\", start, limit)
        if backslash < 0:
            return (close + 1 if limit == close else limit), escaped
        escaped = True  # an escaped quote: look further for the closing one
        start = close + 1


def _token_stops() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The first character that cannot continue an identifier, and a number."""
    global _TOKEN_STOPS
    if _TOKEN_STOPS is None:
        import re

        # One assignment: a thread that finds them compiled finds both.
        _TOKEN_STOPS = (re.compile("[^0-9A-Za-z_+-]"), re.compile("[^0-9A-Za-z_.+-]"))
    return _TOKEN_STOPS


def _token_end(src: str, pos: int) -> int:
    char = src[pos]
    if char in _IDENTIFIER_START:
        stop = (_TOKEN_STOPS or _token_stops())[0].search(src, pos + 1)
        return len(src) if stop is None else stop.start()
    if char in _NUMBER_START or (char == "." and src[pos + 1 : pos + 2] in _DIGITS):
        stop = (_TOKEN_STOPS or _token_stops())[1].search(src, pos + 1)
        return len(src) if stop is None else stop.start()
    if char in _QUOTES:
        return _scan_quoted(src, pos)[0]
    return pos + 1


def _token(src: str, pos: int) -> str:
    return src[pos : _token_end(src, pos)] if pos < len(src) else ""


def _is_word_char(char: str) -> bool:
    # What `\w` matches in a str regex.
    return char.isalnum() or char == "_"


def parse(text: str) -> CheckpointState:
    """Parse a state file's text as protobuf's `text_format.Merge` does.

    Raises:
      ParseError: for any text that `text_format.Merge` rejects, with the same
        message, line and column.
    """
    state = _parse_canonical(text)
    return _parse_any(text) if state is None else state


_STRING_FIELDS = frozenset(("model_checkpoint_path", "all_model_checkpoint_paths"))
_DOUBLE_FIELDS = frozenset(("all_model_checkpoint_timestamps", "last_preserved_timestamp"))


def _parse_canonical(text: str) -> CheckpointState | None:
    """The state, if `text` is in the plain form TensorFlow writes; else None.

    That form is one `name: value` line per field, strings in double quotes
    with no quote or backslash inside (so no escapes) and valid as UTF-8
    (no lone surrogate), and doubles as `repr`
    writes them. For such text every rule of the full parser reduces to this
    (a string is its body, a double is `float`, the last singular field wins),
    and it is read several times faster: it is what every poll reads. Anything
    else returns None, for `_parse_any`.
    """
    if text and not text.endswith("\n"):
        return None
    if not text.isascii():  # O(1): only text with other characters is encoded
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate, which protobuf refuses
            return None
    state = CheckpointState()
    paths = state.all_model_checkpoint_paths
    stamps = state.all_model_checkpoint_timestamps
    for line in text.split("\n")[:-1]:
        name, _, value = line.partition(": ")
        if name in _STRING_FIELDS:
            body = value[1:-1]
            if len(value) < 2 or value[0] != '"' or value[-1] != '"':
                return None
            if '"' in body or "\\" in body:
                return None
            if name == "model_checkpoint_path":
                state.model_checkpoint_path = body
            else:
                paths.append(body)
        elif name in _DOUBLE_FIELDS:
            try:
                number = float(value)
            except ValueError:
                return None
            if repr(number) != value:
                return None
            if name == "last_preserved_timestamp":
                state.last_preserved_timestamp = number
            else:
                stamps.append(number)
        else:
            return None
    return state


def _parse_any(text: str) -> CheckpointState:
    """`parse` for any text: protobuf's tokenizer and grammar, rule for rule."""
    src = text
    end = len(src)
    state = CheckpointState()
    pos = _skip_space(src, 0)
    while pos < end:
        if src[pos] == "[":
            raise _extension_error(src, _skip_space(src, pos + 1))
        name_end = _token_end(src, pos)
        name = src[pos:name_end]
        field = _FIELDS.get(name)
        if field is None:
            if not _is_word_char(name[0]):
                raise _error(src, pos, f"Expected identifier or number, got {name}.")
            raise _error(
                src,
                pos,
                f'Message type "{_MESSAGE_TYPE}" has no field named "{name}".',
                quote_line=False,
            )
        attribute, repeated, parse_value = field
        pos = _skip_space(src, name_end)
        if src[pos : pos + 1] != ":":
            raise _error(src, pos, 'Expected ":".')
        pos = _skip_space(src, pos + 1)
        if not repeated:
            pos, value = parse_value(src, pos)
            setattr(state, attribute, value)  # Merge: the last one wins
        elif src[pos : pos + 1] == "[":
            pos = _parse_list(
                src, _skip_space(src, pos + 1), parse_value, getattr(state, attribute)
            )
        else:
            pos, value = parse_value(src, pos)
            getattr(state, attribute).append(value)
        if src[pos : pos + 1] in _FIELD_SEPARATORS:
            pos = _skip_space(src, pos + 1)
    return state


def _extension_error(src: str, pos: int) -> ParseError:
    """The error for `[a.b.c`: protobuf reads the name before refusing it."""
    while True:
        name = _token(src, pos)
        if not name or name[0].isdecimal() or not _is_word_char(name[0]):
            return _error(src, pos, "Expected identifier.")
        name_pos = pos
        pos = _skip_space(src, pos + len(name))
        if not (src.startswith(".", pos) and src[pos + 1 : pos + 2] not in _DIGITS):
            break
        pos = _skip_space(src, pos + 1)
    return _error(
        src,
        name_pos,
        f'Message type "{_MESSAGE_TYPE}" does not have extensions.',
        quote_line=False,
    )


def _parse_list(src: str, pos: int, value_parser: ValueParser[T], values: list[T]) -> int:
    if src.startswith("]", pos):
        return _skip_space(src, pos + 1)
    while True:
        pos, value = value_parser(src, pos)
        values.append(value)
        if src.startswith("]", pos):
            return _skip_space(src, pos + 1)
        if not src.startswith(",", pos):
            raise _error(src, pos, 'Expected ",".')
        pos = _skip_space(src, pos + 1)


def _parse_string(src: str, pos: int) -> tuple[int, str]:
    """A string value: one or more adjacent quoted literals, concatenated."""
    if pos == len(src) or src[pos] not in _QUOTES:
        raise _error(src, pos, f"Expected string but found: {_token(src, pos)!r}")
    # One growing buffer, not a list of each literal's bytes: a file of many
    # short literals would cost tens of bytes of object headers per literal.
    data = bytearray()
    literals = 0
    body = ""
    while True:
        token_end, escaped = _scan_quoted(src, pos)
        if token_end - pos < 2 or src[token_end - 1] != src[pos]:
            raise _error(src, pos, f"String missing ending quote: {src[pos:token_end]!r}")
        try:
            if escaped:
                data += _unescape(src, pos + 1, token_end - 1)
            else:
                body = src[pos + 1 : token_end - 1]
                data += body.encode("utf-8")
        except UnicodeError as e:
            raise _error(src, pos, str(e)) from None
        literals += 1
        pos = _skip_space(src, token_end)
        # Adjacent literals make one value, whose UTF-8 may span them.
        if pos == len(src) or src[pos] not in _QUOTES:
            break
    if literals == 1 and not escaped:
        return pos, body  # the common case: the text as written
    try:
        return pos, data.decode("utf-8")
    except UnicodeDecodeError as e:
        # protobuf reports it against the token after the literals.
        raise _error(src, pos, f"Couldn't parse string: {e}") from None


class _Pieces:
    """A long string written in many small pieces, in a bounded list.

    A list of every piece would cost 8 bytes a piece, several times the text of
    an escape-heavy file: the pieces are joined every few thousand instead.
    """

    __slots__ = ("_joined", "_pieces")

    def __init__(self) -> None:
        self._joined: list[str] = []
        self._pieces: list[str] = []

    def write(self, piece: str) -> None:
        self._pieces.append(piece)
        if len(self._pieces) == 4096:
            self._joined.append("".join(self._pieces))
            self._pieces.clear()

    def getvalue(self) -> str:
        return "".join([*self._joined, "".join(self._pieces)])


def _unescape(src: str, start: int, end: int) -> bytes:
    """The bytes protobuf's Python `text_encoding.CUnescape` makes of `src[start:end]`.

    CUnescape widens one-digit `\\x` escapes to two digits, decodes `\\u` and
    `\\U` escapes with the `raw_unicode_escape` codec, then decodes the UTF-8 of
    the result with the `unicode_escape` codec. The stages, their order and
    their errors are kept, with their quirks (a `\\u005c` joins the escape
    after it; a backslash before a character above U+00FF leaves `\\uXXXX`).
    """
    # Each stage replaces the text of the one before, which nothing else holds:
    # a long string is in memory two or three times at most.
    body = src[start:end]
    if "\\x" in body:
        body = _widen_hex_escapes(body)
    # This codec never warns, unlike `unicode_escape` (see below).
    body = body.encode("raw_unicode_escape").decode("raw_unicode_escape")
    # Decoded by hand: the codec emits DeprecationWarnings for unknown
    # escapes, which Windows paths are full of. The UTF-8 bytes, which its
    # errors quote, are `text.encode("latin-1")`: made again only for an error.
    text = body.encode("utf-8").decode("latin-1")
    del body
    end = len(text)
    pieces = _Pieces()
    pos = 0
    while True:
        backslash = text.find("\\", pos)
        if backslash < 0:
            pieces.write(text[pos:])
            break
        pieces.write(text[pos:backslash])
        pos = backslash + 2
        if pos > end:
            raise _unescape_error(text, backslash, end, "\\ at end of string")
        char = text[backslash + 1]
        simple = _SIMPLE_ESCAPES.get(char)
        if simple is not None:
            pieces.write(simple)
        elif char in _OCTAL_DIGITS:
            digits_end = backslash + 2
            while digits_end < min(end, backslash + 4) and text[digits_end] in _OCTAL_DIGITS:
                digits_end += 1
            pieces.write(chr(int(text[backslash + 1 : digits_end], 8)))
            pos = digits_end
        elif char in _HEX_ESCAPES:
            count, message = _HEX_ESCAPES[char]
            digits_end = pos + count
            if digits_end > end or not _HEX_DIGITS.issuperset(text[pos:digits_end]):
                digits_end = pos
                while digits_end < end and text[digits_end] in _HEX_DIGITS:
                    digits_end += 1
                raise _unescape_error(text, backslash, digits_end, message)
            code = int(text[pos:digits_end], 16)
            if code > 0x10FFFF:
                raise _unescape_error(text, backslash, digits_end, "illegal Unicode character")
            pieces.write(chr(code))
            pos = digits_end
        elif char == "N":
            pos = _write_named_char(text, backslash, pieces)
        else:
            pieces.write(text[backslash : backslash + 2])
    del text
    # Characters above U+00FF (from octal escapes above \377, \u, \U, \N)
    # fail here, as in CUnescape.
    return pieces.getvalue().encode("latin-1")


def _unescape_error(text: str, start: int, end: int, reason: str) -> UnicodeDecodeError:
    """The `unicode_escape` codec's error for `text[start:end]` (text: the UTF-8 as latin-1)."""
    return UnicodeDecodeError("unicodeescape", text.encode("latin-1"), start, end, reason)


def _write_named_char(text: str, backslash: int, pieces: _Pieces) -> int:
    """Decode the `\\N{name}` escape at `backslash`; return the position after it."""
    brace = backslash + 2
    if not text.startswith("{", brace):
        raise _unescape_error(text, backslash, brace, _MALFORMED_NAME)
    close = text.find("}", brace + 1)
    if close < 0:
        raise _unescape_error(text, backslash, len(text), _MALFORMED_NAME)
    if close == brace + 1:
        raise _unescape_error(text, backslash, close, _MALFORMED_NAME)
    import unicodedata  # here: only this rare escape needs it

    try:
        char = unicodedata.lookup(text[brace + 1 : close])
    except KeyError:
        char = ""
    # `lookup` also knows named sequences, which `\N{...}` does not accept.
    if len(char) != 1:
        raise _unescape_error(text, backslash, close + 1, "unknown Unicode character name")
    pieces.write(char)
    return close + 1


def _widen_hex_escapes(body: str) -> str:
    """Turn `\\xH` (one hex digit, after an odd run of backslashes) into `\\x0H`."""
    pieces = _Pieces()
    start = 0
    end = len(body)
    x = body.find("\\x")
    while x >= 0:
        digit = x + 2
        if (
            digit < end
            and body[digit] in _HEX_DIGITS
            and (digit + 1 == end or body[digit + 1] not in _HEX_DIGITS)
        ):
            # Each run of backslashes is counted once: it ends at this `x`.
            run_start = x
            while run_start > 0 and body[run_start - 1] == "\\":
                run_start -= 1
            if (x + 1 - run_start) % 2:
                pieces.write(body[start:digit])
                pieces.write("0")
                start = digit
        x = body.find("\\x", digit)
    pieces.write(body[start:])
    return pieces.getvalue()


def _parse_double(src: str, pos: int) -> tuple[int, float]:
    token_end = _token_end(src, pos) if pos < len(src) else pos
    token = src[pos:token_end]
    try:
        value = _to_double(token)
    except ValueError as e:
        raise _error(src, pos, str(e)) from None
    return _skip_space(src, token_end), value


def _to_double(token: str) -> float:
    """protobuf's `text_format.ParseFloat`, without its regular expressions."""
    unsigned = token[1:] if token.startswith("-") else token
    if unsigned[:1] == "0" and unsigned[1:2] in _DIGITS:
        raise ValueError(f"Invalid octal float: {token}")
    try:
        return float(token)
    except ValueError:
        pass
    if unsigned.lower() in _INFINITY_SPELLINGS:
        return -math.inf if token.startswith("-") else math.inf
    if token.lower() in _NAN_SPELLINGS:
        return math.nan
    try:
        return float(token.rstrip("fF"))
    except ValueError:
        raise ValueError(f"Couldn't parse float: {token}") from None


# Field name -> (attribute, repeated, value parser).
_FIELDS: dict[str, tuple[str, bool, ValueParser[object]]] = {
    "model_checkpoint_path": ("model_checkpoint_path", False, _parse_string),
    "all_model_checkpoint_paths": ("all_model_checkpoint_paths", True, _parse_string),
    "all_model_checkpoint_timestamps": ("all_model_checkpoint_timestamps", True, _parse_double),
    "last_preserved_timestamp": ("last_preserved_timestamp", False, _parse_double),
}


# protobuf's `text_encoding._str_escapes`: octal for ASCII control characters
# and DEL, C escapes for tab, newline, return, quotes and backslash; anything
# else, non-ASCII included, is written as is.
_STRING_ESCAPES = {code: f"\\{code:03o}" for code in [*range(32), 127]}
_STRING_ESCAPES.update({ord("\t"): "\\t", ord("\n"): "\\n", ord("\r"): "\\r", ord('"'): '\\"'})
_STRING_ESCAPES.update({ord("'"): "\\'", ord("\\"): "\\\\"})


def serialize(state: CheckpointState) -> str:
    """The state as protobuf (>= 5.26) `text_format.MessageToString` writes it.

    That is one `name: value` line per set field in field-number order, with
    proto3 defaults left out ("" and a +0.0 singular double; -0.0 and NaN are
    written because protobuf compares the bits) and non-ASCII text unescaped
    (`as_utf8` defaults to true since protobuf 5.26).
    """
    lines = []
    if state.model_checkpoint_path:
        lines.append(f"model_checkpoint_path: {_quote(state.model_checkpoint_path)}\n")
    for path in state.all_model_checkpoint_paths:
        lines.append(f"all_model_checkpoint_paths: {_quote(path)}\n")
    for timestamp in state.all_model_checkpoint_timestamps:
        lines.append(f"all_model_checkpoint_timestamps: {float(timestamp)!r}\n")
    preserved = float(state.last_preserved_timestamp)
    if preserved or math.copysign(1.0, preserved) < 0:
        lines.append(f"last_preserved_timestamp: {preserved!r}\n")
    return "".join(lines)


def _quote(text: str) -> str:
    if text.isprintable() and '"' not in text and "'" not in text and "\\" not in text:
        return f'"{text}"'  # nothing to escape: skip the slower translate
    return '"' + text.translate(_STRING_ESCAPES) + '"'
