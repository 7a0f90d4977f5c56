"""The `tensorflow` logger, on which this package logs what TensorFlow logs.

`logging` is imported on the first record, not at `import tf_ckpt_compat`: in a
cold process it costs more than the rest of the package together, and a
`latest_checkpoint` that finds its checkpoint logs nothing.
"""

from __future__ import annotations


class _TensorFlowLogger:
    __slots__ = ()

    def __getattr__(self, name: str) -> object:
        import logging

        return getattr(logging.getLogger("tensorflow"), name)


LOG = _TensorFlowLogger()
