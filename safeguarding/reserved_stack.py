"""Running long-lived loops from a frame that reserves room for the calls made under it.

CPython 3.11 keeps the frames of Python calls in 16 KiB chunks of memory, mapping a new chunk
when a call does not fit in the current one and unmapping it as soon as that call returns
(python/cpython#142183, mended only in later versions). Where a loop makes its calls just
across the end of a chunk, every call maps and unmaps memory: a referrer's referral list took
1,173 page faults and 8 ms of system time a request, and a form listing the largest
partnership's agencies 11,400 faults and 79 ms, on some starts of a web worker and not others,
as the depth a worker starts at varies (docs/performance.md, the thirty-first change). Called
from a frame reserving this many stack slots, CPython starts a 512 KiB chunk for it that lasts
as long as the call, and every call made under it fits in the room after it. The reserved
slots are never written, so only the room the calls use is ever touched.
"""

RESERVED_STACK_SLOTS = 32 * 1024


def run_with_reserved_stack(run, *args, **kwargs):
    return run(*args, **kwargs)


run_with_reserved_stack.__code__ = run_with_reserved_stack.__code__.replace(
    co_stacksize=RESERVED_STACK_SLOTS
)
