"""`tf_ckpt_compat.watch()` and `watch_many()`: never miss a checkpoint (beyond TensorFlow; opt-in).

`checkpoints_iterator` stays TensorFlow's, misses included. `watch()` is the
alternative built beside it: what a scan finds (`tracker`), how changes are
found in one directory or a sweep (`directory`, `sweep`) by the watch's thread
(`engine`), pins against the trainer's deletions (`pins`), and a record that
makes a restarted consumer go on exactly where it was (`record`).
"""

from .checkpoint import Checkpoint
from .watcher import Watch, WatchStats, watch, watch_many

__all__ = ["Checkpoint", "Watch", "WatchStats", "watch", "watch_many"]
