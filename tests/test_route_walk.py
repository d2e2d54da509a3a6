"""Walk every page and API route as every demo persona and as an anonymous visitor.

Routes are discovered from the URL resolver (pages and API alike), so a new view is covered
the moment it is added. For each route and persona:
- nothing answers 500;
- anonymous visitors are sent to sign in (pages) or refused with 401 (API);
- another partnership's people get 403 or 404 on Riverside's records;
- the independent scrutineer never receives a child's name, date of birth, address or NHS
  number;
- every response that shows a child's name or NHS number, or a household's details, records
  the read of that record in the access log;
- every text input, select and text area a page draws has its GOV.UK Design System class.
A downloaded spreadsheet is searched by the text of its cells, which its zipped bytes hide.

Each route's parameters are filled in from Riverside's records: `pk` from the view's model, or,
for views without one, from the route it sits under (`referrals/<pk>/consent/` under
`referrals/<pk>/`); a second id (`child_pk`, `decision_pk`) from that record's related rows of
the matching model. A route that still cannot be walked fails the test unless it is listed in
`UNWALKABLE` with its reason.
"""

import io
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.urls import URLPattern
from django.utils import timezone
from knox.models import AuthToken
from openpyxl import load_workbook

from partnerships import services as partnership_services
from partnerships.models import FinancialContribution, Partnership
from referrals import services as referral_services
from referrals.models import InformationSharingDecision, ReferralChild
from reviews import services as review_services
from reviews.models import Milestone
from safeguarding.models import AccessLogEntry, Notification
from tests.personas import (
    ANONYMOUS,
    BUSINESS,
    DEMO_USERNAMES,
    FRONT_DOOR_HILLFORD,
    OTHER_PARTNERSHIP,
    SCRUTINEER,
    sign_in,
)
from tests.referrals.factories import SubmittedReferralFactory
from tests.reviews.factories import SubmittedRapidReviewFactory
from tests.support.routes import every_route, view_class_of

# Not walked: the framework's own pages (tested in tests/test_setup.py) and signing out, which
# would end the walk.
SKIPPED_PREFIXES = (
    "admin/",
    "static/",
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
# Details that name their record when shown (with a child's full name): a date or a postcode
# alone may be another record's, or no record's.
LOGGED_FIELDS = ("nhs_number", "parents_and_carers", "household_members")

# Views that name no model and sit under no route that does: the model their `pk` is of.
ROUTE_MODELS = {
    "notification-read": Notification,
    "notification-resend": Notification,
    "referrals:escalation-stages": Partnership,
    "reviews:milestone-complete": Milestone,
}


def first_token_key() -> str | None:
    token = AuthToken.objects.order_by("created").first()
    return token.token_key if token else None


def first_contribution_pk() -> int | None:
    contribution = FinancialContribution.objects.order_by("pk").first()
    return contribution.pk if contribution else None


# Parameters that are not ids of the route's own record's rows, and what to walk them with.
PARAMETER_SAMPLES = {"token_key": first_token_key, "contribution": first_contribution_pk}
# Routes that cannot be walked, with the reason. The walk fails on a route that is neither
# walked nor listed here, and on an entry here that no longer names a route.
UNWALKABLE: dict[str, str] = {}


@dataclass
class Route:
    template: str
    url: str
    model: type | None

    @property
    def is_api(self) -> bool:
        return self.template.startswith("api/")


def model_of(pattern: URLPattern):
    view = view_class_of(pattern.callback)
    queryset = getattr(view, "queryset", None)
    if queryset is not None:
        return queryset.model
    return getattr(view, "model", None)


def route_templates() -> list[tuple[str, URLPattern, str]]:
    """Every walkable route, in one notation (<name> for each parameter), with its name."""
    found = []
    for raw, pattern, name in every_route():
        if "(?P<format>" in raw:
            continue  # DRF's ".json" suffix variants of routes already walked
        template = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", raw).replace("^", "").replace("$", "")
        if not template.startswith(SKIPPED_PREFIXES):
            found.append((template, pattern, name))
    return found


def first_parameter_prefix(template: str) -> str:
    """`referrals/<int:pk>/child/<int:child_pk>/` → `referrals/<int:pk>/`."""
    match = re.match(r"(.*?<[^>]+>/)", template)
    return match.group(1) if match else template


class Samples:
    """Riverside's records to fill route parameters with, looked up once per walk."""

    def __init__(self, riverside: Partnership):
        self.riverside = riverside
        self.cache = {}

    def of(self, model, *, having: str | None = None):
        key = (model, having)
        if key not in self.cache:
            objects = model._default_manager.all()
            if model is Partnership:
                objects = objects.filter(pk=self.riverside.pk)
            elif any(f.name == "partnership" for f in model._meta.fields):
                objects = objects.filter(partnership=self.riverside)
            if having:
                objects = objects.filter(**{f"{having}__isnull": False}).distinct()
            self.cache[key] = objects.order_by("pk").first()
        return self.cache[key]


def related_for(model, parameter: str):
    """The reverse relation of `model` a second id names: `child_pk` on a referral is one of
    its ReferralChild rows, `decision_pk` one of its InformationSharingDecision rows."""
    stem = parameter.removesuffix("_pk").replace("_", "")
    matches = [
        relation
        for relation in model._meta.related_objects
        if isinstance(relation, models.ManyToOneRel)
        and stem in relation.related_model.__name__.lower()
        and not relation.related_model.__name__.startswith("Historical")
    ]
    return matches[0] if len(matches) == 1 else None


def discover(riverside) -> tuple[list[Route], list[str]]:
    """Every route with its parameters filled in, and the templates that could not be."""
    templates = route_templates()
    models_by_template = {template: model_of(pattern) for template, pattern, _ in templates}
    samples = Samples(riverside)
    routes, unwalked = [], []
    for template, pattern, name in templates:
        parameters = [p for _, p in re.findall(r"<(?:(\w+):)?(\w+)>", template)]
        model = (
            model_of(pattern)
            or ROUTE_MODELS.get(name)
            or models_by_template.get(first_parameter_prefix(template))
        )
        values = {}
        for parameter in parameters:
            if parameter in PARAMETER_SAMPLES:
                values[parameter] = PARAMETER_SAMPLES[parameter]()
            elif parameter == "pk" and model is not None:
                later = [related_for(model, p) for p in parameters if p.endswith("_pk")]
                having = later[0].name if later and later[0] else None
                obj = samples.of(model, having=having)
                values["pk"] = obj.pk if obj else None
            elif parameter.endswith("_pk") and values.get("pk") is not None:
                relation = related_for(model, parameter)
                parent = model._default_manager.get(pk=values["pk"])
                row = (
                    getattr(parent, relation.get_accessor_name()).order_by("pk").first()
                    if relation
                    else None
                )
                values[parameter] = row.pk if row else None
            else:
                values[parameter] = None
        if None in values.values():
            unwalked.append(template)
            continue
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m, v=values: str(v[m.group(1)]), template)
        routes.append(Route(template, "/" + url, model))
    return routes, unwalked


def identifying_values() -> set[str]:
    """Every child's identifying details held anywhere, in the forms a page would show them:
    full names, dates of birth (ISO and written out), addresses, postcodes, NHS numbers."""
    values = set()
    for model in apps.get_models():
        if not hasattr(model, "access_log_label"):
            continue
        fields = [f.name for f in model._meta.fields if f.name in IDENTIFYING_FIELDS]
        if not fields:
            continue
        for row in model._default_manager.values(*fields):
            first, last = row.pop("first_name", ""), row.pop("last_name", "")
            if first and last:
                values.add(f"{first} {last}")
            for value in row.values():
                if hasattr(value, "isoformat"):
                    values.update({value.isoformat(), f"{value:%-d %B %Y}", f"{value:%-d %b %Y}"})
                elif value:
                    values.add(str(value))
    return {value for value in values if len(value) >= 4}


def identifying_records() -> dict[tuple[str, ...], set[tuple[int, int]]]:
    """Each child's first and last names (together, as a page or a form shows them, or apart),
    NHS number and each household's details, with the records (content type, key) that hold
    them: a response showing all of one's values must log a read of one of its records."""
    held = defaultdict(set)
    for model in apps.get_models():
        if not hasattr(model, "access_log_label"):
            continue
        content_type = ContentType.objects.get_for_model(model)
        for row in model._default_manager.values():
            record = (content_type.pk, row["id"])
            if row.get("first_name") and row.get("last_name"):
                held[(row["first_name"], row["last_name"])].add(record)
            for field in LOGGED_FIELDS:
                if len(row.get(field) or "") >= 4:
                    held[(row[field],)].add(record)
    return held


def unlogged_details(body: str, held: dict, since: int) -> list[str]:
    """The identifying details in `body` no access log entry after `since` accounts for."""
    logged = set(
        AccessLogEntry.objects.filter(pk__gt=since).values_list("content_type", "object_id")
    )
    return [
        " ".join(values)
        for values, records in held.items()
        if all(value in body for value in values) and not records & logged
    ]


def last_access_log_entry() -> int:
    return AccessLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.fixture
def records_to_walk(demo):
    """What the demo data lacks for some routes: a referral shared with another agency, a
    published practice review with a milestone (which the scrutineer opens), a scrutiny
    challenge, a yearly report with a contribution, an API token and a notification."""
    business = demo.user(BUSINESS)
    referral = SubmittedReferralFactory()
    referral_services.information_sharing_record(
        referral=referral,
        by=demo.user(FRONT_DOOR_HILLFORD),
        agency=demo.agency("Midshire Police"),
        reason="Police hold information about the household.",
        lawful_basis="safeguarding",
    )
    review = SubmittedRapidReviewFactory()
    review_services.milestone_add(
        practice_review=review.practice_review,
        title="Terms of reference agreed",
        due_on=timezone.localdate() + timedelta(days=30),
        by=business,
    )
    review_services.practice_review_update(
        practice_review=review.practice_review,
        by=business,
        published_on=timezone.localdate(),
        final_report=SimpleUploadedFile("report.pdf", b"%PDF-1.4"),
        learning_briefing="Bruising in a baby who cannot yet move is always a worry.",
    )
    partnership_services.scrutiny_challenge_create(
        partnership=demo.riverside,
        kind="challenge",
        addressed_to=demo.agency("Midshire Police"),
        title="Police attendance at strategy discussions",
        detail="Police attended 6 of 10 strategy discussions. What will change?",
        response_due_on=timezone.localdate() + timedelta(days=20),
        by=demo.user(SCRUTINEER),
    )
    report = partnership_services.yearly_report_start(
        partnership=demo.riverside, period_start=date(2025, 4, 1), by=business
    )
    partnership_services.financial_contribution_record(
        report=report, agency=demo.agency("Midshire Police"), amount=Decimal("42000"), by=business
    )
    AuthToken.objects.create(user=business)
    assert Notification.objects.exists()
    return demo


def test_every_route_is_walked_or_listed_with_a_reason(records_to_walk):
    routes, unwalked = discover(records_to_walk.riverside)
    templates = {template for template, _, _ in route_templates()}

    assert sorted(set(unwalked) - set(UNWALKABLE)) == [], (
        "Routes the walk cannot fill in: give ROUTE_MODELS or PARAMETER_SAMPLES what it needs, "
        "make the records in `records_to_walk`, or list the route in UNWALKABLE with a reason."
    )
    assert sorted(set(UNWALKABLE) - templates) == [], "UNWALKABLE names routes that are gone"
    assert len(routes) + len(unwalked) == len(templates)


FORM_CONTROL = re.compile(r"<(?:input|select|textarea)\b[^>]*>")
NOT_STYLED_BY_CLASS = re.compile(r'type="(?:hidden|checkbox|radio|submit)"')


def controls_without_govuk_class(body: str) -> list[str]:
    """Inputs, selects and text areas drawn without the Design System's class for them."""
    return [
        control
        for control in FORM_CONTROL.findall(body)
        if not NOT_STYLED_BY_CLASS.search(control) and 'class="govuk-' not in control
    ]


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def body_of(response) -> str:
    """The whole body, a downloaded file's too; a spreadsheet's as the text of its cells, which
    its zipped XML hides from a search of the bytes."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith(XLSX):
        return cell_text(content)
    return content.decode(errors="replace")


def cell_text(content: bytes) -> str:
    """Every cell of every sheet, a row to a line. A date cell reads as its ISO date and time,
    so a date of birth in one is found as its ISO form."""
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        "\t".join(str(value) for value in row if value is not None)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
    )


@pytest.mark.parametrize("persona", [*DEMO_USERNAMES, ANONYMOUS])
def test_every_route_as_every_persona(client, records_to_walk, persona, record_property):
    routes, unwalked = discover(records_to_walk.riverside)
    record_property("routes_walked", len(routes))
    record_property("routes_unwalkable", len(unwalked))
    secrets = identifying_values() if persona == SCRUTINEER else set()
    held = identifying_records()
    sign_in(client, persona)
    failures = []

    for route in routes:
        since = last_access_log_entry()
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
        body = body_of(response)
        if persona == SCRUTINEER and status == 200 and any(value in body for value in secrets):
            failures.append(f"{where}: a child's details reached the scrutineer")
        if status == 200:
            unlogged = unlogged_details(body, held, since)
            if unlogged:
                failures.append(f"{where}: shows {unlogged} without logging the read")
        if status == 200 and response["Content-Type"].startswith("text/html"):
            unstyled = controls_without_govuk_class(body)
            if unstyled:
                failures.append(f"{where}: form controls without a GOV.UK class: {unstyled}")

    assert not failures, "\n".join(failures)


def test_second_ids_are_the_first_records_own(records_to_walk):
    riverside = records_to_walk.riverside
    routes = {route.template: route.url for route in discover(riverside)[0]}

    def ids(template):
        return [int(n) for n in re.findall(r"/(\d+)/", routes[template])]

    referral, decision = ids("referrals/<int:pk>/share/<int:decision_pk>/withdraw/")
    assert InformationSharingDecision.objects.filter(pk=decision, referral=referral).exists()
    referral, child = ids("referrals/<int:pk>/child/<int:child_pk>/remove/")
    assert ReferralChild.objects.filter(pk=child, referral=referral).exists()
    assert ids("partnerships/<int:pk>/targets/") == [riverside.pk]
