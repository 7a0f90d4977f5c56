"""Which TensorFlow version the pure backend reproduces: its loop, and its reader's messages.

Apart from `_loop` (which imports the backends): the pure checkpoint reader,
which the backends import, needs the version too.
"""

from __future__ import annotations

import os

VERSION_ENV_VAR = "TF_CKPT_COMPAT_TF_VERSION"
_DEFAULT_PURE_VERSION = "2.21.0"
_version_override: str | None = None


def set_tf_version(version: str | None) -> None:
    """Sets which TensorFlow version's loop (and reader messages) the pure backend reproduces.

    Args:
      version: a TensorFlow version such as `"2.16"`, `"2.19"` or `"2.21.0"`, or
        `None` to go back to `TF_CKPT_COMPAT_TF_VERSION` (default: today's loop).
        It takes precedence over the environment variable. With the `tensorflow`
        backend the installed TensorFlow always decides.

    Raises:
      ValueError: if `version` is not a version number.
    """
    global _version_override
    if version is not None:
        variant_of(version, source="set_tf_version")
    _version_override = version


def reproduced_version() -> str:
    """The TensorFlow version the pure backend reproduces, as given.

    `set_tf_version()`'s, else `TF_CKPT_COMPAT_TF_VERSION`'s, else 2.21.0. The
    pure checkpoint reader names it where TensorFlow's messages name its own
    version (a checkpoint of a newer format).
    """
    return (_version_override or os.environ.get(VERSION_ENV_VAR) or _DEFAULT_PURE_VERSION).strip()


def reproduced_variant() -> str:
    """The loop variant of `reproduced_version()`: "A", "B" or "C".

    Raises:
      ValueError: if the version asked for is not a version number.
    """
    if _version_override is not None:
        return variant_of(_version_override, source="set_tf_version")
    return variant_of(
        os.environ.get(VERSION_ENV_VAR) or _DEFAULT_PURE_VERSION, source=VERSION_ENV_VAR
    )


def variant_of(version: str, source: str) -> str:
    """The loop variant of TensorFlow `version`; a ValueError naming `source` if it is none."""
    try:
        major, minor = (int(part) for part in version.strip().split(".")[:2])
    except ValueError:
        raise ValueError(
            f"{source} got {version!r}: expected a TensorFlow version such as 2.16, 2.19 or 2.21."
        ) from None
    if (major, minor) >= (2, 20):
        return "C"
    if (major, minor) == (2, 19):
        return "B"
    return "A"
