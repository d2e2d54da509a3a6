"""The referral and escalation dashboards' charts: each beside a table of the same figures."""

import html
import json
import re
from collections import Counter
from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partnerships.indicators import default_period, figures_changed, received_referrals
from partnerships.models import Agency
from referrals import services
from referrals.choices import Category
from referrals.models import Escalation, Referral, ReferralCategory
from tests.personas import (
    ADMIN,
    BUSINESS,
    OTHER_PARTNERSHIP,
    PRACTITIONER_HEALTH,
    SCRUTINEER,
    sign_in,
)
from tests.referrals.factories import (
    DecidedReferralFactory,
    OpenEscalationFactory,
    SubmittedReferralFactory,
)
from tests.support.clock import A_DEMO_DAY, LONDON
from tests.support.dates import box_values
from tests.support.indexes import columns_read, index_columns

REFERRAL_CHARTS = [
    "referrals-by-front-door",
    "referral-decisions",
    "referral-categories",
    "referral-quality",
]
ESCALATION_CHARTS = [
    "escalations-by-stage",
    "escalation-outcomes",
    "escalation-themes",
    "escalations-against",
    "escalations-raised-by",
    "escalation-good-practice",
]


def chart_data(page: str, key: str) -> dict:
    found = re.search(
        rf'<script id="{key}-data" type="application/json">(.*?)</script>', page, re.S
    )
    assert found, f"no data for the {key} chart"
    return json.loads(found.group(1))


def table_rows(page: str, key: str) -> dict[str, list[str]]:
    """The table beside a chart: {row heading: [cells]}."""
    table = re.search(rf'<table class="govuk-table" id="{key}-table">(.*?)</table>', page, re.S)
    assert table, f"no table beside the {key} chart"
    body = table.group(1).split("<tbody", 1)[1]
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        heading = html.unescape(re.search(r"<th[^>]*>(.*?)</th>", row, re.S).group(1).strip())
        rows[heading] = [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    return rows


def assert_chart_and_table_agree(page: str, key: str) -> dict:
    data = chart_data(page, key)
    rows = table_rows(page, key)
    assert list(rows) == data["labels"]
    canvas = f'<canvas data-chart-source="{key}-data" role="img"'
    assert canvas in page
    for index, dataset in enumerate(data["datasets"]):
        assert [int(rows[label][index]) for label in data["labels"]] == dataset["data"]
    return data


def no_inline_script(page: str) -> bool:
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.S)
    return not [a for a, body in scripts if body.strip() and "application/json" not in a]


def hillford(page):
    data = chart_data(page, "referrals-by-front-door")
    index = data["labels"].index("Hillford Council")
    return {d["label"]: d["data"][index] for d in data["datasets"]}


def test_the_referral_dashboard_charts_each_table(client, demo):
    SubmittedReferralFactory(categories=["neglect", "domestic_abuse"])
    sign_in(client, SCRUTINEER)
    before = client.get("/referrals/dashboard/").content.decode()

    DecidedReferralFactory()
    page = client.get("/referrals/dashboard/").content.decode()

    assert no_inline_script(page)
    assert 'src="/static/vendor/chart.umd.min.js"' in page
    assert 'src="/static/js/charts.js"' in page
    for key in REFERRAL_CHARTS[:3]:
        assert_chart_and_table_agree(page, key)
    assert hillford(page)["Decided within 1 working day"] == (
        hillford(before)["Decided within 1 working day"] + 1
    )
    decisions = chart_data(page, "referral-decisions")
    assert "Early help" in decisions["labels"]
    harms = chart_data(page, "referral-categories")
    assert {"Neglect", "Domestic abuse"} <= set(harms["labels"])
    # Each kind counted once a referral, most often first, as the categories say.
    received = received_referrals([demo.riverside], default_period())
    kinds = Counter(
        ReferralCategory.objects.filter(referral__in=received).values_list("category", flat=True)
    )
    expected = sorted(kinds.items(), key=lambda kind: (-kind[1], kind[0]))
    labels = dict(Category.choices)
    assert harms["labels"] == [labels[kind] for kind, _ in expected]
    assert harms["datasets"][0]["data"] == [count for _, count in expected]
    assert "Maya" not in page and "Brook" not in page


def test_the_referral_quality_chart_counts_the_ratings(client, demo):
    referral = DecidedReferralFactory()
    referral.quality_rating = "poor"
    referral.save(update_fields=["quality_rating"])
    sign_in(client, BUSINESS)

    page = client.get("/referrals/dashboard/").content.decode()

    data = assert_chart_and_table_agree(page, "referral-quality")
    trust = data["labels"].index("Riverside Community Health NHS Trust")
    assert [d["label"] for d in data["datasets"]] == ["Good", "Adequate", "Poor"]
    assert data["datasets"][2]["data"][trust] >= 1


def test_a_name_in_a_chart_table_is_text_not_markup(client, demo):
    referral = DecidedReferralFactory()
    referral.quality_rating = "good"
    referral.save(update_fields=["quality_rating"])
    referral.referrer_agency.name = "Health & Care <b>Trust</b>"
    referral.referrer_agency.save(update_fields=["name"])
    sign_in(client, BUSINESS)

    page = client.get("/referrals/dashboard/").content.decode()

    heading = (
        '<th scope="row" class="govuk-table__header">Health &amp; Care &lt;b&gt;Trust&lt;/b&gt;'
    )
    assert heading in re.search(r'id="referral-quality-table">.*?</table>', page, re.S).group()
    assert "<b>Trust</b>" not in page
    labels = assert_chart_and_table_agree(page, "referral-quality")["labels"]
    assert "Health & Care <b>Trust</b>" in labels


def test_the_escalation_dashboard_charts_each_table(client, demo):
    for _ in range(3):
        OpenEscalationFactory()
    resolved = OpenEscalationFactory()
    services.escalation_resolve(
        escalation=resolved, by=demo.user(PRACTITIONER_HEALTH), resolution="decision_upheld"
    )
    services.good_practice_record(
        escalation=resolved,
        agency=demo.agency("Hillford Council"),
        description="Clear reasons given quickly.",
        by=demo.user(PRACTITIONER_HEALTH),
    )
    sign_in(client, SCRUTINEER)

    page = client.get("/referrals/escalations/dashboard/").content.decode()

    assert no_inline_script(page)
    assert "<title>Escalation figures" in page and "<title>Escalation figures<table" not in page
    for key in ESCALATION_CHARTS:
        assert_chart_and_table_agree(page, key)
    stages = chart_data(page, "escalations-by-stage")
    assert stages["stacked"] is False
    assert stages["datasets"][0]["label"] == "Open"
    assert stages["datasets"][0]["data"][stages["labels"].index("Stage 1")] >= 3
    outcomes = table_rows(page, "escalation-outcomes")
    assert outcomes["Decision upheld"][1] == "1.0"  # the average stage reached, in the table
    against = chart_data(page, "escalations-against")
    hillford = against["labels"].index("Hillford Council")
    assert [d["data"][hillford] for d in against["datasets"]][1] >= 1  # resolved
    good = chart_data(page, "escalation-good-practice")
    assert good["datasets"][0]["data"][good["labels"].index("Hillford Council")] >= 1


@pytest.mark.parametrize("url", ["/referrals/dashboard/", "/referrals/escalations/dashboard/"])
def test_another_partnerships_dashboard_charts_none_of_riversides_figures(client, demo, url):
    DecidedReferralFactory()
    OpenEscalationFactory()
    sign_in(client, OTHER_PARTNERSHIP)

    page = client.get(url).content.decode()

    assert "Hillford Council" not in page


def received(page: str) -> int:
    return sum(int(n) for n in re.findall(r"(\d+) received", page))


@A_DEMO_DAY
def test_the_referral_dashboard_counts_the_period_asked_for(client, demo):
    old = SubmittedReferralFactory()
    Referral.objects.filter(pk=old.pk).update(received_at=datetime(2025, 10, 1, 10, tzinfo=LONDON))
    SubmittedReferralFactory()
    sign_in(client, BUSINESS)

    last_year = client.get("/referrals/dashboard/").content.decode()
    assert "Referrals received from 8 December 2025 to 7 December 2026." in last_year
    both_years = client.get(
        "/referrals/dashboard/?date_from=2025-10-01&date_to=2026-12-07"
    ).content.decode()
    assert "Referrals received from 1 October 2025 to 7 December 2026." in both_years
    assert received(both_years) == received(last_year) + 1
    assert received(last_year) == (
        Referral.objects.exclude(status="draft")
        .filter(received_at__date__gte=date(2025, 12, 8), partnership=demo.riverside)
        .count()
    )

    backwards = client.get("/referrals/dashboard/?date_from=2026-12-01&date_to=2026-11-01")
    page = backwards.content.decode()
    assert backwards.status_code == 200 and "There is a problem" in page
    assert "The end of the period must be after its start." in page
    assert "received" not in page.split("</form>")[1]


@pytest.mark.time_machine(datetime(2028, 2, 29, 10, tzinfo=LONDON))
def test_on_29_february_the_last_12_months_start_on_1_march(client, demo):
    sign_in(client, BUSINESS)
    page = client.get("/referrals/dashboard/").content.decode()
    assert "Referrals received from 1 March 2027 to 29 February 2028." in page
    indicators = client.get("/partnerships/indicators/")
    assert indicators.status_code == 200
    assert box_values(indicators.content.decode(), "date_from") == ["1", "3", "2027"]


def test_the_referral_figures_are_counted_once_then_again_after_a_referral_arrives(client, demo):
    sign_in(client, BUSINESS)
    with CaptureQueriesContext(connection) as counted:
        first = client.get("/referrals/dashboard/").content.decode()
    with CaptureQueriesContext(connection) as cached:
        again = client.get("/referrals/dashboard/").content.decode()
    assert received(again) == received(first)
    assert len(cached) < len(counted) - 3  # none of the four counting queries ran again

    SubmittedReferralFactory()

    assert received(client.get("/referrals/dashboard/").content.decode()) == received(first) + 1


def test_postgresql_can_count_the_referral_figures_from_their_index_alone(
    client, demo, needs_services
):
    """The figures' index holds every column they read, so PostgreSQL counts a large
    partnership's year without reading the table: count by another column and this fails until
    the index (referral_figures) holds it too."""
    sign_in(client, BUSINESS)
    with CaptureQueriesContext(connection) as dashboard:
        client.get("/referrals/dashboard/")
    with CaptureQueriesContext(connection) as indicators:
        year = "?from=2025-12-08&to=2026-12-07"
        api = client.get(f"/api/v1/partnerships/{demo.riverside.pk}/indicators/{year}")
        assert api.status_code == 200
    counting = [
        q["sql"]
        for q in [*dashboard.captured_queries, *indicators.captured_queries]
        if "COUNT(" in q["sql"]
        and re.search(r'(U0|"referrals_referral")\."received_at" >=', q["sql"])
    ]
    in_the_index = index_columns("referral_figures")

    # by front door, decisions, kinds of harm and quality; the indicators' one pass
    assert len(counting) == 5
    for sql in counting:
        read = columns_read(sql, "referrals_referral", "U0")
        assert {"partnership_id", "received_at"} <= read
        assert read <= in_the_index, read - in_the_index


def test_the_escalations_raised_in_a_period_are_found_by_an_index_that_leads_with_them(
    client, demo, needs_services
):
    """The escalation figures and the indicators count a period's escalations of a partnership;
    without an index leading with both, PostgreSQL read every escalation the partnership had
    ever had to find a year's (13,930 for 2,776 in the benchmark's largest)."""
    OpenEscalationFactory()
    sign_in(client, BUSINESS)
    with CaptureQueriesContext(connection) as queries:
        client.get("/referrals/escalations/dashboard/")
        year = "?from=2025-12-08&to=2026-12-07"
        api = client.get(f"/api/v1/partnerships/{demo.riverside.pk}/indicators/{year}")
        assert api.status_code == 200
    counting = [
        q["sql"]
        for q in queries.captured_queries
        if "COUNT(" in q["sql"] and '"referrals_escalation"."created_at" >=' in q["sql"]
    ]
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "referrals_escalation")

    # outcomes, themes, agencies disputed and raising; the indicators' stages and quarters
    assert len(counting) == 6
    for sql in counting:
        assert {"partnership_id", "created_at"} <= columns_read(sql, "referrals_escalation")
    assert constraints["escalation_raised"]["columns"][:2] == ["partnership_id", "created_at"]


def front_doors(response) -> dict[str, list[str]]:
    return table_rows(response.content.decode(), "referrals-by-front-door")


def test_the_cached_referral_figures_follow_a_renamed_partnership(client, demo):
    """Where several partnerships are charted, each front door is labelled with its own."""
    SubmittedReferralFactory()
    SubmittedReferralFactory(local_authority=demo.agency("Northgate Council"))
    riverside = demo.riverside
    labelled = f"Hillford Council ({riverside.name})"
    sign_in(client, ADMIN)
    before = front_doors(client.get("/referrals/dashboard/"))
    riverside.name = "Riverside Safeguarding Children Partnership"
    riverside.save()

    after = front_doors(client.get("/referrals/dashboard/"))

    assert labelled in before
    assert "Hillford Council (Riverside Safeguarding Children Partnership)" in after


def test_agencies_that_share_a_name_are_charted_apart_by_their_reference(client, demo):
    OpenEscalationFactory()
    OpenEscalationFactory(against_agency=demo.agency("Riverside Council"))
    renamed = demo.agency("Riverside Council")
    renamed.name = "Hillford Council"
    renamed.save()
    sign_in(client, BUSINESS)

    page = client.get("/referrals/escalations/dashboard/").content.decode()

    councils = Agency.objects.filter(name="Hillford Council")
    expected = {f"Hillford Council ({council.reference})" for council in councils}
    assert len(expected) == 2
    assert set(chart_data(page, "escalations-against")["labels"]) == expected


def front_door_series(page, key, front_door="Hillford Council"):
    data = assert_chart_and_table_agree(page, key)
    index = data["labels"].index(front_door)
    return {d["label"]: d["data"][index] for d in data["datasets"]}


@pytest.mark.time_machine(datetime(2027, 1, 20, 10, tzinfo=LONDON), tick=False)
def test_the_assessments_and_conferences_are_counted_against_their_due_dates(client, demo):
    received = datetime(2026, 11, 19, 10, tzinfo=LONDON)
    front_door = demo.user("frontdoor.hillford")

    def decided(decision, strategy_discussion=None, at=received, **conference):
        referral = DecidedReferralFactory(received_at=at, decision=decision)
        if strategy_discussion:
            services.referral_strategy_discussion_record(
                referral=referral, by=front_door, held_on=strategy_discussion
            )
        if conference:
            services.referral_conference_record(referral=referral, by=front_door, **conference)
        return referral

    # Conference due 7 January, held the day after; assessment due 26 January, completed before.
    late = decided("strategy_discussion", date(2026, 12, 14), held_on=date(2027, 1, 8))
    services.referral_assessment_record(
        referral=late, by=front_door, completed_on=date(2027, 1, 19)
    )
    decided("child_in_need_assessment")  # assessment open, in time
    decided(
        "strategy_discussion",
        date(2026, 12, 14),
        not_needed_on=date(2027, 1, 5),
        not_needed_reason="Threshold not met.",
    )
    decided("child_in_need_assessment", at=datetime(2026, 10, 1, 10, tzinfo=LONDON))  # overdue
    decided("strategy_discussion", date(2026, 12, 14))  # conference overdue
    decided("early_help")  # neither

    sign_in(client, SCRUTINEER)
    page = client.get("/referrals/dashboard/").content.decode()

    assert front_door_series(page, "referral-assessments") == {
        "Completed within 45 working days": 1,
        "Completed late": 0,
        "Open, still in time": 3,
        "Open, overdue": 1,
    }
    assert front_door_series(page, "referral-conferences") == {
        "Held within 15 working days": 0,
        "Held late": 1,
        "Open, still in time": 0,
        "Open, overdue": 1,
    }
    assert "Assessments: 1 completed, 1 (100%) within 45 working days; 1 open and overdue" in page
    assert "Conferences: 1 held, 0 (0%) within 15 working days; 1 open and overdue" in page
    assert "Threshold not met." not in page


def charted(page: str, key: str) -> dict[str, list[str]]:
    """The rows of a chart's table, none where the chart says it has nothing to show."""
    assert f'id="{key}-heading"' in page, f"no {key} chart"
    return table_rows(page, key) if f'id="{key}-table"' in page else {}


def stage_one_open(page: str) -> int:
    return int(charted(page, "escalations-by-stage").get("Stage 1", ["0"])[0])


def resolved_as(page: str, outcome: str) -> int:
    return int(charted(page, "escalation-outcomes").get(outcome, ["0"])[0])


@A_DEMO_DAY
def test_the_escalation_figures_count_those_raised_in_the_period_and_every_open_one(client, demo):
    resolved_last_year = OpenEscalationFactory(theme="case_closure")
    services.escalation_resolve(
        escalation=resolved_last_year,
        by=demo.user(PRACTITIONER_HEALTH),
        resolution="decision_changed",
    )
    open_two_years = OpenEscalationFactory(theme="case_closure")
    Escalation.objects.filter(pk=resolved_last_year.pk).update(
        created_at=datetime(2025, 10, 1, 10, tzinfo=LONDON)
    )
    Escalation.objects.filter(pk=open_two_years.pk).update(
        created_at=datetime(2024, 12, 2, 10, tzinfo=LONDON)
    )
    figures_changed()  # as the updates above skipped the signals a save sends
    sign_in(client, BUSINESS)

    last_year = client.get("/referrals/escalations/dashboard/").content.decode()
    since_2024 = client.get(
        "/referrals/escalations/dashboard/?date_from=2024-12-01&date_to=2026-12-07"
    ).content.decode()

    assert "Escalations raised from 8 December 2025 to 7 December 2026." in last_year
    assert "Escalations raised from 1 December 2024 to 7 December 2026." in since_2024
    open_now = Escalation.objects.filter(partnership=demo.riverside, status="open", stage=1)
    assert open_now.filter(pk=open_two_years.pk).exists()
    assert stage_one_open(last_year) == stage_one_open(since_2024) == open_now.count()
    assert resolved_as(since_2024, "Decision changed") == (
        resolved_as(last_year, "Decision changed") + 1
    )
    closures = {
        page: charted(page, "escalation-themes").get("Case closure or step down", ["0", "0"])
        for page in (last_year, since_2024)
    }
    assert closures[last_year] == ["0", "0"]
    assert closures[since_2024] == ["1", "1"]  # open, resolved
    for page in (last_year, since_2024):
        for key in ESCALATION_CHARTS:
            if charted(page, key):
                assert_chart_and_table_agree(page, key)

    backwards = client.get(
        "/referrals/escalations/dashboard/?date_from=2026-12-01&date_to=2026-11-01"
    )
    page = backwards.content.decode()
    assert backwards.status_code == 200 and "There is a problem" in page
    assert "The end of the period must be after its start." in page
    assert "escalations-by-stage-data" not in page


def test_the_escalation_figures_are_counted_again_once_an_escalation_or_its_good_practice_changes(
    client, demo
):
    escalation = OpenEscalationFactory()
    health = demo.user(PRACTITIONER_HEALTH)
    sign_in(client, BUSINESS)

    def figures():
        page = client.get("/referrals/escalations/dashboard/").content.decode()
        good = charted(page, "escalation-good-practice").get("Hillford Council", ["0"])
        return stage_one_open(page), resolved_as(page, "Agreed"), int(good[0])

    open_before, agreed_before, good_before = figures()
    with CaptureQueriesContext(connection) as again:
        assert figures() == (open_before, agreed_before, good_before)
    assert not [q for q in again.captured_queries if "referrals_escalation" in q["sql"]]

    services.good_practice_record(
        escalation=escalation,
        agency=demo.agency("Hillford Council"),
        description="Reasons given the same day.",
        by=health,
    )
    assert figures() == (open_before, agreed_before, good_before + 1)

    services.escalation_resolve(escalation=escalation, by=health, resolution="agreed")
    assert figures() == (open_before - 1, agreed_before + 1, good_before + 1)
