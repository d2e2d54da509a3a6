"""Uploaded files, served only through views behind the permission layer.

Nothing serves MEDIA_ROOT: a file there would be open to anyone with its address, whoever the
record it belongs to is for. A view finds the record through the permission layer (404 outside
it) and hands its file to `file_download()`.
"""

import re
from pathlib import PurePosixPath

from django.http import FileResponse, Http404
from django.utils.cache import patch_cache_control


def download_name(field_file, stem: str) -> str:
    """`stem` and the uploaded file's extension, never the uploaded name, which may name a
    child."""
    suffix = PurePosixPath(field_file.name).suffix
    return stem + (suffix.lower() if re.fullmatch(r"\.[A-Za-z0-9]{1,10}", suffix) else "")


def file_download(field_file, stem: str) -> FileResponse:
    """The file as an attachment named `stem`; 404 when none was uploaded or it has gone."""
    if not field_file:
        raise Http404("No file has been uploaded.")
    try:
        opened = field_file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing.") from None
    response = FileResponse(opened, as_attachment=True, filename=download_name(field_file, stem))
    response["X-Content-Type-Options"] = "nosniff"
    # Not kept by the browser or a shared cache: a shared computer keeps no copy.
    patch_cache_control(response, private=True, no_store=True)
    return response
