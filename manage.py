#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguarding.settings")
    if "SECRET_KEY" not in os.environ:
        # No secret means a developer's machine (production always sets one): run management
        # commands there with development settings rather than refuse to start.
        os.environ.setdefault("DEBUG", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
