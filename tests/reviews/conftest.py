import pytest


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Uploaded final reports go to a throwaway folder, not the working tree."""
    settings.MEDIA_ROOT = tmp_path
