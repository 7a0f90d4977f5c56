"""`tf_ckpt_compat.watch()`: never miss a checkpoint (beyond TensorFlow; opt-in).

`checkpoints_iterator` stays TensorFlow's, misses included. `watch()` is the
alternative built beside it: event-driven detection (`tracker`, `watcher`),
pins against the trainer's deletions (`pins`), and a record that makes a
restarted consumer go on exactly where it was (`record`).
"""

from .checkpoint import Checkpoint
from .watcher import Watch, WatchStats, watch

__all__ = ["Checkpoint", "Watch", "WatchStats", "watch"]
