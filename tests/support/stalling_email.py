"""An email backend for one test: it announces that sending started, then never finishes."""

import os
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class StallingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        Path(os.environ["STALLING_EMAIL_MARKER"]).touch()
        time.sleep(120)  # the test kills the worker long before this ends
        return 0
