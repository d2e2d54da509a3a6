"""Celery's tasks run from a frame with a reserved stack, as gunicorn's workers serve requests
(safeguarding.reserved_stack)."""

from safeguarding.celery import app
from tests.support.frames import UNMAPS_EACH_CHUNK, faults_calling_down_to_each_depth


@app.task(shared=False)
def calls_down_from_a_task() -> int:
    return faults_calling_down_to_each_depth()


def test_a_task_makes_its_calls_without_mapping_memory_for_their_frames():
    # apply() runs the task through the tracer a worker's pool process runs it with.
    faults = calls_down_from_a_task.apply().get()

    assert faults < 50
    if UNMAPS_EACH_CHUNK:
        assert faults_calling_down_to_each_depth() > 2_000
