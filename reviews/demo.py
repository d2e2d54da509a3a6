"""A rapid review in progress for Riverside and Hillford, about a fictional child."""

from datetime import date, timedelta

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from partnerships.management.commands.seed_demo import RIVERSIDE
from partnerships.models import Agency, User
from safeguarding.models import Notification

from . import services
from .models import AgencyReturn, SeriousIncident

DEMO_SUMMARY = (
    "Fictional demo: a seven-month-old baby was admitted to hospital with a fractured arm "
    "and bruising; the explanation given does not fit the injuries."
)
INVOLVED = (
    "Riverside Council",
    "Riverside and Hillford ICB",
    "Midshire Police",
    "Riverside Community Health NHS Trust",
    "Riverside Homes",
)


def seed(*, partnerships) -> None:
    partnership = partnerships[RIVERSIDE]
    if SeriousIncident.objects.filter(partnership=partnership, summary=DEMO_SUMMARY).exists():
        return
    business = User.objects.get(username="business.riverside")
    became_aware_on = timezone.localdate() - timedelta(days=7)
    incident = services.incident_create(
        partnership=partnership,
        local_authority=Agency.objects.get(name="Riverside Council"),
        home_local_authority=Agency.objects.get(name="Hillford Council"),
        incident_type="serious_harm",
        categories=["physical", "neglect"],
        children=[
            {"first_name": "Ellis", "last_name": "Marchbank", "date_of_birth": date(2026, 4, 2)}
        ],
        became_aware_on=became_aware_on,
        summary=DEMO_SUMMARY,
        agencies_involved=list(Agency.objects.filter(name__in=INVOLVED)),
        by=business,
    )
    services.incident_record_notification(
        incident=incident, notified_on=became_aware_on + timedelta(days=1), by=business
    )
    review = services.rapid_review_create(incident=incident, by=business)
    health = review.returns.get(agency__name="Riverside Community Health NHS Trust")
    services.agency_return_save(
        agency_return=health,
        chronology="Health visitor new-birth visit; 8-week check; missed 6-month review.",
        summary="Universal health visiting; one missed appointment not followed up.",
        submit=True,
        by=User.objects.get(username="practitioner.health"),
    )
    # Demo people start with empty inboxes (and other apps' tests count notifications from
    # none): drop the information requests the service just recorded, before they are sent.
    Notification.objects.filter(
        kind="review_information_request",
        subject_type=ContentType.objects.get_for_model(AgencyReturn),
        subject_id__in=review.returns.values("pk"),
    ).delete()
    police = review.returns.get(agency__name="Midshire Police")
    services.agency_return_save(
        agency_return=police,
        chronology="Domestic abuse call-out to the family home three weeks earlier.",
        summary="",
        by=User.objects.get(username="practitioner.police"),
    )
