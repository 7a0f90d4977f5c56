import uuid

import pytest

import tf_ckpt_compat

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def pure_backend(monkeypatch):
    """tests/ runs without TensorFlow: force the pure backend and today's loop."""
    monkeypatch.setenv("TF_CKPT_COMPAT_BACKEND", "pure")
    monkeypatch.delenv("TF_CKPT_COMPAT_TF_VERSION", raising=False)
    tf_ckpt_compat.set_tf_version(None)
    yield
    tf_ckpt_compat.set_tf_version(None)


@pytest.fixture
def memory_root():
    """A fresh memory:// root, emptied afterwards (fsspec's memory store is per process)."""
    from fsspec.implementations.memory import MemoryFileSystem

    name = f"tfcc-{uuid.uuid4().hex[:12]}"
    yield f"memory://{name}"
    store, dirs = MemoryFileSystem.store, MemoryFileSystem.pseudo_dirs
    for key in [k for k in store if k.startswith(f"/{name}")]:
        del store[key]
    dirs[:] = [d for d in dirs if not d.startswith(f"/{name}")]


@pytest.fixture(params=["inotify", "poll"])
def watch_mode(request, monkeypatch):
    """Runs a `watch()` test with inotify events, and again with polling only."""
    from tf_ckpt_compat._watch import directory, sweep

    if request.param == "poll":
        monkeypatch.setattr(directory, "open_inotify", lambda: None)
        monkeypatch.setattr(sweep, "open_inotify", lambda: None)
    return request.param
