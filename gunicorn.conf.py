"""Gunicorn settings for every deployment of the web app: docker-compose and `make bench`.

Command-line flags (workers, bind address) are given where gunicorn is started; this file holds
what must be the same everywhere.
"""

import gc

# Python's cycle collector runs its first generation after every 700 new container objects: two
# or three times a request here, each run promoting survivors towards the generations scanned
# less often. Every 5,000, 260 requests ran 77 collections instead of 561, none over 35 ms.
# Much less often makes each one long: every 50,000 took 76 ms a collection.
COLLECT_AFTER_NEW_OBJECTS = 5_000


# CPython 3.11 keeps the frames of Python calls in 16 KiB chunks of memory, mapping a new chunk
# when a call does not fit in the current one and unmapping it as soon as that call returns
# (python/cpython#142183, mended only in later versions). Where a page's loop makes its calls
# just across the end of a chunk, every call maps and unmaps memory: a referrer's referral list
# took 1,173 page faults and 8 ms of system time a request, and a form listing the largest
# partnership's agencies 11,400 faults and 79 ms, on some starts of a worker and not others, as
# the depth a worker starts at varies. A worker that runs its loop from a frame reserving this
# many stack slots has CPython start a 512 KiB chunk for it that lasts the worker's life, and
# every request's calls fit in the room after it. The reserved slots are never written, so only
# the room the calls use is ever touched.
RESERVED_STACK_SLOTS = 32 * 1024


def run_with_reserved_stack(run):
    return run()


run_with_reserved_stack.__code__ = run_with_reserved_stack.__code__.replace(
    co_stacksize=RESERVED_STACK_SLOTS
)


def post_worker_init(worker):
    """Keep the objects a worker holds for its whole life out of the collector's full scans, and
    run its loop with a reserved stack (above).

    Without this, a full collection walks every model, URL pattern, form and template the worker
    has loaded: about 200,000 objects and up to 300 ms, during which the request being served
    waits. Freezing them once loaded leaves only what requests leave behind to be scanned.
    """
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view, form and serializer now
    gc.collect()
    gc.freeze()
    gc.set_threshold(COLLECT_AFTER_NEW_OBJECTS, *gc.get_threshold()[1:])
    serve = worker.run
    worker.run = lambda: run_with_reserved_stack(serve)
