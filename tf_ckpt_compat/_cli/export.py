"""`tf-ckpt-compat export`: a checkpoint's tensors as one `.npz` or `.safetensors` file.

For a PyTorch or JAX user converting a TensorFlow checkpoint without
TensorFlow. Every variable the checkpoint lists is exported under its
checkpoint key, partitioned variables whole (as `list_variables` shows them).
The output is written to a temporary file beside OUT and renamed into place
only once complete: a failure at any point leaves no OUT, or the old one.

How each format holds what a checkpoint holds:

- `.npz` (numpy): every tensor, read back by `numpy.load` without pickle,
  except a string tensor that fixed-width bytes (numpy `S`) would not hold
  exactly: one with a value ending in a NUL byte (which `S` drops), or with
  values so unequal in length that padding them would more than double the
  bytes. Those are object arrays of `bytes` (`numpy.load(...,
  allow_pickle=True)`). bfloat16, float8 and the 4- and 2-bit types are
  raw bytes, as numpy writes bfloat16 (`|V2`), which `.view(ml_dtypes.bfloat16)`
  turns back (numpy itself writes float8_e5m2 as `<f1`, which it cannot read). The object graph
  (`_CHECKPOINTABLE_OBJECT_GRAPH`) is kept, as the bytes scalar it is.
- `.safetensors`: numeric tensors of the dtypes the installed safetensors
  holds (float64/32/16, bfloat16, float8_e4m3fn and _e5m2, their fnuz forms
  and complex64 in recent releases, integers, bool). The object graph, which
  is TensorFlow's bookkeeping and no weight, is left out. Any other tensor
  (strings, complex128, quantized or 4-bit types) stops the export before
  anything is written, naming it; `--skip-unsupported` leaves such tensors out
  instead, each named on standard error.

Resource and variant tensors (a `tf.data` iterator's state) hold no values
outside TensorFlow: in either format they stop the export, or with
`--skip-unsupported` are left out. So are, in a V1 checkpoint, the tensors
TensorFlow's V1 reader does not read (partitioned variables, and dtypes it
does not copy: its `UnimplementedError`).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os

import tf_ckpt_compat

from .common import add_command, check_environment, reading_errors
from .exits import EXIT_OK, EXIT_OUTPUT, EXIT_USAGE, CliError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from .._console import Console
    from .common import Commands, Parser

# `OBJECT_GRAPH_PROTO_KEY` in tensorflow/python/trackable/constants.py.
OBJECT_GRAPH = "_CHECKPOINTABLE_OBJECT_GRAPH"
FORMATS = (".npz", ".safetensors")
# Strings padded to a fixed width may take at most this many times their own
# bytes (plus _SLACK) before an object array holds them instead.
_PADDING_FACTOR = 2
_SLACK = 1 << 20


def add_parser(commands: Commands, parents: list[Parser]) -> None:
    export = add_command(
        commands,
        "export",
        run,
        "Write a checkpoint's tensors to a .npz or .safetensors file, without TensorFlow.",
        "PATH is a checkpoint prefix, or a directory read through its state file. OUT's\n"
        "extension picks the format: .npz (numpy) or .safetensors (pip install\n"
        "'tf-ckpt-compat[safetensors]'). Each tensor keeps its checkpoint key;\n"
        "partitioned variables are written whole. Strings go to .npz as fixed-width\n"
        "bytes (object arrays when that would lose or pad too much); bfloat16 and float8\n"
        "as numpy writes them (raw bytes: .view(ml_dtypes.bfloat16)). .safetensors leaves\n"
        "out _CHECKPOINTABLE_OBJECT_GRAPH and refuses string, complex128, resource and\n"
        "variant tensors unless --skip-unsupported, which also leaves out the tensors of a\n"
        "V1 checkpoint TensorFlow cannot read. OUT is written to a temporary file\n"
        "and renamed into place when complete; an existing OUT is kept unless --force.",
        parents,
    )
    export.add_argument("path", metavar="PATH", help="a checkpoint prefix or directory")
    export.add_argument(
        "out", metavar="OUT", type=output_file, help="the .npz or .safetensors file to write"
    )
    export.add_argument("--force", action="store_true", help="replace OUT if it exists")
    export.add_argument(
        "--skip-unsupported",
        action="store_true",
        help="leave out the tensors the format cannot hold, or TensorFlow's V1 reader cannot "
        "read (each named on standard error), instead of failing",
    )


def output_file(text: str) -> str:
    if os.path.splitext(text)[1].lower() not in FORMATS:
        raise argparse.ArgumentTypeError(
            f"OUT must end in .npz or .safetensors (the format), got {text!r}"
        )
    return text


def run(args: argparse.Namespace, console: Console) -> int:
    check_environment(directory=args.path)
    out: str = args.out
    kind = os.path.splitext(out)[1].lower()[1:]  # "npz" or "safetensors"
    writer = _safetensors_writer() if kind == "safetensors" else _npz_writer()
    _check_output(out, args.force)
    with reading_errors(args.path):
        reader = tf_ckpt_compat.load_checkpoint(args.path)
        names, refused = _select(reader.get_variable_to_dtype_map(), kind == "safetensors")
        if refused and not args.skip_unsupported:
            shown = ", ".join(f"{name} ({dtype})" for name, dtype in refused[:3])
            more = f" and {len(refused) - 3} more" if len(refused) > 3 else ""
            raise CliError(f"{kind} cannot hold {shown}{more}; --skip-unsupported leaves them out")
        unread: list[tuple[str, str]] = []
        read = functools.partial(_read, reader, args.skip_unsupported, unread)
        _write_atomically(out, args.force, lambda path: writer(path, read, names))
    for name, dtype in refused:
        console.stderr_line(f"warning: left out {name} ({dtype}): {kind} cannot hold it")
    for name, reason in unread:
        console.stderr_line(f"warning: left out {name}: {reason}")
    console.result(f"{out}: {len(names) - len(unread)} tensors")
    return EXIT_OK


def _read(reader: Any, skip: bool, unread: list[tuple[str, str]], name: str) -> Any:
    """The tensor's value; None, noted in `unread`, for one the reader refuses, if `skip`.

    A V1 checkpoint lists tensors TensorFlow's V1 reader does not read
    (`UnimplementedError`: TensorFlow's own with its backend): the dtypes hide
    only some of them (a partitioned variable has its variable's dtype).
    """
    try:
        return reader.get_tensor(name)
    except Exception as e:
        if type(e).__name__ != "UnimplementedError":
            raise
        if not skip:
            raise CliError(
                f"cannot read {name}: UnimplementedError: {e}; --skip-unsupported leaves it out"
            ) from None
        unread.append((name, f"UnimplementedError: {e}"))
        return None


def _check_output(out: str, force: bool) -> None:
    """Refuses an OUT that is a directory, in a missing directory, or (without --force) exists."""
    if os.path.isdir(out):
        raise CliError(f"OUT is a directory: {out}", EXIT_USAGE)
    parent = os.path.dirname(out) or "."
    if not os.path.isdir(parent):
        raise CliError(f"OUT's directory does not exist: {parent}", EXIT_USAGE)
    if os.path.lexists(out) and not force:
        raise _exists(out)


def _select(dtypes: dict[str, Any], safetensors: bool) -> tuple[list[str], list[tuple[str, str]]]:
    """The names to export, in order, and (name, dtype name) of those the format cannot hold."""
    names: list[str] = []
    refused: list[tuple[str, str]] = []
    for name in sorted(dtypes):
        dtype = dtypes[name]
        if safetensors and name == OBJECT_GRAPH:
            continue
        if _holds(dtype, safetensors):
            names.append(name)
        else:
            refused.append((name, dtype.name))
    return names, refused


def _holds(dtype: Any, safetensors: bool) -> bool:
    """Whether the format can hold tensors of `dtype` (a DType, ours or TensorFlow's)."""
    if dtype.name in ("resource", "variant"):
        return False
    if not safetensors:
        return True
    if dtype.name == "string":
        return False
    return _safetensors_holds(dtype.as_numpy_dtype)


# --- .npz ---------------------------------------------------------------------------------


def _npz_writer() -> Callable[[str, Callable[[str], Any], list[str]], None]:
    _numpy()
    return _write_npz


def _write_npz(path: str, read: Callable[[str], Any], names: list[str]) -> None:
    """One `.npy` member per tensor, as `numpy.savez` writes them; one tensor in memory at once.

    A tensor `read` gives no value (None) for is left out.
    """
    import zipfile

    np = _numpy()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name in names:
            value = read(name)
            if value is None:
                continue
            array = np.asarray(value)
            if array.dtype == object:
                array = _fixed_width(np, array)
            elif array.dtype.type.__module__ == "ml_dtypes":
                # Raw bytes, as numpy writes bfloat16 (|V2); it would write
                # float8_e5m2 as "<f1", which numpy.load refuses.
                array = array.view(f"V{array.dtype.itemsize}")
            with archive.open(name + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=array.dtype == object)


def _fixed_width(np: Any, strings: Any) -> Any:
    """A string tensor as numpy `S` (no pickle needed to load it) when that holds it exactly."""
    items = strings.ravel().tolist()
    total = sum(len(item) for item in items)
    widest = max((len(item) for item in items), default=0)
    if any(item.endswith(b"\0") for item in items):
        return strings  # `S` drops trailing NUL bytes
    if widest * len(items) > _PADDING_FACTOR * total + _SLACK:
        return strings
    return strings.astype(f"S{max(widest, 1)}")


def _numpy() -> Any:
    from .._bundle.dtypes import import_numpy

    try:
        return import_numpy()
    except ImportError as e:
        raise CliError(str(e), EXIT_USAGE) from None


# --- .safetensors -------------------------------------------------------------------------


def _safetensors_writer() -> Callable[[str, Callable[[str], Any], list[str]], None]:
    _numpy()
    try:
        import safetensors.numpy  # pyright: ignore[reportMissingImports]  # noqa: F401
    except ImportError:
        raise CliError(
            "writing .safetensors needs safetensors: pip install 'tf-ckpt-compat[safetensors]'",
            EXIT_USAGE,
        ) from None
    return _write_safetensors


@functools.cache
def _safetensors_holds(numpy_dtype: Any) -> bool:
    """Whether the installed safetensors writes this numpy dtype (releases differ: ask it)."""
    import safetensors.numpy  # pyright: ignore[reportMissingImports]

    np = _numpy()
    try:
        safetensors.numpy.save({"probe": np.empty((0,), numpy_dtype)})
    except Exception:  # SafetensorError, ValueError, TypeError: by release
        return False
    return True


def _write_safetensors(path: str, read: Callable[[str], Any], names: list[str]) -> None:
    """All tensors at once, through `safetensors.numpy.save_file` (it writes one header first).

    It takes numpy's dtype names ("bfloat16", "float8_e4m3fn"), which ml_dtypes'
    types carry, so bfloat16 and float8 are written as BF16, F8_E4M3... A
    tensor `read` gives no value (None) for is left out.
    """
    import safetensors.numpy  # pyright: ignore[reportMissingImports]

    np = _numpy()
    values = {name: read(name) for name in names}
    # np.asarray keeps a scalar's shape (ascontiguousarray makes it 1-d); the
    # readers' arrays are C-contiguous, as safetensors needs them.
    tensors = {
        name: np.asarray(value, order="C") for name, value in values.items() if value is not None
    }
    try:
        safetensors.numpy.save_file(tensors, path)
    except safetensors.SafetensorError as e:  # its I/O errors: the dtypes were checked
        raise OSError(str(e)) from None


# --- writing OUT ----------------------------------------------------------------------------


def _write_atomically(out: str, force: bool, write: Callable[[str], None]) -> None:
    """`write(temporary)` beside `out`, then the rename; on any failure, no temporary is left.

    Without `force`, the final step is a hard link, which fails if OUT has
    appeared meanwhile; on a filesystem without hard links, a last check and a
    rename.
    """
    import tempfile

    directory = os.path.dirname(out) or "."
    try:
        fd, temporary = tempfile.mkstemp(
            dir=directory, prefix=f".{os.path.basename(out)}.", suffix=".tmp"
        )
    except OSError as e:
        raise _output_error(out, e) from None
    os.close(fd)
    try:
        write(temporary)
        with open(temporary, "rb") as f:
            os.fsync(f.fileno())
        # mkstemp's file is private (0600): give OUT the mode a new file gets.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        _put_in_place(temporary, out, force)
    except OSError as e:
        raise _output_error(out, e) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def _put_in_place(temporary: str, out: str, force: bool) -> None:
    if force:
        os.replace(temporary, out)
        return
    try:
        os.link(temporary, out)
    except FileExistsError:
        raise _exists(out) from None
    except OSError:  # no hard links here
        if os.path.lexists(out):
            raise _exists(out) from None
        os.replace(temporary, out)


def _exists(out: str) -> CliError:
    return CliError(f"{out} exists: --force replaces it", EXIT_USAGE)


def _output_error(out: str, error: OSError) -> CliError:
    return CliError(f"cannot write {out}: {error.strerror or error}", EXIT_OUTPUT)
