"""A tiny process launcher for the cold-start row, run as `python -S -E spawner.py`.

Why a launcher: on Linux a child's `ru_maxrss` is at least the peak resident
size of the memory image it was spawned from (`exec` carries the old image's
high-water mark into the child's accounting, and `fork`, `vfork` and
`posix_spawn` all start from the parent's image). Spawned from the benchmark
process, which has TensorFlow loaded, every child would report about 500 MB. This
launcher imports nothing beyond built-in modules, so its image stays far
smaller than any child's.

Protocol, in `marshal` (a built-in module): each request on stdin is
`(argv, env, stderr_path)`; the answer on stdout is
`(wall_ns, maxrss_kb, exit_status, stdout_bytes)` where `wall_ns` runs from just
before the spawn to just after `wait4`. A request of `None` answers with this
launcher's own peak resident size (VmHWM, in kB). It exits at end of input.
"""

import marshal
import os
import sys
import time


def run(argv, env, stderr_path):
    read_end, write_end = os.pipe()
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_DUP2, write_end, 1),
        (os.POSIX_SPAWN_OPEN, 2, stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
    ]
    start = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=actions)
    os.close(write_end)
    chunks = []
    while True:
        chunk = os.read(read_end, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    _, status, usage = os.wait4(pid, 0)
    wall_ns = time.perf_counter_ns() - start
    os.close(read_end)
    return wall_ns, usage.ru_maxrss, os.waitstatus_to_exitcode(status), b"".join(chunks)


def own_peak_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def main():
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            request = marshal.load(requests)
        except EOFError:
            return
        marshal.dump(own_peak_kb() if request is None else run(*request), answers)
        answers.flush()


if __name__ == "__main__":
    main()
