"""The gunicorn settings every deployment starts the web app with (gunicorn.conf.py)."""

import gc
import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.support.frames import UNMAPS_EACH_CHUNK, faults_calling_down_to_each_depth

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


def test_a_worker_serves_from_a_stack_its_calls_never_map_memory_for(gunicorn_config):
    served = {}
    worker = SimpleNamespace(run=lambda: served.update(faults=faults_calling_down_to_each_depth()))

    gunicorn_config.post_worker_init(worker)
    worker.run()

    assert served["faults"] < 50
    if UNMAPS_EACH_CHUNK:
        assert faults_calling_down_to_each_depth() > 2_000
