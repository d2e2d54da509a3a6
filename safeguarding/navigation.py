"""The service menu and the home page's "what you can do" list, shaped by a person's roles.

Each app registers its own entries in its AppConfig.ready().
"""

from dataclasses import dataclass

from django.urls import reverse

from . import permissions


@dataclass(frozen=True)
class Destination:
    label: str
    url_name: str
    description: str = ""
    roles: tuple[str, ...] | None = None  # None: everyone signed in
    in_menu: bool = True
    order: int = 50


_destinations: list[Destination] = []


def register(destination: Destination) -> None:
    _destinations.append(destination)
    _destinations.sort(key=lambda d: d.order)


def destinations_for(user) -> list[Destination]:
    if not user.is_authenticated:
        return []
    roles = permissions.user_roles(user)
    return [
        d
        for d in _destinations
        if d.roles is None or user.is_superuser or roles.intersection(d.roles)
    ]


def menu_for(request) -> list[dict]:
    items = []
    for destination in destinations_for(request.user):
        if not destination.in_menu:
            continue
        url = reverse(destination.url_name)
        active = request.path == url or (url != "/" and request.path.startswith(url))
        items.append({"label": destination.label, "url": url, "active": active})
    return items
