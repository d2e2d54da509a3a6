"""Writes for serious incidents, rapid reviews and practice reviews, and their reminders."""

from __future__ import annotations

import uuid
from datetime import date
from functools import cache

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.defaultfilters import pluralize
from django.utils import timezone

from partnerships.choices import Role
from partnerships.models import Agency, Membership
from partnerships.selectors import agency_leads_in, business_team_of, people_with_role
from partnerships.services import action_create
from safeguarding.notifications import Message, Reminder, already_notified, notify_all, notify_each
from safeguarding.records import lock
from safeguarding.working_days import (
    WorkingDayCalendar,
    WorkingDayCount,
    beyond_notice,
    every_partnership_calendar,
)

from .choices import (
    OPEN_REVIEW_STATUSES,
    AbuseCategory,
    Decision,
    IncidentType,
    PartnerKind,
    RapidReviewStatus,
    ReturnStatus,
)
from .models import (
    AgencyReturn,
    Extension,
    IncidentChild,
    Milestone,
    PracticeReview,
    RapidReview,
    SeriousIncident,
    SignOff,
)
from .selectors import can_record_incident, partner_kind_of

NOTIFICATION_WORKING_DAYS = 5
RAPID_REVIEW_WORKING_DAYS = 15
PANEL_NOTICE_WORKING_DAYS = 7
PRACTICE_REVIEW_MONTHS = 6
MAX_CHILDREN = 4
# How far past the original deadline an extension may go: far enough for a criminal trial to
# conclude, near enough that a mistyped year (9999) is refused.
MAX_EXTENSION_YEARS = 1


def _today(today: date | None) -> date:
    return today or timezone.localdate()


# ---------------------------------------------------------------------------
# Serious incidents


def notification_deadline(incident: SeriousIncident) -> WorkingDayCount:
    """5 working days after the local authority became aware, with the days not counted."""
    calendar = WorkingDayCalendar.for_partnership(incident.partnership)
    return calendar.add(incident.became_aware_on, NOTIFICATION_WORKING_DAYS)


def notification_deadline_explained(incident: SeriousIncident, calendar=None) -> WorkingDayCount:
    """How the stored notification deadline was worked out: it stands once set."""
    calendar = calendar or WorkingDayCalendar.for_partnership(incident.partnership)
    return calendar.explain(
        incident.became_aware_on, NOTIFICATION_WORKING_DAYS, incident.notification_due_on
    )


def _validate_children(children: list[dict], today: date) -> dict:
    if not 1 <= len(children) <= MAX_CHILDREN:
        return {"children": f"Name between 1 and {MAX_CHILDREN} children."}
    for number, child in enumerate(children, start=1):
        if (
            not (child.get("first_name") or "").strip()
            or not (child.get("last_name") or "").strip()
        ):
            return {"children": f"Give child {number}'s first and last name."}
        born = child.get("date_of_birth")
        if born is None:
            return {"children": f"Give child {number}'s date of birth."}
        if born > today:
            return {"children": f"Child {number}'s date of birth cannot be in the future."}
    return {}


@transaction.atomic
def incident_create(
    *,
    partnership,
    local_authority: Agency,
    incident_type: str,
    categories: list[str],
    children: list[dict],
    became_aware_on: date,
    summary: str,
    agencies_involved,
    by,
    home_local_authority: Agency | None = None,
    looked_after: bool = False,
    today: date | None = None,
) -> SeriousIncident:
    """Record a serious incident and the deadline for notifying the national Panel.

    The children's details are kept in their own records, readable by the
    partnership's business team and partners and by the involved agencies.
    """
    today = _today(today)
    if not can_record_incident(by, partnership):
        raise PermissionDenied("Only the business team or the local authority records incidents.")
    errors = {}
    councils = Membership.objects.current().local_authorities().filter(partnership=partnership)
    if not councils.filter(agency=local_authority).exists():
        errors["local_authority"] = "Choose a local authority that is a partner in the partnership."
    if home_local_authority is not None and (
        not home_local_authority.is_local_authority or home_local_authority == local_authority
    ):
        errors["home_local_authority"] = (
            "The child's home area must be a different local authority (or left blank)."
        )
    if incident_type not in IncidentType.values:
        errors["incident_type"] = "Say whether the child died or was seriously harmed."
    if not categories or set(categories) - set(AbuseCategory.values):
        errors["categories"] = "Choose at least one category of abuse or neglect."
    if became_aware_on is None:
        errors["became_aware_on"] = "Give the date the local authority became aware."
    elif became_aware_on > today:
        errors["became_aware_on"] = (
            "The date the local authority became aware cannot be in the future."
        )
    if not (summary or "").strip():
        errors["summary"] = "Give a short summary of what happened."
    involved = {a.pk: a for a in agencies_involved}
    members = set(
        Membership.objects.current()
        .filter(partnership=partnership, agency_id__in=involved)
        .values_list("agency_id", flat=True)
    )
    if set(involved) - members:
        errors["agencies_involved"] = "Every involved agency must be a member of the partnership."
    errors.update(_validate_children(children, today))
    if errors:
        raise ValidationError(errors)
    # The council where it happened owns the review and the child's home council works with
    # it, so both are always asked for a return (the home council may be outside the
    # partnership).
    involved.setdefault(local_authority.pk, local_authority)
    if home_local_authority is not None:
        involved.setdefault(home_local_authority.pk, home_local_authority)
    incident = SeriousIncident(
        reference=uuid.uuid4().hex[:20],
        partnership=partnership,
        local_authority=local_authority,
        home_local_authority=home_local_authority,
        incident_type=incident_type,
        looked_after=looked_after,
        categories=sorted(set(categories), key=AbuseCategory.values.index),
        became_aware_on=became_aware_on,
        summary=summary.strip(),
        created_by=by,
    )
    incident.notification_due_on = notification_deadline(incident).due
    incident.save()
    # The reference is built from the row's own id, so two people recording at once cannot clash.
    incident.reference = f"SI-{became_aware_on.year}-{incident.pk:04d}"
    incident.save(update_fields=["reference"])
    incident.agencies_involved.set(involved.values())
    for position, child in enumerate(children, start=1):
        IncidentChild.objects.create(
            incident=incident,
            partnership=partnership,
            position=position,
            first_name=child["first_name"].strip(),
            last_name=child["last_name"].strip(),
            date_of_birth=child["date_of_birth"],
        )
    return incident


@transaction.atomic
def incident_record_notification(
    *, incident: SeriousIncident, notified_on: date, by, today: date | None = None
) -> SeriousIncident:
    """Record the date the national Panel was notified (on time, or how late), once: the rapid
    review's clock may have started from it, so it is not rewritten afterwards."""
    lock(incident, "notified_on")
    if incident.notified_on is not None:
        raise ValidationError(
            {
                "notified_on": f"The notification to the Panel is already recorded, as sent on "
                f"{incident.notified_on:%-d %B %Y}; it cannot be changed."
            }
        )
    if notified_on is None:
        raise ValidationError({"notified_on": "Give the date the Panel was notified."})
    if notified_on > _today(today):
        raise ValidationError({"notified_on": "The notification date cannot be in the future."})
    if notified_on < incident.became_aware_on:
        raise ValidationError(
            {"notified_on": "The Panel cannot be notified before the local authority became aware."}
        )
    incident.notified_on = notified_on
    incident._change_reason = f"Notification recorded by {by}"
    incident.save(update_fields=["notified_on"])
    return incident


def notification_late_by(incident: SeriousIncident, calendar: WorkingDayCalendar) -> int | None:
    """Working days late the notification was (0 when on time), None until it is sent."""
    if incident.notified_on is None:
        return None
    if incident.notified_on <= incident.notification_due_on:
        return 0
    # Notified on a weekend or bank holiday after the deadline: no working day lies between,
    # but it was still late, by the working day it should have gone on.
    return max(calendar.between(incident.notification_due_on, incident.notified_on), 1)


# ---------------------------------------------------------------------------
# Rapid reviews


def rapid_review_clock_start(incident: SeriousIncident) -> date | None:
    """Awareness by default; some partnerships count from the notification to the Panel."""
    if incident.partnership.rapid_review_clock_start == "notified":
        return incident.notified_on
    return incident.became_aware_on


def rapid_review_deadline(review: RapidReview, calendar=None) -> WorkingDayCount:
    """How the original deadline was worked out: it stands once set (extensions move `due_on`)."""
    calendar = calendar or WorkingDayCalendar.for_partnership(review.partnership)
    return calendar.explain(
        review.clock_started_on, RAPID_REVIEW_WORKING_DAYS, review.original_due_on
    )


def rapid_review_plan(review: RapidReview, calendar=None) -> list[dict]:
    """The 15 working days of the review, each with its date and what should happen.

    Laid out on the calendar the deadline was set on, so that day 15 is the original deadline
    even when the partnership has added a closure day since.
    """
    calendar = calendar or WorkingDayCalendar.for_partnership(review.partnership)
    calendar = calendar.as_set(
        review.clock_started_on, RAPID_REVIEW_WORKING_DAYS, review.original_due_on
    )
    returns_day = calendar.between(review.clock_started_on, review.returns_due_on)
    meeting_day = min(returns_day + 2, RAPID_REVIEW_WORKING_DAYS - 1)
    events = {
        1: "Information requests go to every involved agency",
        returns_day: "Agency returns due",
        meeting_day: "Rapid review meeting",
        RAPID_REVIEW_WORKING_DAYS: "Partners sign off and the review goes to the Panel",
    }
    plan, day = [], review.clock_started_on
    for number in range(1, RAPID_REVIEW_WORKING_DAYS + 1):
        day = calendar.add(day, 1).due
        plan.append({"day": number, "date": day, "event": events.get(number, "")})
    return plan


@transaction.atomic
def rapid_review_create(*, incident: SeriousIncident, by, today: date | None = None) -> RapidReview:
    """Start the rapid review: set its deadlines and send each involved agency a request."""
    # Two people pressing "start" at once: the second waits here, then finds the first's review.
    lock(incident, "pk")
    if RapidReview.objects.filter(incident=incident).exists():
        raise ValidationError({"incident": "This incident already has a rapid review."})
    start = rapid_review_clock_start(incident)
    if start is None:
        raise ValidationError(
            {
                "incident": "This partnership counts the 15 working days from the notification to "
                "the Panel: record the notification first."
            }
        )
    partnership = incident.partnership
    calendar = WorkingDayCalendar.for_partnership(partnership)
    due_on = calendar.add(start, RAPID_REVIEW_WORKING_DAYS).due
    returns_days = min(partnership.agency_return_working_days, RAPID_REVIEW_WORKING_DAYS)
    review = RapidReview.objects.create(
        incident=incident,
        partnership=partnership,
        clock_started_on=start,
        original_due_on=due_on,
        due_on=due_on,
        returns_due_on=calendar.add(start, returns_days).due,
        created_by=by,
    )
    for agency in incident.agencies_involved.all():
        agency_return = AgencyReturn.objects.create(
            rapid_review=review,
            partnership=partnership,
            agency=agency,
            due_on=review.returns_due_on,
        )
        notify_all(
            _return_recipients(partnership, agency),
            kind="review_information_request",
            subject=agency_return,
            partnership_id=agency_return.partnership_id,
            stage="requested",
            message=Message(
                title=f"Rapid review {incident.reference}: information request",
                body=(
                    f"Please give {agency}'s chronology of its involvement with the child and "
                    f"family, and a summary of that involvement, by "
                    f"{agency_return.due_on:%-d %B %Y}. You can save a draft and come back."
                ),
                url=agency_return.get_absolute_url(),
            ),
        )
    return review


def _return_recipients(partnership, agency) -> list:
    """Who is asked for an agency's return and reminded of it: the agency's safeguarding leads
    in the partnership, else its staff there with any role; for an agency with nobody in the
    partnership (the child's home council may belong to another), its safeguarding leads in
    any partnership; failing those, the partnership's business team, to pass the request on."""
    return (
        agency_leads_in(partnership, agency)
        or list(people_with_role(partnership, *Role.values, agency=agency))
        or list(people_with_role(None, Role.AGENCY_SAFEGUARDING_LEAD, agency=agency))
        or list(business_team_of(partnership))
    )


def _refuse_out_of_order(review: RapidReview, allowed: tuple[str, ...], message: str) -> None:
    if review.status not in allowed:
        raise ValidationError(
            {"status": f"{message} (the review is at: {review.get_status_display().lower()})."}
        )


@transaction.atomic
def rapid_review_record_meeting(
    *,
    review: RapidReview,
    held_on: date,
    attendees: str,
    notes: str,
    immediate_safety_actions: str = "",
    learning: str = "",
    by,
    today: date | None = None,
) -> RapidReview:
    """Record the rapid review meeting, the immediate safety actions and the learning."""
    lock(review)
    _refuse_out_of_order(
        review,
        (RapidReviewStatus.GATHERING, RapidReviewStatus.MEETING_HELD),
        "The meeting can only be recorded before the decision",
    )
    errors = {}
    if held_on is None:
        errors["held_on"] = "Give the date of the meeting."
    elif held_on > _today(today):
        errors["held_on"] = "The meeting date cannot be in the future."
    elif held_on < review.incident.became_aware_on:
        errors["held_on"] = "The meeting cannot be before the partners became aware."
    if not (attendees or "").strip():
        errors["attendees"] = "Say who attended the meeting."
    if errors:
        raise ValidationError(errors)
    review.meeting_held_on = held_on
    review.meeting_attendees = attendees.strip()
    review.meeting_notes = (notes or "").strip()
    review.immediate_safety_actions = (immediate_safety_actions or "").strip()
    review.learning = (learning or "").strip()
    review.status = RapidReviewStatus.MEETING_HELD
    review._change_reason = f"Meeting recorded by {by}"
    review.save()
    return review


@transaction.atomic
def rapid_review_decide(
    *, review: RapidReview, decision: str, reasons: str, by, today: date | None = None
) -> RapidReview:
    """Record the decision (practice review, national review or none) and its reasons."""
    lock(review)
    _refuse_out_of_order(
        review,
        (RapidReviewStatus.MEETING_HELD, RapidReviewStatus.DECIDED),
        "Record the meeting before the decision; a signed-off decision cannot change",
    )
    errors = {}
    if decision not in Decision.values:
        errors["decision"] = f"Choose one of: {', '.join(Decision.values)}."
    if not (reasons or "").strip():
        errors["reasons"] = "Give the reasons for the decision."
    if review.sign_offs.exists():
        errors["decision"] = "A partner has signed off this decision; it cannot change now."
    if errors:
        raise ValidationError(errors)
    review.decision = decision
    review.decision_reasons = reasons.strip()
    review.decided_on = _today(today)
    review.status = RapidReviewStatus.DECIDED
    review._change_reason = f"Decision recorded by {by}"
    review.save()
    return review


@transaction.atomic
def rapid_review_sign_off(*, review: RapidReview, by) -> SignOff:
    """A delegated safeguarding partner signs off the review for the partner they speak for."""
    kind = partner_kind_of(by, review.partnership)
    if kind is None:
        raise PermissionDenied(
            "Only a delegated safeguarding partner of this partnership can sign off."
        )
    lock(review)
    _refuse_out_of_order(
        review,
        (RapidReviewStatus.DECIDED,),
        "The partners sign off once the decision and its reasons are recorded",
    )
    if review.sign_offs.filter(partner_kind=kind).exists():
        raise ValidationError(
            {"partner_kind": f"{PartnerKind(kind).label} has already signed off this review."}
        )
    sign_off = SignOff.objects.create(
        rapid_review=review, partner_kind=kind, agency_id=by.agency_id, signed_by=by
    )
    if review.sign_offs.count() == len(PartnerKind.values):
        review.status = RapidReviewStatus.SIGNED_OFF
        review._change_reason = "All three partners signed off"
        review.save(update_fields=["status"])
    return sign_off


def submission_blockers(review: RapidReview) -> dict[str, str]:
    """What still stands between the review and the Panel, by field."""
    blockers = {}
    if review.incident.notified_on is None:
        blockers["notified_on"] = "Record the notification to the Panel before submitting."
    if not review.decision or not review.decision_reasons:
        blockers["decision"] = "Record the decision and its reasons before submitting."
    signed = {sign_off.partner_kind for sign_off in review.sign_offs.all()}
    missing = [PartnerKind(k).label.lower() for k in PartnerKind.values if k not in signed]
    if missing:
        blockers["sign_offs"] = f"Still to sign off: {', '.join(missing)}."
    return blockers


@transaction.atomic
def rapid_review_submit(
    *, review: RapidReview, submitted_on: date, by, today: date | None = None
) -> RapidReview:
    """Send the review to the Panel. Never without the notification, the decision and sign-off.

    A decision to hold a local practice review starts one.
    """
    lock(review)
    if review.status == RapidReviewStatus.SUBMITTED:
        raise ValidationError({"status": "This review has already been submitted."})
    errors = submission_blockers(review)
    if submitted_on is None:
        errors["submitted_on"] = "Give the date the review went to the Panel."
    elif submitted_on > _today(today):
        errors["submitted_on"] = "The submission date cannot be in the future."
    elif submitted_on < review.clock_started_on:
        errors["submitted_on"] = "The review cannot be submitted before its clock started."
    if errors:
        raise ValidationError(errors)
    review.submitted_on = submitted_on
    review.status = RapidReviewStatus.SUBMITTED
    review._change_reason = f"Submitted by {by}"
    review.save(update_fields=["submitted_on", "status"])
    if review.decision == Decision.LCSPR:
        practice_review_create(rapid_review=review)
    return review


@transaction.atomic
def rapid_review_extend(*, review: RapidReview, new_due_on: date, reason: str, by) -> Extension:
    """Agree a later deadline. The original deadline stays on the record."""
    lock(review)
    errors = {}
    if not review.is_open:
        errors["new_due_on"] = "A submitted review cannot be extended."
    elif new_due_on is None or new_due_on <= review.due_on:
        errors["new_due_on"] = "The new deadline must be after the current one."
    elif new_due_on > (latest := review.original_due_on + relativedelta(years=MAX_EXTENSION_YEARS)):
        errors["new_due_on"] = (
            f"The new deadline must be no later than {latest:%-d %B %Y}, a year after the "
            "original deadline."
        )
    if not (reason or "").strip():
        errors["reason"] = "Give the reason for the extension."
    if errors:
        raise ValidationError(errors)
    extension = Extension.objects.create(
        rapid_review=review, new_due_on=new_due_on, reason=reason.strip(), granted_by=by
    )
    review.due_on = new_due_on
    review._change_reason = f"Extended by {by}: {reason.strip()}"[:100]
    review.save(update_fields=["due_on"])
    return extension


@transaction.atomic
def rapid_review_share_returns(*, review: RapidReview, by) -> RapidReview:
    """Let every involved agency read every agency's return."""
    if not review.returns_shared:
        review.returns_shared = True
        review._change_reason = f"Returns shared by {by}"
        review.save(update_fields=["returns_shared"])
    return review


@transaction.atomic
def agency_return_save(
    *,
    agency_return: AgencyReturn,
    chronology: str,
    summary: str,
    by,
    submit: bool = False,
    today: date | None = None,
) -> AgencyReturn:
    """Save an agency's return as a draft, or submit it (both parts are then needed)."""
    # The review first, as every other step locks it, then the return: checked as they stand.
    lock(agency_return.rapid_review)
    lock(agency_return)
    if agency_return.status == ReturnStatus.SUBMITTED:
        raise ValidationError({"status": "This return has already been submitted."})
    if agency_return.rapid_review.status == RapidReviewStatus.SUBMITTED:
        raise ValidationError({"status": "The rapid review has been submitted."})
    if submit:
        errors = {}
        if not (chronology or "").strip():
            errors["chronology"] = "Give the chronology of your agency's involvement."
        if not (summary or "").strip():
            errors["summary"] = "Give a summary of your agency's involvement."
        if errors:
            raise ValidationError(errors)
    agency_return.chronology = chronology or ""
    agency_return.summary = summary or ""
    if submit:
        agency_return.status = ReturnStatus.SUBMITTED
        agency_return.submitted_on = _today(today)
        agency_return.submitted_by = by
    else:
        agency_return.status = ReturnStatus.IN_PROGRESS
    agency_return._change_reason = f"{'Submitted' if submit else 'Draft saved'} by {by}"
    agency_return.save()
    return agency_return


def recommendation_add(
    *, review, owner_agency: Agency, recommendation: str, title: str, due_on: date, by
):
    """Turn a review's recommendation into an action an agency owns (the shared action model)."""
    errors = {}
    if not (recommendation or "").strip():
        errors["recommendation"] = "Give the recommendation."
    if due_on is None:
        errors["due_on"] = "Give the date the action is due."
    if errors:
        raise ValidationError(errors)
    return action_create(
        partnership=review.partnership,
        owner_agency=owner_agency,
        title=title,
        due_on=due_on,
        by=by,
        source=review,
        recommendation=recommendation.strip(),
    )


# ---------------------------------------------------------------------------
# Local child safeguarding practice reviews


@transaction.atomic
def practice_review_create(*, rapid_review: RapidReview) -> PracticeReview:
    """Start the practice review a rapid review decided on: publication due in 6 months."""
    if rapid_review.decision != Decision.LCSPR:
        raise ValidationError({"decision": "Only an LCSPR decision starts a practice review."})
    decided_on = rapid_review.decided_on or rapid_review.submitted_on
    practice_review, _ = PracticeReview.objects.get_or_create(
        rapid_review=rapid_review,
        defaults={
            "partnership": rapid_review.partnership,
            "decided_on": decided_on,
            "target_publication_on": decided_on + relativedelta(months=PRACTICE_REVIEW_MONTHS),
        },
    )
    return practice_review


def panel_notice_warning(practice_review: PracticeReview, calendar=None) -> str:
    """A warning when the report reached the Panel less than 7 working days before publication."""
    publication = practice_review.published_on or practice_review.target_publication_on
    if practice_review.sent_to_panel_on is None:
        return ""
    calendar = calendar or WorkingDayCalendar.for_partnership(practice_review.partnership)
    notice = calendar.between(practice_review.sent_to_panel_on, publication)
    if notice >= PANEL_NOTICE_WORKING_DAYS:
        return ""
    return (
        f"The report went to the Panel and the Secretary of State {notice} working "
        f"day{'s' if notice != 1 else ''} before publication; it must go at least "
        f"{PANEL_NOTICE_WORKING_DAYS} working days before."
    )


@transaction.atomic
def practice_review_update(
    *,
    practice_review: PracticeReview,
    by,
    reviewer: str = "",
    terms_of_reference: str = "",
    sent_to_panel_on: date | None = None,
    published_on: date | None = None,
    learning_briefing: str = "",
    final_report=None,
    today: date | None = None,
) -> tuple[PracticeReview, str]:
    """Record the practice review's progress; returns it with any warning about Panel notice.

    Once published, the partnership's scrutineers may read it (never the children's details,
    which are not part of it).
    """
    today = _today(today)
    errors = {}
    for field, value in (("sent_to_panel_on", sent_to_panel_on), ("published_on", published_on)):
        if value and value > today:
            errors[field] = "This date cannot be in the future."
    if published_on and not (final_report or practice_review.final_report):
        errors["final_report"] = "Upload the final report before recording publication."
    if published_on and sent_to_panel_on and sent_to_panel_on > published_on:
        errors["sent_to_panel_on"] = "The report must go to the Panel before publication."
    if errors:
        raise ValidationError(errors)
    practice_review.reviewer = (reviewer or "").strip()
    practice_review.terms_of_reference = (terms_of_reference or "").strip()
    practice_review.sent_to_panel_on = sent_to_panel_on
    practice_review.published_on = published_on
    practice_review.learning_briefing = (learning_briefing or "").strip()
    if final_report:
        practice_review.final_report = final_report
    practice_review._change_reason = f"Updated by {by}"
    practice_review.save()
    return practice_review, panel_notice_warning(practice_review)


def milestone_add(*, practice_review: PracticeReview, title: str, due_on: date, by) -> Milestone:
    """Add a dated step to a practice review (terms agreed, family met, draft report...)."""
    errors = {}
    if not (title or "").strip():
        errors["title"] = "Say what the milestone is."
    if due_on is None:
        errors["due_on"] = "Give the date the milestone is due."
    if errors:
        raise ValidationError(errors)
    return Milestone.objects.create(
        practice_review=practice_review, title=title.strip(), due_on=due_on
    )


@transaction.atomic
def milestone_complete(*, milestone: Milestone, completed_on: date, by) -> Milestone:
    """Record that a practice review milestone was reached; its reminders stop. The first date
    recorded stands: marking it done again (a replayed button) is refused, saying when."""
    lock(milestone, "completed_on")
    if milestone.completed_on is not None:
        raise ValidationError(
            {
                "completed_on": f"{milestone.title} was already marked as done on "
                f"{milestone.completed_on:%-d %B %Y}."
            }
        )
    if completed_on is None or completed_on > timezone.localdate():
        raise ValidationError(
            {"completed_on": "Give the date it was completed; it cannot be in the future."}
        )
    milestone.completed_on = completed_on
    milestone._change_reason = f"Completed, recorded by {by}"
    milestone.save(update_fields=["completed_on"])
    return milestone


# ---------------------------------------------------------------------------
# Reminders and escalation

# Working days before a deadline at which each reminder goes, most urgent first.
RETURN_STAGES = (
    (0, "return_due", "is due today"),
    (1, "return_due_in_1", "is due tomorrow"),
    (3, "return_due_in_3", "is due in 3 working days"),
)
REVIEW_STAGES = (
    (0, "review_due", "is due today"),
    (2, "review_due_in_2", "is due in 2 working days"),
    (5, "review_due_in_5", "is due in 5 working days"),
)
MILESTONE_STAGES = (
    (0, "milestone_due", "is due today"),
    (5, "milestone_due_in_5", "is due in 5 working days"),
)
ESCALATE_AFTER_WORKING_DAYS = 2


def reminder_stage(stages, days_left: int) -> tuple[str, str] | None:
    """The most urgent stage a deadline `days_left` working days away has reached."""
    for threshold, stage, wording in stages:
        if days_left <= threshold:
            return stage, wording
    return None


def _deadline_stage(review: RapidReview, stage: str) -> str:
    """A reminder stage for the review's current deadline, so each deadline an extension sets
    is reminded (and escalated) once. The original deadline keeps the stage's bare name, which
    reminders recorded before stages carried the date also used, so none is sent twice."""
    if review.due_on == review.original_due_on:
        return stage
    return f"{stage}:{review.due_on.isoformat()}"


def _notice(stages) -> int:
    """How many working days ahead the earliest of `stages` comes."""
    return max(threshold for threshold, _, _ in stages)


def _business_team(partnership) -> list:
    return list(business_team_of(partnership))


def _delegated_partners(partnership) -> list:
    return list(people_with_role(partnership, Role.DELEGATED_SAFEGUARDING_PARTNER))


def _days_left(items, calendars, today):
    return [(item, calendars[item.partnership_id].between(today, item.due_on)) for item in items]


def _stages_reached(items, calendars, today, stages, overdue_stage: str):
    """(item, stage, wording) for each of `items` that has reached one of `stages` today or is
    past its deadline (`overdue_stage`)."""
    for item, days_left in _days_left(items, calendars, today):
        if days_left < 0:
            yield item, overdue_stage, "is overdue"
        elif reached := reminder_stage(stages, days_left):
            yield item, *reached


def agency_return_reminders_send(*, today: date | None = None) -> int:
    """Remind each agency's safeguarding leads of a return due in 3 and 1 working days, today,
    and once it is overdue. Only unsubmitted returns of open reviews due soon, and not yet told
    they are overdue, are read; the reminders are recorded together and each agency's
    recipients read once."""
    today = _today(today)
    calendars = every_partnership_calendar()
    due = list(
        AgencyReturn.objects.filter(
            status__in=(ReturnStatus.NOT_STARTED, ReturnStatus.IN_PROGRESS),
            due_on__lt=beyond_notice(calendars.values(), today, _notice(RETURN_STAGES)),
        )
        .filter(rapid_review__status__in=OPEN_REVIEW_STATUSES)
        .exclude(already_notified(AgencyReturn, kind="review_return", stage="return_overdue"))
        .select_related("agency", "partnership", "rapid_review__incident")
        .order_by("due_on", "pk")
    )
    recipients_of = cache(_return_recipients)

    def reminders():
        for agency_return, stage, wording in _stages_reached(
            due, calendars, today, RETURN_STAGES, "return_overdue"
        ):
            reference = agency_return.rapid_review.incident.reference
            yield Reminder(
                recipients_of(agency_return.partnership, agency_return.agency),
                subject=agency_return,
                stage=stage,
                message=Message(
                    title=f"Rapid review {reference}: your agency's return {wording}",
                    body=(
                        f"{agency_return.agency}'s chronology and summary of involvement for "
                        f"the rapid review of {reference} is due on "
                        f"{agency_return.due_on:%-d %B %Y}."
                    ),
                    url=agency_return.get_absolute_url(),
                ),
                partnership_id=agency_return.partnership_id,
            )

    return notify_each(reminders(), kind="review_return")


def rapid_review_reminders_send(*, today: date | None = None) -> int:
    """Remind the business team of a rapid review due in 5 and 2 working days, today, and
    every working day once overdue; at 2 working days overdue escalate to the three
    delegated safeguarding partners. Only open reviews due soon (or overdue) are read; the
    reminders are recorded together and each partnership's recipients read once."""
    today = _today(today)
    calendars = every_partnership_calendar()
    due = list(
        RapidReview.objects.open()
        .filter(due_on__lt=beyond_notice(calendars.values(), today, _notice(REVIEW_STAGES)))
        .select_related("incident", "partnership")
        .order_by("due_on", "pk")
    )
    business_team = cache(_business_team)
    delegated_partners = cache(_delegated_partners)
    reached = []  # (review, working days left, stage, wording)
    for review, days_left in _days_left(due, calendars, today):
        if days_left < 0:
            if not calendars[review.partnership_id].is_working_day(today):
                continue
            stage = f"review_overdue:{today.isoformat()}"
            wording = f"is {-days_left} working day{pluralize(-days_left)} overdue"
        else:
            stage_reached = reminder_stage(REVIEW_STAGES, days_left)
            if stage_reached is None:
                continue
            stage, wording = stage_reached
            stage = _deadline_stage(review, stage)
        reached.append((review, days_left, stage, wording))

    def deadline_reminders():
        for review, _, stage, wording in reached:
            reference = review.incident.reference
            yield Reminder(
                business_team(review.partnership),
                subject=review,
                stage=stage,
                message=Message(
                    title=f"Rapid review {reference} {wording}",
                    body=(
                        f"The rapid review of {reference} is due with the Panel on "
                        f"{review.due_on:%-d %B %Y}."
                    ),
                    url=review.get_absolute_url(),
                ),
                partnership_id=review.partnership_id,
            )

    def escalations():
        for review, days_left, _, _ in reached:
            if days_left > -ESCALATE_AFTER_WORKING_DAYS:
                continue
            reference = review.incident.reference
            yield Reminder(
                delegated_partners(review.partnership),
                subject=review,
                stage=_deadline_stage(review, "escalated"),
                message=Message(
                    title=(
                        f"Escalation: rapid review {reference} is {-days_left} working days overdue"
                    ),
                    body=(
                        f"The rapid review of {reference} was due with the Panel on "
                        f"{review.due_on:%-d %B %Y} and has not been submitted. As a delegated "
                        "safeguarding partner, please make sure it is completed."
                    ),
                    url=review.get_absolute_url(),
                ),
                partnership_id=review.partnership_id,
            )

    return notify_each(deadline_reminders(), kind="rapid_review_deadline") + notify_each(
        escalations(), kind="rapid_review_escalation"
    )


def milestone_reminders_send(*, today: date | None = None) -> int:
    """Remind the business team of practice review milestones due soon, today and overdue
    (the last once: a milestone told it is overdue is not read again)."""
    today = _today(today)
    calendars = every_partnership_calendar()
    due = list(
        Milestone.objects.filter(
            completed_on__isnull=True,
            due_on__lt=beyond_notice(calendars.values(), today, _notice(MILESTONE_STAGES)),
        )
        .exclude(
            already_notified(Milestone, kind="practice_review_milestone", stage="milestone_overdue")
        )
        .select_related("practice_review__rapid_review__incident", "practice_review__partnership")
        .order_by("due_on", "pk")
    )
    for milestone in due:
        milestone.partnership_id = milestone.practice_review.partnership_id
    business_team = cache(_business_team)

    def reminders():
        for milestone, stage, wording in _stages_reached(
            due, calendars, today, MILESTONE_STAGES, "milestone_overdue"
        ):
            practice_review = milestone.practice_review
            yield Reminder(
                business_team(practice_review.partnership),
                subject=milestone,
                stage=stage,
                message=Message(
                    title=f"{practice_review}: {milestone.title} {wording}",
                    body=f"{milestone.title} is due on {milestone.due_on:%-d %B %Y}.",
                    url=practice_review.get_absolute_url(),
                ),
                partnership_id=practice_review.partnership_id,
            )

    return notify_each(reminders(), kind="practice_review_milestone")
