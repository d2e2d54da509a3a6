"""The gunicorn settings every deployment starts the web app with (gunicorn.conf.py)."""

import gc
import importlib.util
import resource
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

CONFIG = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


@pytest.fixture
def gunicorn_config():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", CONFIG)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    threshold = gc.get_threshold()
    yield module
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_a_started_worker_keeps_what_it_has_loaded_out_of_the_collectors_scans(gunicorn_config):
    gc.unfreeze()
    assert gc.get_freeze_count() == 0

    gunicorn_config.post_worker_init(worker=SimpleNamespace(run=lambda: None))

    # Django's models and every view module (imported through the URLconf) are frozen.
    assert gc.get_freeze_count() > 10_000
    assert gc.get_threshold()[0] == gunicorn_config.COLLECT_AFTER_NEW_OBJECTS == 5_000


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


def test_a_worker_serves_from_a_stack_its_calls_never_map_memory_for(gunicorn_config):
    served = {}
    worker = SimpleNamespace(run=lambda: served.update(faults=faults_calling_down_to_each_depth()))

    gunicorn_config.post_worker_init(worker)
    worker.run()

    assert served["faults"] < 50
    if sys.version_info < (3, 13):
        # The interpreter the machines run unmaps a chunk as soon as its calls return: outside
        # the reserved frame the same calls fault thousands of times.
        assert faults_calling_down_to_each_depth() > 2_000
