"""The benchmark's dataset is written with COPY, bypassing the services; these tests check that
what it writes is what the services would have written, so the benchmark measures real pages."""

import io
import json
from collections import Counter

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from audits.models import AuditReturn
from bench import bulk, sweep
from partnerships.choices import Role
from partnerships.models import Membership, Partnership, Region, RoleAssignment, User
from referrals.choices import ASSESSMENT_DECISIONS, Decision
from referrals.models import Escalation, Referral, ReferralChild
from referrals.selectors import ASSESSMENT, CONFERENCE, possible_duplicates
from referrals.services import referral_decide, referral_strategy_discussion_record
from reviews.models import RapidReview
from safeguarding import permissions
from safeguarding.models import AccessLogEntry, Notification
from safeguarding.working_days import calendars_for

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker, tmp_path_factory):
    """One small dataset for the module (building 20 partnerships' people takes a while)."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the dataset is written with PostgreSQL's COPY: set DATABASE_URL (CI does)")
    record = tmp_path_factory.mktemp("bench") / "dataset.json"
    # Flushed every few rows, as the full-size run flushes every 50,000, so a table is written
    # before the rows its keys point at, as it is at full size.
    with (
        pytest.MonkeyPatch.context() as patch,
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        patch.setattr(bulk, "FLUSH_EVERY", 7)
        before = indexes_and_keys()
        call_command(
            "bench_generate", "--scale", "0.0005", "--record", str(record), stdout=io.StringIO()
        )
        yield {**json.loads(record.read_text()), "indexes_and_keys_before": before}
        transaction.set_rollback(True)


def indexes_and_keys() -> list[tuple[str, str]]:
    """Every index and constraint of the database's tables, by name, as PostgreSQL defines it."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index
            JOIN pg_class ON pg_class.oid = indexrelid
            WHERE relnamespace = current_schema()::regnamespace
            UNION ALL
            SELECT conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid)
            FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
            """
        )
        return sorted(cursor.fetchall())


def bench_referrals():
    return Referral.objects.filter(concerns__startswith="Bruising seen")


def test_it_builds_twenty_partnerships_in_four_regions_at_the_sizes_asked(generated):
    assert Partnership.objects.count() == 20
    assert Region.objects.count() == 4
    assert bench_referrals().count() == 500 == generated["rows"]["referrals.Referral"]
    assert generated["rows"]["reviews.RapidReview"] == 10
    assert generated["rows"]["referrals.Escalation"] == 25
    assert set(generated["seconds"]) >= {"referrals", "reviews", "audits", "actions"}


def test_it_leaves_every_table_with_the_indexes_and_keys_it_had(generated):
    # Dropped while the rows are written, and built and checked once at the end.
    after = indexes_and_keys()

    assert after == generated["indexes_and_keys_before"]
    assert any("gin_trgm_ops" in definition for _, definition in after)
    assert set(generated["seconds"]) >= {"repeat_flags", "keys", "indexes"}


def test_each_partnership_has_a_directory_of_agencies_with_their_staff(generated):
    schools = Membership.objects.filter(agency__name__contains=" Primary School ")
    assert generated["rows"]["safeguarding.AccessLogEntry"] == 1_500
    assert Membership.objects.filter(agency__name__contains=" 1").count() >= 20  # 1 each, at least
    for membership in schools.select_related("agency", "partnership")[:5]:
        staff = User.objects.filter(agency=membership.agency)
        assert staff.count() == 3
        roles = RoleAssignment.objects.filter(user__in=staff, partnership=membership.partnership)
        assert sorted(roles.values_list("role", flat=True)) == sorted(
            [Role.AGENCY_SAFEGUARDING_LEAD, Role.PRACTITIONER, Role.PRACTITIONER]
        )
        for person in staff:  # in the groups a role gives, as if the admin had added them
            assert permissions.can(person, permissions.VIEW, membership.partnership)


def test_the_access_log_records_reads_of_children_by_people_of_their_partnership(generated):
    entries = AccessLogEntry.objects.select_related("user")
    assert entries.count() == 1_500
    for entry in entries.order_by("?")[:25]:
        child = ReferralChild.objects.select_related("referral").get(pk=entry.object_id)
        assert entry.record == child.access_log_label()
        assert entry.partnership_id == child.partnership_id
        assert entry.user.role_assignments.filter(partnership_id=entry.partnership_id).exists()
        assert entry.agency_id == entry.user.agency_id
    ordered = list(entries.order_by("pk").values_list("at", flat=True))
    assert ordered == sorted(ordered)  # written oldest first, as a log is
    with connection.cursor() as cursor:  # its keys, checked once when written, are kept
        cursor.execute(
            "SELECT count(*) FROM pg_constraint "
            "WHERE conrelid = 'safeguarding_accesslogentry'::regclass AND contype = 'f'"
        )
        assert cursor.fetchone()[0] == 4


def test_the_largest_front_door_is_hillfords(generated):
    counts = {
        council: bench_referrals().filter(front_door__name=council).count()
        for council in ("Hillford Council", "Riverside Council", "Northgate Council")
    }
    assert counts["Hillford Council"] == max(counts.values()) > 0


def test_each_referral_is_seen_by_its_referrer_and_its_front_door_and_no_other_council(generated):
    hillford = User.objects.get(username="frontdoor.hillford")
    seen = permissions.restrict(bench_referrals(), hillford)
    assert seen.exists()
    assert set(seen.values_list("front_door__name", flat=True)) == {"Hillford Council"}
    assert seen.count() == bench_referrals().filter(front_door__name="Hillford Council").count()
    for referral in bench_referrals().select_related("referrer")[:50]:
        assert permissions.can(referral.referrer, permissions.VIEW, referral)
    waiting = bench_referrals().filter(front_door__name="Hillford Council", status="submitted")
    assert set(permissions.restrict(waiting, hillford, permissions.CHANGE)) == set(waiting)
    decided = bench_referrals().filter(front_door__name="Hillford Council", status="decided")
    assert not permissions.restrict(decided, hillford, permissions.CHANGE).exists()


def test_case_records_are_granted_to_their_own_partnership_only(generated):
    business = User.objects.get(username="business.riverside")
    riverside = Partnership.objects.get(name__startswith="Riverside")
    for model in (RapidReview, AuditReturn, Escalation):
        visible = permissions.restrict(model.objects.all(), business)
        partnership_field = "audit__partnership" if model is AuditReturn else "partnership"
        assert set(visible.values_list(f"{partnership_field}_id", flat=True)) <= {riverside.pk}
    assert (
        permissions.restrict(RapidReview.objects.filter(partnership=riverside), business).count()
        == RapidReview.objects.filter(partnership=riverside).count()
    )


def test_it_refuses_to_write_a_second_dataset(generated):
    with pytest.raises(CommandError, match="already holds"):
        call_command("bench_generate", "--scale", "0.0005", stdout=io.StringIO())


def test_repeat_referrals_are_flagged_as_the_front_door_would_have_flagged_them(generated):
    repeats = bench_referrals().filter(is_repeat=True)
    assert repeats.exists()
    for referral in [*repeats[:5], *bench_referrals().filter(is_repeat=False)[:5]]:
        earlier = possible_duplicates(referral).filter(received_at__lt=referral.received_at)
        assert earlier.exists() == referral.is_repeat


def test_the_sweeps_open_deadlines_leave_every_decided_referral_with_its_decision(generated):
    waiting_since_generated = bench_referrals().order_by("-pk").first()
    Referral.objects.filter(pk=waiting_since_generated.pk).update(
        status="submitted", decision="", decided_at=None
    )

    sweep.set_open(open_count=100, due_count=10)

    assert Referral.objects.filter(status="submitted").count() == 100
    assert Referral.objects.filter(status="decided", decision="").count() == 0
    closed = Referral.objects.get(pk=waiting_since_generated.pk)
    assert (closed.status, closed.decision) == ("decided", "no_further_action")
    assert closed.decided_at is not None


def test_a_week_of_sweeps_tells_each_day_its_due_and_its_newly_overdue_once(generated, monkeypatch):
    monkeypatch.setattr(sweep, "WEEK", (100, 10, 3))

    week = sweep.week_of_sweeps()

    assert [day["already_told_overdue"] for day in week["week"]] == [0, 0, 10]
    reminders = Notification.objects.filter(kind="referral_deadline")
    assert sum(day["reminders_sent"] for day in week["week"]) == reminders.count() > 0
    told = {
        stage: set(reminders.filter(stage=stage).values_list("subject_id", flat=True))
        for stage in ("due_today", "overdue")
    }
    assert len(told["due_today"]) == 30
    # The third day's referrals were due on the last day: none is overdue yet.
    assert len(told["overdue"]) == 20 and told["overdue"] < told["due_today"]


def assessments():
    return bench_referrals().filter(decision__in=ASSESSMENT_DECISIONS).select_related("decided_by")


def test_the_clocks_after_a_decision_are_due_when_the_services_would_have_set_them(generated):
    """Each due date is the one the front door's own services work out for the same dates."""
    assessments_due = dict(assessments().values_list("pk", "assessment_due_on"))
    discussed = {r.pk: r for r in assessments().exclude(strategy_discussion_on=None)}
    expected = {}
    for referral in assessments():
        decision = referral.decision
        Referral.objects.filter(pk=referral.pk).update(status="submitted", decision="")
        referral.refresh_from_db()
        expected[referral.pk] = referral_decide(
            referral=referral, by=referral.decided_by, decision=decision, reasons="Again."
        ).assessment_due_on
    assert len(expected) > 50
    assert expected == assessments_due

    conferences = {}
    for pk, referral in discussed.items():
        Referral.objects.filter(pk=pk).update(
            strategy_discussion_on=None,
            conference_due_on=None,
            conference_held_on=None,
            conference_not_needed_on=None,
            conference_not_needed_reason="",
        )
        conferences[pk] = referral_strategy_discussion_record(
            referral=Referral.objects.get(pk=pk),
            by=referral.decided_by,
            held_on=referral.strategy_discussion_on,
        ).conference_due_on
    assert len(conferences) > 10
    assert conferences == {pk: r.conference_due_on for pk, r in discussed.items()}


def test_each_step_after_a_decision_falls_after_the_one_before_and_by_today(generated):
    today = timezone.localdate()
    others = bench_referrals().exclude(decision__in=ASSESSMENT_DECISIONS)
    assert not others.exclude(assessment_due_on=None, conference_due_on=None).exists()
    assert not bench_referrals().exclude(assessment_due_on=None).filter(decision="").exists()
    for referral in assessments():
        received_on = timezone.localdate(referral.received_at)
        decided_on = timezone.localdate(referral.decided_at)
        assert referral.assessment_due_on > received_on
        if referral.assessment_completed_on:
            assert decided_on <= referral.assessment_completed_on <= today
        if referral.decision != Decision.STRATEGY_DISCUSSION:
            assert referral.strategy_discussion_on is referral.conference_due_on is None
            continue
        if referral.strategy_discussion_on is None:  # decided in the last few days
            assert referral.conference_due_on is None
            continue
        assert decided_on <= referral.strategy_discussion_on <= today
        assert referral.conference_due_on > referral.strategy_discussion_on
        # Held, or found not needed with the reason: never both (the check constraint's rule).
        assert referral.conference_held_on is None or referral.conference_not_needed_on is None
        assert bool(referral.conference_not_needed_on) == bool(
            referral.conference_not_needed_reason
        )
        for outcome in (referral.conference_held_on, referral.conference_not_needed_on):
            if outcome:
                assert referral.strategy_discussion_on <= outcome <= today


def test_the_clocks_are_in_every_state_the_front_door_meets(generated):
    """Some open in time, some overdue, some done on time, some late; some conferences needed
    none. As the referral's page reads them. At this size a few of the rarer states (the seed
    fixes which referrals are in them)."""
    today = timezone.localdate()
    calendars = calendars_for(Partnership.objects.values_list("pk", flat=True))
    standings = {ASSESSMENT.name: Counter(), CONFERENCE.name: Counter()}
    for referral in assessments():
        calendar = calendars[referral.partnership_id]
        for clock in (ASSESSMENT, CONFERENCE):
            if getattr(referral, clock.due) is not None:
                _colour, words = clock.timescale(referral, calendar, today).standing
                standings[clock.name]["Due" if words.startswith("Due") else words] += 1
    met_late_or_open = {"Completed on time", "Completed late", "Overdue", "Due"}
    assert set(standings[ASSESSMENT.name]) >= met_late_or_open, standings
    assert set(standings[CONFERENCE.name]) >= {
        "Completed on time",
        "Completed late",
        "Not needed",
    }, standings
    assert standings[CONFERENCE.name]["Overdue"] + standings[CONFERENCE.name]["Due"] > 0
    # Mostly on time.
    for counts in standings.values():
        assert counts["Completed on time"] > 2 * counts["Completed late"]
