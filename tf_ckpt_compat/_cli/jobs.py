"""`watch --every --exec CMD --jobs N`: up to N commands at once, in order within each run.

A feeder thread takes checkpoints from the watch and `hold()`s them (each stays
pinned until its command ends); the main thread hands them out. A run's
checkpoints go out oldest first, and by default never two at once for the same
run, so an evaluator that appends to a per-run log sees them in order. At most
`max_pending` checkpoints wait here; beyond that the watch's own queue fills,
and drops its oldest with a warning, as a single consumer's would.
"""

from __future__ import annotations

import collections
import queue
import threading

from .exits import EXIT_OK

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from .._console import Console
    from .._watch import Checkpoint, Watch


def run_jobs(
    console: Console,
    watch: Watch,
    jobs: int,
    per_run: int,
    count: int | None,
    max_pending: int,
    show: Callable[[Checkpoint], None],
    command: Callable[[Checkpoint], int],
    stop_on_error: bool,
    stop: Callable[[], None],
) -> int:
    """Runs `command` for each checkpoint of `watch`, up to `jobs` at once.

    Args:
      console: whose thread watches the wait (a closed output pipe ends it).
      watch: the watch (`watch()` or `watch_many()`), closed on return.
      jobs: how many commands may run at once.
      per_run: how many of them for one run (handed out in order all the same).
      count: stop handing out checkpoints after this many (None: never).
      max_pending: how many held checkpoints may wait for a free job.
      show: prints a checkpoint, when its command starts.
      command: runs the command for a checkpoint (in a thread of its own);
        returns its exit status.
      stop_on_error: a failing command stops the hand-out; its status is returned
        once the running commands have ended (that checkpoint is not recorded).
      stop: ends the commands still running, on the way out (an interruption),
        before the watch is closed and their pins with it.

    Returns:
      0, or with `stop_on_error` the first failing command's status.
    """
    # A checkpoint to hand out; (checkpoint, status) when its command ended; the
    # error that ended the watch; None when it ended.
    events: queue.Queue[Checkpoint | tuple[Checkpoint, int] | BaseException | None] = queue.Queue()
    room = threading.Semaphore(max_pending)

    def feed() -> None:
        try:
            for _ in watch:
                events.put(watch.hold())
                room.acquire()
        except BaseException as e:  # a failing watch: raised in the main thread
            events.put(e)
        events.put(None)

    def run(checkpoint: Checkpoint) -> None:
        events.put((checkpoint, command(checkpoint)))

    waiting: dict[str, collections.deque[Checkpoint]] = {}  # by run, in arrival order
    busy: collections.Counter[str] = collections.Counter()  # commands running, by run
    handed = 0
    status = EXIT_OK
    ended = False
    threading.Thread(target=feed, name="watch-feeder", daemon=True).start()
    try:
        while True:
            stopping = status != EXIT_OK or (count is not None and handed >= count)
            for run_dir in list(waiting):
                if stopping or sum(busy.values()) >= jobs:
                    break
                if busy[run_dir] >= per_run:
                    continue
                checkpoint = waiting[run_dir].popleft()
                if not waiting[run_dir]:
                    del waiting[run_dir]
                busy[run_dir] += 1
                handed += 1
                stopping = count is not None and handed >= count
                show(checkpoint)
                threading.Thread(target=run, args=(checkpoint,), daemon=True).start()
            if not +busy and (stopping or (ended and not waiting)):
                return status
            # No status line (the commands write on the terminal), but a watched wait.
            console.show_status(lambda: "")
            try:
                event = events.get()
            finally:
                console.show_status(None)
            if isinstance(event, tuple):
                finished, returncode = event
                busy[finished.run] -= 1
                room.release()
                if returncode and stop_on_error:
                    status = status or returncode
                else:
                    watch.done(finished)
            elif isinstance(event, BaseException):
                raise event
            elif event is None:
                ended = True
            else:
                waiting.setdefault(event.run, collections.deque()).append(event)
    finally:
        stop()
        watch.close()
