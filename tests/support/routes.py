"""Every route of the site, read from the URL resolver (the route walk, the budget check)."""

from django.urls import URLPattern, URLResolver, get_resolver


def every_route(patterns=None, prefix="", namespace=""):
    """(the route's pattern from the root, its URL pattern, its name as `reverse` takes it)."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from every_route(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry, f"{namespace}{entry.name}"


def view_class_of(callback):
    """The class behind a route's view: Django's `as_view()` keeps it as `view_class`, DRF's
    as `cls`; None for a view written as a function."""
    return getattr(callback, "view_class", None) or getattr(callback, "cls", None)
