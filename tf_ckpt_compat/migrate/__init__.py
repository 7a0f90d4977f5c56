"""Rewrites legacy TensorFlow code to call this package, as `tf-ckpt-compat migrate` does.

Every use of the functions this package provides, in every spelling that reaches
them, becomes a use of the package module that mirrors the original namespace,
so that the code behaves as before:

- `tf.train.X`, `tf.compat.v1.train.X`, `tf.compat.v2.train.X` and
  `tf.contrib.training.X`, through any alias of `tensorflow` (also
  `import tensorflow.compat.v1 as tf`, `from tensorflow import compat`, and
  module aliases such as `t = tf.compat.v1.train`), become
  `tf_ckpt_compat.train.X`, `tf_ckpt_compat.compat.v1.train.X`, ..., and one
  `import tf_ckpt_compat` is added after the module's imports;
- `from tensorflow.compat.v1 import train as t` and then `t.X` become
  `tf_ckpt_compat.compat.v1.train.X`;
- `checkpoint_utils.X` (from `tensorflow.python.training`) becomes
  `tf_ckpt_compat.X`; `checkpoint_management.X` and `py_checkpoint_reader.X`
  become `tf_ckpt_compat.compat.v1.train.X`;
- `from tensorflow.train import X` becomes `from tf_ckpt_compat.train import X`
  (the statement is split when it also imports other names).

Only the characters of the rewritten nodes change: formatting, comments, quotes,
line endings and encoding stay byte for byte. An import that only the rewritten
uses needed is removed; one still used elsewhere in the file stays. Every other
use of TensorFlow is left alone, and so are the uses that cannot be resolved
statically, which are reported instead as `Note`s: `getattr(tf.train, name)`,
`from tensorflow.train import *`, a namespace passed around as a value, a name
bound both to TensorFlow and to something else in one scope. A second rewrite
changes nothing.

    >>> from tf_ckpt_compat.migrate import rewrite_source
    >>> print(rewrite_source("import tensorflow as tf\\ntf.train.latest_checkpoint('/runs')\\n"))
    import tf_ckpt_compat
    tf_ckpt_compat.train.latest_checkpoint('/runs')
    <BLANKLINE>
"""

from __future__ import annotations

import dataclasses
from typing import AnyStr, Generic, NamedTuple

from . import _source
from ._rewrite import Rewrite
from ._table import ALL_NAMES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["NAMES", "Migration", "Note", "migrate_source", "rewrite_source"]

NAMES: frozenset[str] = ALL_NAMES
"""Every name the rewrite knows, in some namespace (what `names=` may restrict it to)."""


class Note(NamedTuple):
    """A use left alone, with the reason: a place that may need a hand.

    Attributes:
      line: its line, from 1.
      column: its column in characters, from 1.
      message: what was left alone, and why.
    """

    line: int
    column: int
    message: str


@dataclasses.dataclass(frozen=True)
class Migration(Generic[AnyStr]):
    """The rewrite of one module.

    Attributes:
      source: the rewritten source, `str` or `bytes` as given.
      notes: the uses left alone that may need a hand, in the order of the source.
      changed: whether `source` differs from the original.
    """

    source: AnyStr
    notes: tuple[Note, ...]
    changed: bool


def migrate_source(source: AnyStr, *, names: Iterable[str] | None = None) -> Migration[AnyStr]:
    """Rewrites one module's source to use this package, and says what it left alone.

    Args:
      source: the module's text, or its bytes as read from a file: bytes are
        decoded as Python decodes a file (a byte order mark, a coding cookie,
        else UTF-8), and the result is bytes in that encoding, with every byte
        outside the rewritten nodes unchanged.
      names: rewrite only these names (such as `"latest_checkpoint"`), in every
        namespace; all of `NAMES` by default.

    Returns:
      A `Migration`: the rewritten source and the notes.

    Raises:
      SyntaxError: if the source does not parse (or its bytes do not decode).
      ValueError: if `names` holds a name not in `NAMES`.
    """
    selected = _names(names)
    if isinstance(source, bytes):
        text, encoding, bom = _source.decode(source)
        rewrite = Rewrite(text, selected)
        data = _source.encode(source, text, rewrite.edits, encoding, bom)
        return Migration(data, _notes(rewrite), data != source)
    rewrite = Rewrite(source, selected)
    text = _source.apply(source, rewrite.edits)
    return Migration(text, _notes(rewrite), text != source)


def rewrite_source(text: str, *, names: Iterable[str] | None = None) -> str:
    """Rewrites one module's source to use this package (see the module's docstring).

    Args:
      text: the module's source.
      names: rewrite only these names, in every namespace; all of `NAMES` by default.

    Returns:
      The rewritten source; `text` itself when nothing is to be rewritten.

    Raises:
      SyntaxError: if `text` does not parse.
      ValueError: if `names` holds a name not in `NAMES`.
    """
    return migrate_source(text, names=names).source


def _names(names: Iterable[str] | None) -> frozenset[str] | None:
    if names is None:
        return None
    if isinstance(names, str):
        raise TypeError("names must be a collection of names, not one string")
    selected = frozenset(names)
    unknown = selected - NAMES
    if unknown:
        raise ValueError(
            f"not a name the rewrite knows: {', '.join(sorted(unknown))} "
            f"(known: {', '.join(sorted(NAMES))})"
        )
    return selected


def _notes(rewrite: Rewrite) -> tuple[Note, ...]:
    notes = {Note(*rewrite.source.position(offset), message) for offset, message in rewrite.notes}
    return tuple(sorted(notes))
