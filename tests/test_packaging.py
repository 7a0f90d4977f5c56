"""The sdist as a release builds it: the whole checkout, the license, no build warnings.

The sdist is built with `python -m build --sdist`, without isolation (the `test`
extra holds the build requirements), from a copy of the files git would commit,
so that nothing ignored or left over in the checkout (a stale `*.egg-info`
would add its old file list) gets in, as in a build from a clean clone.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parents[1]


class Sdist(NamedTuple):
    # The files git would commit, relative to the checkout.
    checkout: list[str]
    # The files in the archive, relative to its top directory.
    shipped: set[str]
    metadata: str
    build_output: str


def checkout_files() -> list[str]:
    """The files git would commit: tracked ones, and new ones it does not ignore."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout (an unpacked sdist, say): nothing to compare with")
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    # A tracked file deleted in the work tree is not part of the next commit.
    return [name for name in listing.split("\0") if name and (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> Sdist:
    checkout = checkout_files()
    source, out = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("dist")
    for name in checkout:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    build = subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir", out, source],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    [archive] = out.glob("*.tar.gz")
    with tarfile.open(archive) as tar:
        members = {m.name.partition("/")[2]: m for m in tar.getmembers() if m.isfile()}
        metadata = tar.extractfile(members["PKG-INFO"]).read().decode()
    return Sdist(checkout, set(members), metadata, build.stdout + build.stderr)


def test_every_file_of_the_checkout_is_shipped(sdist: Sdist):
    # The test trees whole (conftests, helpers, data), and what the tests read
    # beside them: README.md, pyproject.toml, .ci/run, bench/, ...
    assert {"tests/conftest.py", "compat_tests/conftest.py", "LICENSE"} <= set(sdist.checkout)
    assert [name for name in sdist.checkout if name not in sdist.shipped] == []


def test_the_license_is_declared_as_pep_639_says(sdist: Sdist):
    assert "License-Expression: Apache-2.0" in sdist.metadata.splitlines()
    assert "License-File: LICENSE" in sdist.metadata.splitlines()


def test_the_build_warns_of_nothing(sdist: Sdist):
    # setuptools warns of a deprecated configuration (a license table, a license
    # file not found) with a Python warning, which `build` prints as
    # "WARNING `project.license` as a TOML table is deprecated" in a banner of "!!".
    # (distutils' lowercase "warning: no previously-included files" is not one:
    # a clean tree has no bytecode for MANIFEST.in's global-exclude to leave out.)
    assert re.findall(r"^(?:WARNING|!!).*", sdist.build_output, re.MULTILINE) == []
