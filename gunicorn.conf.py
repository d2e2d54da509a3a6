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


def post_worker_init(worker):
    """Keep the objects a worker holds for its whole life out of the collector's full scans, and
    run its loop with a reserved stack (safeguarding.reserved_stack).

    Without this, a full collection walks every model, URL pattern, form and template the worker
    has loaded: about 200,000 objects and up to 300 ms, during which the request being served
    waits. Freezing them once loaded leaves only what requests leave behind to be scanned.
    """
    from django.urls import get_resolver

    from safeguarding.reserved_stack import run_with_reserved_stack

    get_resolver().url_patterns  # noqa: B018 - imports every view, form and serializer now
    gc.collect()
    gc.freeze()
    gc.set_threshold(COLLECT_AFTER_NEW_OBJECTS, *gc.get_threshold()[1:])
    serve = worker.run
    worker.run = lambda: run_with_reserved_stack(serve)
