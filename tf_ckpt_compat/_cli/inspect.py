"""`tf-ckpt-compat inspect`: a checkpoint's tensors, as TensorFlow's `inspect_checkpoint` tool."""

from __future__ import annotations

import argparse
import base64

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
        "output is TensorFlow's: one `name (DT_FLOAT) [2,3]` line per tensor, or with\n"
        "--tensor/--all-tensors each name and value. JSON is one object: checkpoint and\n"
        "variables (name, dtype, shape, and value when asked: nested lists, strings in\n"
        "base64, NaN and infinities as strings). Values need numpy (exit 2 without it).",
        parents,
    )
    inspect.add_argument("path", metavar="PATH", help="a checkpoint prefix or directory")
    which = inspect.add_mutually_exclusive_group()
    which.add_argument("--tensor", metavar="NAME", help="also print this tensor's value")
    which.add_argument("--all-tensors", action="store_true", help="print every tensor's value")
    add_format(inspect, "json")


def run(args: argparse.Namespace, console: Console) -> int:
    check_environment(directory=args.path)
    with reading_errors(args.path):
        reader = tf_ckpt_compat.load_checkpoint(args.path)
        shapes = reader.get_variable_to_shape_map()
        names = sorted(shapes) if args.all_tensors else [args.tensor] if args.tensor else []
        values = {name: reader.get_tensor(name) for name in names}
        if args.format == "json":
            dtypes = reader.get_variable_to_dtype_map()
            console.result(to_json(_report(args.path, shapes, dtypes, values), indent=2))
            return EXIT_OK
        if not values:
            console.result(reader.debug_string().decode("utf-8", "backslashreplace").rstrip("\n"))
        for name, value in values.items():
            console.result(f"tensor_name:  {name}\n{value}")
    return EXIT_OK


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
        if name in values:
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
