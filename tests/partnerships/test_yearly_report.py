"""The yearly report: drafted from the data, narratives, sign-off, publication, PDF, reminders."""

import io
import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from partnerships import services
from partnerships.choices import YearlyReportStatus
from partnerships.models import FinancialContribution, YearlyReport
from referrals.models import Referral, ReferralChild
from safeguarding.models import Notification
from tests.partnerships.test_indicators import at
from tests.personas import (
    ANONYMOUS,
    BUSINESS,
    LEAD_HEALTH,
    LEAD_LA,
    LEAD_POLICE,
    OTHER_PARTNERSHIP,
    PRACTITIONER_POLICE,
    SCRUTINEER,
    check_access,
    sign_in,
)
from tests.support.dates import date_input

START = date(2025, 4, 1)


def add_referral(demo, child=("Zebedee", "Quixote", date(2015, 3, 17))):
    referrer = demo.user(PRACTITIONER_POLICE)
    referral = Referral.objects.create(
        partnership=demo.riverside,
        front_door=demo.agency("Riverside Council"),
        referrer=referrer,
        referrer_agency=referrer.agency,
        status="submitted",
        received_at=at(date(2025, 6, 3)),
        decision_due_on=date(2025, 6, 4),
    )
    first, last, born = child
    ReferralChild.objects.create(
        referral=referral, first_name=first, last_name=last, date_of_birth=born, postcode="HF1 2AB"
    )


def test_business_drafts_edits_gets_sign_off_and_publishes_and_the_pdf_has_the_figures(
    client, demo
):
    add_referral(demo)
    FinancialContribution.objects.create(
        partnership=demo.riverside,
        agency=demo.agency("Midshire Police"),
        year_starting=START,
        amount=48250,
    )
    sign_in(client, BUSINESS)
    started = client.post(
        reverse("partnerships:report-list"),
        {"partnership": demo.riverside.pk, **date_input("period_start", START)},
    )
    report = YearlyReport.objects.get()
    assert started.status_code == 302 and started.url == report.get_absolute_url()
    assert report.period_end == date(2026, 3, 31)

    page = client.get(report.get_absolute_url()).content.decode()
    assert "Funding from each partner" in page and "£48,250.00" in page
    narratives = {"priorities": "We focused on neglect.", "voice": "Young people led our audit."}
    edited = client.post(
        report.get_absolute_url(),
        {"step": "edit", **narratives, "young_people_summary": "We listened to you."},
    )
    assert edited.status_code == 302
    report.refresh_from_db()
    assert report.narratives["priorities"] == "We focused on neglect."

    refused = client.post(report.get_absolute_url(), {"step": "sign"})
    assert refused.status_code == 403
    for lead in (LEAD_LA, LEAD_HEALTH, LEAD_POLICE):
        sign_in(client, lead)
        assert client.post(report.get_absolute_url(), {"step": "sign"}).status_code == 302
    report.refresh_from_db()
    assert report.status == YearlyReportStatus.SIGNED_OFF

    sign_in(client, BUSINESS)
    locked = client.post(report.get_absolute_url(), {"step": "edit", "priorities": "Changed"})
    assert locked.status_code == 200  # the form is gone: nothing changes once signed
    report.refresh_from_db()
    assert report.narratives["priorities"] == "We focused on neglect."
    today = timezone.localdate()
    published = client.post(
        report.get_absolute_url(), {"step": "publish", **date_input("published_on", today)}
    )
    assert published.status_code == 302
    sent = client.post(
        report.get_absolute_url(),
        {
            "step": "sent",
            **date_input("sent_to_panel_on", today),
            **date_input("sent_to_what_works_on", None),
        },
    )
    assert sent.status_code == 302
    report.refresh_from_db()
    assert report.status == YearlyReportStatus.PUBLISHED and report.sent_to_panel_on == today

    pdf = client.get(reverse("partnerships:report-pdf", args=[report.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Referrals received" in text and "£48,250.00" in text
    assert "We focused on neglect." in text
    assert "Zebedee" not in text and "Quixote" not in text

    young = client.get(reverse("partnerships:report-young-people", args=[report.pk]))
    assert "We listened to you." in young.content.decode()


def test_publishing_needs_all_three_partners(client, demo):
    report = services.yearly_report_start(
        partnership=demo.riverside, period_start=START, by=demo.user(BUSINESS)
    )
    services.yearly_report_sign_off(report=report, by=demo.user(LEAD_LA))
    sign_in(client, BUSINESS)

    response = client.post(
        report.get_absolute_url(),
        {"step": "publish", **date_input("published_on", timezone.localdate())},
    )

    assert response.status_code == 200
    report.refresh_from_db()
    assert report.status == YearlyReportStatus.DRAFT


@pytest.mark.parametrize("name", ["report-detail", "report-pdf", "report-young-people"])
def test_who_reads_a_report(client, demo, name):
    report = services.yearly_report_start(
        partnership=demo.riverside, period_start=START, by=demo.user(BUSINESS)
    )

    check_access(
        client,
        reverse(f"partnerships:{name}", args=[report.pk]),
        {
            BUSINESS: 200,
            SCRUTINEER: 200,
            LEAD_POLICE: 200,
            PRACTITIONER_POLICE: 404,
            OTHER_PARTNERSHIP: 404,
            ANONYMOUS: 302,
        },
    )


def test_only_the_business_team_starts_or_edits_a_report(client, demo):
    report = services.yearly_report_start(
        partnership=demo.riverside, period_start=START, by=demo.user(BUSINESS)
    )
    check_access(
        client,
        reverse("partnerships:report-list"),
        {SCRUTINEER: 403, LEAD_POLICE: 403, OTHER_PARTNERSHIP: 200, ANONYMOUS: 302},
        method="post",
        data={"partnership": demo.riverside.pk, **date_input("period_start", "2024-04-01")},
    )
    check_access(
        client,
        report.get_absolute_url(),
        {SCRUTINEER: 403, LEAD_POLICE: 403, OTHER_PARTNERSHIP: 404, ANONYMOUS: 302},
        method="post",
        data={"step": "edit", "priorities": "Changed"},
    )
    assert YearlyReport.objects.count() == 1
    report.refresh_from_db()
    assert "priorities" not in report.narratives


def test_the_scrutineer_never_sees_a_child_in_the_report(client, demo):
    add_referral(demo)
    report = services.yearly_report_start(
        partnership=demo.riverside, period_start=START, by=demo.user(BUSINESS)
    )
    sign_in(client, SCRUTINEER)

    for name in ("report-detail", "report-young-people"):
        body = client.get(reverse(f"partnerships:{name}", args=[report.pk])).content.decode()
        for identifying in ("Zebedee", "Quixote", "2015-03-17", "17 March 2015"):
            assert identifying not in body
    listing = client.get(reverse("partnerships:report-list")).content.decode()
    assert "Zebedee" not in listing


def test_the_report_page_reads_a_bounded_number_of_queries(
    client, demo, django_assert_max_num_queries
):
    report = services.yearly_report_start(
        partnership=demo.riverside, period_start=START, by=demo.user(BUSINESS)
    )
    for _ in range(20):
        add_referral(demo)
    sign_in(client, BUSINESS)

    with django_assert_max_num_queries(60):
        assert client.get(report.get_absolute_url()).status_code == 200


def published_report(demo, published_on):
    report = YearlyReport.objects.create(
        partnership=demo.riverside,
        period_start=published_on - timedelta(days=400),
        period_end=published_on - timedelta(days=36),
        status=YearlyReportStatus.PUBLISHED,
        published_on=published_on,
        created_by=demo.user(BUSINESS),
    )
    return report


def test_it_reminds_once_to_send_the_report_and_when_the_next_is_due(demo):
    today = date(2026, 11, 23)
    report = published_report(demo, today - timedelta(days=6))

    assert services.yearly_report_reminders_send(today=today) == 1
    assert services.yearly_report_reminders_send(today=today + timedelta(days=1)) == 0
    report.sent_to_panel_on = report.sent_to_what_works_on = today
    report.save()

    later = date(2027, 10, 1)  # under two months before the anniversary
    assert services.yearly_report_reminders_send(today=later) == 1
    assert services.yearly_report_reminders_send(today=later) == 0
    assert set(
        Notification.objects.filter(subject_id=report.pk, kind="yearly_report").values_list(
            "stage", flat=True
        )
    ) == {"sending-due", "next-report-due"}


def test_a_newer_report_stops_the_next_report_reminder(demo):
    published_report(demo, date(2025, 11, 1))
    newer = published_report(demo, date(2026, 10, 1))
    newer.sent_to_panel_on = newer.sent_to_what_works_on = date(2026, 10, 2)
    newer.save()

    assert services.yearly_report_reminders_send(today=date(2026, 11, 1)) == 0


def test_the_childs_voice_counts_submitted_audit_returns_not_reopened_ones(client, demo):
    from audits.models import AuditReturn
    from audits.services import audit_return_reopen
    from tests.audits.factories import AuditFactory, complete_return

    report = services.yearly_report_start(
        partnership=demo.riverside,
        period_start=timezone.localdate() - timedelta(days=60),
        by=demo.user(BUSINESS),
    )
    sign_in(client, BUSINESS)
    url = reverse("partnerships:report-detail", args=[report.pk])

    def voice():
        page = client.get(url).content.decode()
        return [
            int(re.search(rf"{label}</th><td[^>]*>(\d+)<", page).group(1))
            for label in (
                "Audit returns submitted by agencies",
                "of which the child&#x27;s voice was heard",
            )
        ]

    before = voice()
    audit = AuditFactory(references=["V-1"])
    police = AuditReturn.objects.get(audit=audit, agency__name="Midshire Police")
    health = AuditReturn.objects.get(audit=audit, agency__name__contains="Health")
    complete_return(police, child_voice_heard=True)
    complete_return(health, child_voice_heard=True)
    audit_return_reopen(audit_return=health, by=demo.user(BUSINESS), reason="Wrong child.")

    assert voice() == [before[0] + 1, before[1] + 1]


def start_report(client, demo, period_start: str):
    sign_in(client, BUSINESS)
    return client.post(
        reverse("partnerships:report-list"),
        {"partnership": demo.riverside.pk, **date_input("period_start", period_start)},
    )


def test_a_report_overlapping_another_of_the_partnership_is_refused(client, demo):
    assert start_report(client, demo, "2024-04-01").status_code == 302

    overlapping = start_report(client, demo, "2024-10-01")
    before = start_report(client, demo, "2023-06-01")
    following = start_report(client, demo, "2025-04-01")

    assert overlapping.status_code == 200 and before.status_code == 200
    assert "There is already a report for 1 April 2024 to 31 March 2025" in (
        overlapping.content.decode()
    )
    assert following.status_code == 302
    assert list(YearlyReport.objects.values_list("period_start", flat=True).order_by("pk")) == [
        date(2024, 4, 1),
        date(2025, 4, 1),
    ]


def test_a_report_starting_in_the_year_9999_is_refused_as_in_the_future(client, demo):
    response = start_report(client, demo, "9999-06-01")

    assert response.status_code == 200
    assert "The period cannot start in the future." in response.content.decode()
    assert not YearlyReport.objects.exists()


def test_a_report_from_29_february_covers_the_whole_year_to_28_february(client, demo):
    start_report(client, demo, "2024-02-29")
    start_report(client, demo, "2025-03-01")

    reports = YearlyReport.objects.order_by("period_start")
    assert [(r.period_start, r.period_end) for r in reports] == [
        (date(2024, 2, 29), date(2025, 2, 28)),
        (date(2025, 3, 1), date(2026, 2, 28)),
    ]
