"""The Celery app. Configuration comes from Django settings (the CELERY_ names)."""

import os

from celery import Celery, Task

from .reserved_stack import run_with_reserved_stack

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguarding.settings")


class ReservedStackTask(Task):
    """A task run from a frame with a reserved stack, as the web workers serve requests: a sweep
    calls the same services and templates, in a pool process at a depth of its own."""

    def __call__(self, *args, **kwargs):
        return run_with_reserved_stack(super().__call__, *args, **kwargs)


app = Celery("safeguarding", task_cls=ReservedStackTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
