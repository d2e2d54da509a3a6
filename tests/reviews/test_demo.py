import io

from django.core.management import call_command

from reviews.demo import DEMO_SUMMARY
from reviews.models import RapidReview
from safeguarding.models import Notification
from tests.personas import BUSINESS, PRACTITIONER_POLICE, SCRUTINEER, Demo, sign_in


def test_the_demo_has_a_rapid_review_in_progress_and_seeding_again_adds_nothing(db, client):
    call_command("seed_demo", stdout=io.StringIO())  # again: idempotent

    review = RapidReview.objects.get(incident__summary=DEMO_SUMMARY)
    assert review.partnership == Demo().riverside
    assert review.is_open
    assert {r.agency.name: r.status for r in review.returns.all()}[
        "Midshire Police"
    ] == "in_progress"
    assert not Notification.objects.exists()  # demo people start with empty inboxes
    sign_in(client, BUSINESS)
    assert client.get(review.get_absolute_url()).status_code == 200
    sign_in(client, PRACTITIONER_POLICE)
    assert client.get(review.get_absolute_url()).status_code == 200
    sign_in(client, SCRUTINEER)
    assert client.get(review.get_absolute_url()).status_code == 404
