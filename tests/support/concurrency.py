"""Running one step from several threads released together, as overlapping requests or beats."""

import threading

from django.db import connection


def run_at_once(function, times: int = 4) -> list:
    """Call `function` from `times` threads that start together; its results, sorted.

    Each thread has its own database connection (closed when it ends), so each call is its own
    transaction racing the others.
    """
    barrier = threading.Barrier(times)
    results = []

    def run():
        barrier.wait()
        try:
            results.append(function())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(results)
