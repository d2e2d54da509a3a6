from safeguarding.models import AccessLogEntry
from tests.personas import ADMIN, ANONYMOUS, BUSINESS, check_access, sign_in
from tests.reviews.factories import SubmittedRapidReviewFactory


def test_the_admin_lists_every_review_record_and_its_history(client, demo):
    review = SubmittedRapidReviewFactory()
    incident = review.incident
    for model in ("seriousincident", "rapidreview", "agencyreturn", "practicereview"):
        check_access(
            client, f"/admin/reviews/{model}/?q=SI", {ADMIN: 200, BUSINESS: 302, ANONYMOUS: 302}
        )
    check_access(client, f"/admin/reviews/rapidreview/{review.pk}/history/", {ADMIN: 200})
    sign_in(client, ADMIN)

    page = client.get(f"/admin/reviews/seriousincident/{incident.pk}/change/")
    deleted = client.post(f"/admin/reviews/rapidreview/{review.pk}/delete/", {"post": "yes"})

    assert "Alex" in page.content.decode()
    assert AccessLogEntry.objects.filter(user__username=ADMIN, channel="admin").count() == 1
    assert deleted.status_code == 403
    review.refresh_from_db()


def test_the_admin_logs_only_the_children_of_the_incident_it_opens(client, demo):
    opened, other = SubmittedRapidReviewFactory().incident, SubmittedRapidReviewFactory().incident
    assert other.children.exists()
    sign_in(client, ADMIN)

    assert client.get("/admin/reviews/seriousincident/add/").status_code == 200
    assert not AccessLogEntry.objects.filter(channel="admin").exists()
    client.get(f"/admin/reviews/seriousincident/{opened.pk}/change/")

    logged = AccessLogEntry.objects.filter(channel="admin")
    assert sorted(logged.values_list("object_id", flat=True)) == sorted(
        opened.children.values_list("pk", flat=True)
    )
