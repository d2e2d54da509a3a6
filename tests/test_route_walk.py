"""Walk every page and API route as every demo persona and as an anonymous visitor.

Routes are discovered from the URL resolver (pages and API alike), so a new view is covered
the moment it is added. For each route and persona:
- nothing answers 500;
- anonymous visitors are sent to sign in (pages) or refused with 401 (API);
- another partnership's people get 403 or 404 on Riverside's records;
- the independent scrutineer never receives a child's name, date of birth, address or NHS
  number.
"""

import re
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from tests.personas import ANONYMOUS, DEMO_USERNAMES, OTHER_PARTNERSHIP, SCRUTINEER, sign_in

# Not walked: the framework's own pages (tested in tests/test_setup.py) and signing out, which
# would end the walk.
SKIPPED_PREFIXES = (
    "admin/",
    "static/",
    "media/",
    "api/v1/docs/",
    "api/v1/schema/",
    "sign-out/",
    "health/",  # infrastructure: answers 503 when no Celery worker runs (tests/safeguarding)
)
OPEN_ROUTES = {"sign-in/", "api/v1/auth/token/"}
IDENTIFYING_FIELDS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "address",
    "postcode",
    "nhs_number",
    "expected_due_date",
)


@dataclass
class Route:
    template: str
    url: str | None
    model: type | None

    @property
    def is_api(self) -> bool:
        return self.template.startswith("api/")


def walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def model_of(pattern: URLPattern):
    view = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
    queryset = getattr(view, "queryset", None)
    if queryset is not None:
        return queryset.model
    return getattr(view, "model", None)


def sample_object(model, riverside):
    objects = model._default_manager.all()
    if any(f.name == "partnership" for f in model._meta.fields):
        objects = objects.filter(partnership=riverside)
    return objects.order_by("pk").first()


def route_templates() -> list[tuple[str, URLPattern]]:
    """Every walkable route, in one notation (<name> for each parameter)."""
    found = []
    for raw, pattern in walk(get_resolver().url_patterns):
        if "(?P<format>" in raw:
            continue  # DRF's ".json" suffix variants of routes already walked
        template = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", raw).replace("^", "").replace("$", "")
        if not template.startswith(SKIPPED_PREFIXES):
            found.append((template, pattern))
    return found


def discover(riverside) -> tuple[list[Route], list[str]]:
    routes, unwalked = [], []
    for template, pattern in route_templates():
        params = re.findall(r"<(?:(\w+):)?(\w+)>", template)
        model = model_of(pattern)
        if not params:
            routes.append(Route(template, "/" + template, model))
            continue
        names = [name for _, name in params]
        obj = sample_object(model, riverside) if model is not None and names == ["pk"] else None
        if obj is None:
            unwalked.append(template)
            continue
        routes.append(Route(template, "/" + re.sub(r"<[^>]+>", str(obj.pk), template), model))
    return routes, unwalked


def identifying_values() -> set[str]:
    """Every child's identifying details held anywhere, in the forms a page would show them:
    full names, dates of birth (ISO and written out), addresses, postcodes, NHS numbers."""
    values = set()
    for model in apps.get_models():
        if not hasattr(model, "access_log_label"):
            continue
        fields = [f.name for f in model._meta.fields if f.name in IDENTIFYING_FIELDS]
        for row in model._default_manager.values(*fields):
            first, last = row.pop("first_name", ""), row.pop("last_name", "")
            if first and last:
                values.add(f"{first} {last}")
            for value in row.values():
                if hasattr(value, "isoformat"):
                    values.update({value.isoformat(), f"{value:%-d %B %Y}", f"{value:%-d %b %Y}"})
                elif value:
                    values.add(str(value))
    return values


@pytest.mark.django_db
@pytest.mark.parametrize("persona", [*DEMO_USERNAMES, ANONYMOUS])
def test_every_route_as_every_persona(client, demo, persona, record_property):
    routes, unwalked = discover(demo.riverside)
    record_property("routes_walked", len(routes))
    record_property("routes_needing_several_ids", len(unwalked))
    secrets = identifying_values() if persona == SCRUTINEER else set()
    sign_in(client, persona)
    failures = []

    for route in routes:
        response = client.get(route.url, HTTP_ACCEPT="text/html,application/json")
        if response.status_code == 405:  # an action route: try it the way it is used
            response = client.post(route.url, HTTP_ACCEPT="text/html,application/json")
        status = response.status_code
        where = f"{persona} {response.request['REQUEST_METHOD']} {route.url} → {status}"
        if status >= 500:
            failures.append(f"{where}: server error")
        if persona == ANONYMOUS and route.template not in OPEN_ROUTES:
            expected = {401} if route.is_api else {302}
            if status not in expected:
                failures.append(f"{where}: anonymous must get {expected}")
        if (
            persona == OTHER_PARTNERSHIP
            and route.model is not None
            and any(f.name == "partnership" for f in route.model._meta.fields)
            and "<" in route.template
            and status not in (403, 404)
        ):
            failures.append(f"{where}: another partnership must get 403 or 404")
        if persona == SCRUTINEER and status == 200:
            body = response.content.decode(errors="replace")
            if any(value in body for value in secrets):
                failures.append(f"{where}: a child's details reached the scrutineer")

    assert not failures, "\n".join(failures)
