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
