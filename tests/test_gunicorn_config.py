"""The gunicorn settings every deployment starts the web app with (gunicorn.conf.py)."""

import gc
import importlib.util
from pathlib import Path

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

    gunicorn_config.post_worker_init(worker=None)

    # Django's models and every view module (imported through the URLconf) are frozen.
    assert gc.get_freeze_count() > 10_000
    assert gc.get_threshold()[0] == gunicorn_config.COLLECT_AFTER_NEW_OBJECTS == 5_000
