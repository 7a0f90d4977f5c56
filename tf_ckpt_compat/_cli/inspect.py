"""`tf-ckpt-compat inspect`: a checkpoint's tensors, as TensorFlow's `inspect_checkpoint` tool."""

from __future__ import annotations

import argparse
import base64
import math

import tf_ckpt_compat

from .common import add_command, add_format, check_environment, reading_errors, to_json
from .exits import EXIT_OK

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .._console import Console
    from .common import Commands, Parser


def add_parser(commands: Commands, parents: list[Parser]) -> None:
    inspect = add_command(
        commands,
        "inspect",
        run,
        "Print a checkpoint's tensors (TensorFlow's inspect_checkpoint tool).",
        "PATH is a checkpoint prefix, or a directory read through its state file. Text\n"
        "output is that of TensorFlow's `python -m tensorflow.python.tools.inspect_checkpoint`\n"
        "(2.16 to 2.21): one `name (DT_FLOAT) [2,3]` line per stored tensor, or with\n"
        "--tensor/--all-tensors a `tensor: name (float32) [2, 3]` line and the value of\n"
        "each; then `# Total number of params: N`. Unlike TensorFlow's tool, which prints\n"
        "its errors on standard output and exits 0, a missing tensor or checkpoint is one\n"
        "line on standard error and exit 1. JSON is one object: checkpoint and\n"
        "variables (name, dtype, shape, and value when asked: nested lists, strings in\n"
        "base64, NaN and infinities as strings). Values need numpy (exit 2 without it).",
        parents,
    )
    inspect.add_argument("path", metavar="PATH", help="a checkpoint prefix or directory")
    which = inspect.add_mutually_exclusive_group()
    which.add_argument("--tensor", metavar="NAME", help="also print this tensor's value")
    which.add_argument("--all-tensors", action="store_true", help="print every tensor's value")
    add_format(inspect, "json")


# What TensorFlow's tool prints for a tensor numpy cannot hold (a variant).
NOT_CONVERTIBLE = "<not convertible to a numpy dtype>"


def run(args: argparse.Namespace, console: Console) -> int:
    check_environment(directory=args.path)
    with reading_errors(args.path):
        reader = tf_ckpt_compat.load_checkpoint(args.path)
        shapes = reader.get_variable_to_shape_map()
        names = sorted(shapes) if args.all_tensors else [args.tensor] if args.tensor else []
        dtypes = reader.get_variable_to_dtype_map() if names or args.format == "json" else {}
        values = {name: _value(reader, name) for name in names}
        if args.format == "json":
            report = _report(args.path, shapes, dtypes, values)
            console.result(to_json(report, indent=2))
            return EXIT_OK
        if not names:
            # As TensorFlow's tool: the bytes of partitioned variables' slice keys
            # that are not UTF-8 are left out.
            console.result(reader.debug_string().decode("utf-8", "ignore"))
        for name, value in values.items():
            console.result(f"tensor: {name} ({dtypes[name].name}) {shapes[name]}")
            console.result(NOT_CONVERTIBLE if value is _NONE else str(value))
        total = sum(math.prod(shape) for shape in shapes.values())
        console.result(f"# Total number of params: {total}")
    return EXIT_OK


_NONE = object()  # the value of a tensor numpy cannot hold


def _value(reader: Any, name: str) -> Any:
    """The tensor's value; `_NONE` for one TensorFlow's reader cannot convert (a variant)."""
    try:
        return reader.get_tensor(name)
    except Exception as e:
        # InternalError: the package's, or TensorFlow's own with its backend.
        if type(e).__name__ != "InternalError":
            raise
        return _NONE


def _report(
    path: str, shapes: dict[str, list[int]], dtypes: dict[str, Any], values: dict[str, Any]
) -> dict[str, object]:
    variables: list[dict[str, object]] = []
    for name in sorted(shapes):
        variable: dict[str, object] = {
            "name": name,
            "dtype": dtypes[name].name,
            "shape": list(shapes[name]),
        }
        if name in values and values[name] is not _NONE:
            variable["value"] = _plain(values[name])
        variables.append(variable)
    return {"checkpoint": path, "variables": variables}


def _plain(value: Any) -> object:
    """A tensor value as JSON can hold it: nested lists; bytes in base64; complex as pairs."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, complex):
        return [value.real, value.imag]
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if hasattr(value, "tolist"):
        return _plain(value.tolist())
    return value
