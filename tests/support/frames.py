"""Counting the memory CPython maps for the frames of Python calls (safeguarding.reserved_stack)."""

import resource
import sys


def descend(depth: int) -> int:
    return 0 if depth == 0 else descend(depth - 1)


def faults_calling_down_to_each_depth(deepest: int = 400, times: int = 50) -> int:
    """Minor page faults while calls go down to each depth up to `deepest`, `times` times each.

    Where CPython maps a fresh chunk for the frames past some depth and unmaps it as the calls
    return, each of those calls touches memory the process has not touched before."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for depth in range(deepest):
        for _ in range(times):
            descend(depth)
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


# On the interpreter the machines run, a chunk is unmapped as soon as its calls return: outside
# a reserved frame the calls above fault thousands of times.
UNMAPS_EACH_CHUNK = sys.version_info < (3, 13)
