"""Writes for case file audits and self-assessments, and the reminders that chase them."""

from __future__ import annotations

import csv
import io
import random
import re
from collections import Counter, defaultdict
from datetime import date, timedelta
from functools import cache

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from partnerships.choices import PARTNER_ROLES, Role
from partnerships.models import Agency, Membership
from partnerships.selectors import (
    agency_leads_else_business_team,
    agency_leads_in,
    business_team_of,
)
from partnerships.services import action_create
from safeguarding import permissions
from safeguarding.notifications import Message, Reminder, notify_all, notify_each
from safeguarding.records import lock
from safeguarding.working_days import FIRST_YEAR, LAST_YEAR, calendars_for

from .choices import (
    DEFAULT_STANDARDS,
    Grade,
    Rating,
    ReturnStatus,
    SelfAssessmentKind,
)
from .models import (
    Audit,
    AuditAnswer,
    AuditCase,
    AuditQuestion,
    AuditReturn,
    AuditSample,
    ChallengeEvent,
    SelfAssessment,
    SelfAssessmentRound,
    Standard,
    StandardRating,
)

MAX_REFERENCE = AuditCase._meta.get_field("reference").max_length
# A pseudonymised case reference: letters, digits and a few separators, never a space, so a
# child's name cannot be typed in by mistake.
REFERENCE = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9/_.-]{{0,{MAX_REFERENCE - 1}}}$")
REFERENCE_HELP = (
    "Use case references, not names: letters, digits, '-', '/', '_' or '.', no spaces, "
    f"at most {MAX_REFERENCE} characters."
)
MAX_CASES = 500
MAX_CANDIDATES = 100_000
MAX_TITLE = Audit._meta.get_field("title").max_length
MAX_QUESTION = AuditQuestion._meta.get_field("text").max_length
FOLLOW_UP = ": follow-up"
# A sample's seed: random draws pick one below 2**62; anything up to it can be given.
MAX_SEED = 2**62 - 1


# ---------------------------------------------------------------------------
# Case file audits


def _clean_references(references, *, field: str = "cases") -> list[str]:
    cleaned = [r.strip() for r in references if r and r.strip()]
    bad = [r for r in cleaned if not REFERENCE.match(r)]
    if bad:
        raise ValidationError({field: f"{REFERENCE_HELP} Not accepted: {', '.join(bad[:5])}."})
    duplicates = sorted(r for r, n in Counter(cleaned).items() if n > 1)
    if duplicates:
        raise ValidationError(
            {field: f"Each case reference can be added once: {', '.join(duplicates[:5])}."}
        )
    return cleaned


def _member_agencies(partnership, agencies) -> list[Agency]:
    agencies = list(agencies)
    members = set(
        Membership.objects.current()
        .filter(partnership=partnership, agency__in=agencies)
        .values_list("agency_id", flat=True)
    )
    outside = [a.name for a in agencies if a.pk not in members]
    if outside:
        raise ValidationError({"agencies": f"Not a member of {partnership}: {', '.join(outside)}."})
    return agencies


def _audit_viewer_groups(partnership):
    return [
        *permissions.partnership_groups(partnership, PARTNER_ROLES),
        permissions.partnership_group(partnership, Role.INDEPENDENT_SCRUTINEER),
    ]


@transaction.atomic
def audit_create(
    *,
    partnership,
    title: str,
    theme: str,
    agencies,
    return_due_on: date,
    by,
    scope: str = "",
    questions=(),
    references=(),
    moderation_on: date | None = None,
    follow_up_of: Audit | None = None,
) -> Audit:
    """Start a themed audit: the agencies taking part, the questions, the cases, the deadline.

    Each participating agency gets a draft return for every case. The business team may change
    the audit; the safeguarding partners and the scrutineer may read it; each agency sees it and
    its own returns.
    """
    errors = {}
    if not title.strip():
        errors["title"] = "Give the audit a title."
    elif len(title.strip()) > MAX_TITLE:
        errors["title"] = f"Keep the title to {MAX_TITLE} characters."
    if not theme.strip():
        errors["theme"] = "Say what the audit's theme is, for example neglect."
    agencies = list(agencies)
    if not agencies:
        errors["agencies"] = "Choose at least one agency to take part."
    if return_due_on < timezone.localdate():
        errors["return_due_on"] = "The returns deadline cannot be in the past."
    if moderation_on and moderation_on < return_due_on:
        errors["moderation_on"] = "Hold the moderation meeting after the returns are due."
    questions = [q.strip() for q in questions if q.strip()]
    too_long = [n for n, q in enumerate(questions, start=1) if len(q) > MAX_QUESTION]
    if too_long:
        errors["questions"] = (
            f"Each question can be at most {MAX_QUESTION} characters; shorten question "
            f"{', '.join(str(n) for n in too_long[:5])}."
        )
    if errors:
        raise ValidationError(errors)
    agencies = _member_agencies(partnership, agencies)
    references = _clean_references(references)
    audit = Audit.objects.create(
        partnership=partnership,
        title=title.strip(),
        theme=theme.strip().lower(),
        scope=scope,
        return_due_on=return_due_on,
        moderation_on=moderation_on,
        follow_up_of=follow_up_of,
        created_by=by,
    )
    audit.agencies.set(agencies)
    AuditQuestion.objects.bulk_create(
        AuditQuestion(audit=audit, position=i, text=text)
        for i, text in enumerate(questions, start=1)
    )
    permissions.grant(
        audit,
        [permissions.VIEW, permissions.CHANGE],
        groups=[permissions.partnership_group(partnership, Role.BUSINESS_TEAM)],
    )
    permissions.grant(
        audit,
        permissions.VIEW,
        groups=[
            *_audit_viewer_groups(partnership),
            *(permissions.agency_group(a) for a in agencies),
        ],
    )
    _cases_add(audit, references)
    return audit


def _cases_add(audit: Audit, references: list[str]) -> list[AuditCase]:
    """Add cases with a draft return from every participating agency, and grant the returns."""
    if not references:
        return []
    existing = set(
        AuditCase.objects.filter(audit=audit, reference__in=references).values_list(
            "reference", flat=True
        )
    )
    if existing:
        raise ValidationError(
            {"cases": f"Already in this audit: {', '.join(sorted(existing)[:5])}."}
        )
    if audit.cases.count() + len(references) > MAX_CASES:
        raise ValidationError({"cases": f"An audit can hold at most {MAX_CASES} cases."})
    cases = AuditCase.objects.bulk_create(
        AuditCase(audit=audit, reference=reference) for reference in references
    )
    agencies = list(audit.agencies.all())
    AuditReturn.objects.bulk_create(
        AuditReturn(audit=audit, case=case, agency=agency) for case in cases for agency in agencies
    )
    return cases


@transaction.atomic
def audit_cases_add(*, audit: Audit, references, by) -> list[AuditCase]:
    """Add cases to an audit by their pseudonymised references."""
    references = _clean_references(references)
    if not references:
        raise ValidationError({"cases": "Give at least one case reference."})
    return _cases_add(audit, references)


def references_from_csv(data: bytes) -> list[str]:
    """The case references in an uploaded CSV: the `reference` column, or else the first one."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError({"file": "Save the list as a CSV file in UTF-8."}) from error
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if not rows:
        raise ValidationError({"file": "The file has no case references in it."})
    header = [cell.strip().lower() for cell in rows[0]]
    column = header.index("reference") if "reference" in header else 0
    if "reference" in header:
        rows = rows[1:]
    references = [row[column].strip() for row in rows if len(row) > column and row[column].strip()]
    if len(references) > MAX_CANDIDATES:
        raise ValidationError({"file": f"Upload at most {MAX_CANDIDATES:,} references."})
    return _clean_references(references, field="file")


def new_seed() -> int:
    """A seed for a random draw, from the system's source of randomness."""
    return random.SystemRandom().randrange(1, MAX_SEED + 1)


def draw_sample(candidates, size: int, seed: int) -> list[str]:
    """`size` references drawn at random from the candidates; the same seed draws the same."""
    return random.Random(seed).sample(sorted(set(candidates)), size)


def _same_draw(audit: Audit, candidates: list[str], seed: int, already: set[str]):
    """An earlier draw of this audit with the same seed from the same list, if any.

    A draw keeps its list less the cases already in the audit, so the list is the same when it
    holds the kept one and nothing else but cases that were in the audit.
    """
    uploaded = set(candidates)
    for sample in audit.samples.filter(seed=seed):
        kept = set(sample.candidates)
        if kept <= uploaded and uploaded - kept <= already:
            return sample
    return None


@transaction.atomic
def audit_sample_draw(
    *, audit: Audit, candidates, size: int, by, seed: int | None = None
) -> AuditSample:
    """Draw a random sample of cases from an uploaded list and add them to the audit.

    The seed and the sorted list are kept, so anyone can repeat the draw and get the same cases.
    """
    candidates = sorted(set(candidates))
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise ValidationError({"seed": f"Give a seed from 0 to {MAX_SEED}."})
    if size < 1:
        raise ValidationError({"size": "Draw at least one case."})
    if size > len(candidates):
        raise ValidationError(
            {"size": f"The list has {len(candidates)} cases; you cannot draw {size}."}
        )
    # One draw at a time per audit, so two identical requests cannot both draw.
    lock(audit)
    already = set(audit.cases.values_list("reference", flat=True))
    if seed is not None:
        repeated = _same_draw(audit, candidates, seed, already)
        if repeated:
            raise ValidationError(
                {
                    "seed": (
                        f"This list was already drawn with seed {seed} on "
                        f"{timezone.localtime(repeated.created_at):%-d %B %Y}: its "
                        f"{len(repeated.drawn)} cases are in the audit. Give another seed, or "
                        "leave it blank, to draw more cases."
                    )
                }
            )
    candidates = [c for c in candidates if c not in already]
    if size > len(candidates):
        raise ValidationError(
            {"size": "Not enough cases left in the list that are not already in the audit."}
        )
    seed = seed if seed is not None else new_seed()
    drawn = draw_sample(candidates, size, seed)
    _cases_add(audit, drawn)
    return AuditSample.objects.create(
        audit=audit, seed=seed, size=size, candidates=candidates, drawn=drawn, created_by=by
    )


RETURN_FIELDS = (
    "grade",
    "worked_well",
    "worries",
    "child_voice_heard",
    "family_feedback",
    "immediate_concern",
    "immediate_concern_details",
)


@transaction.atomic
def audit_return_save(
    *, audit_return: AuditReturn, by, submit: bool = False, answers=None, **fields
) -> AuditReturn:
    """Save an agency's return on a case as a draft, or submit it.

    A submitted return cannot be changed or submitted again (the business team can reopen it).
    An immediate concern is told to the business team and the agency's safeguarding leads at
    once, whether the return is a draft or submitted.
    """
    lock(audit_return)
    if audit_return.is_submitted:
        raise ValidationError(
            {
                "status": (
                    "This return has already been submitted. Ask the business team to reopen it."
                )
            }
        )
    unknown = set(fields) - set(RETURN_FIELDS)
    if unknown:
        raise TypeError(f"Unknown return fields: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(audit_return, name, "" if value is None and name != "child_voice_heard" else value)
    errors = {}
    if audit_return.grade and audit_return.grade not in Grade.values:
        errors["grade"] = f"Choose a grade: {', '.join(Grade.values)}."
    if audit_return.immediate_concern and not audit_return.immediate_concern_details.strip():
        errors["immediate_concern_details"] = "Say what the immediate concern is."
    if submit:
        if not audit_return.grade:
            errors["grade"] = "Choose a grade for your agency's practice on this case."
        if not audit_return.worked_well.strip():
            errors["worked_well"] = "Say what worked well."
        if not audit_return.worries.strip():
            errors["worries"] = "Say what worries you, or that nothing does."
        if audit_return.child_voice_heard is None:
            errors["child_voice_heard"] = "Say whether the child's voice was heard and recorded."
    questions = {q.pk: q for q in audit_return.audit.questions.all()}
    answers = {int(k): (v or "").strip() for k, v in (answers or {}).items()}
    if set(answers) - set(questions):
        errors["answers"] = "Answer only this audit's questions."
    elif submit:
        existing = dict(audit_return.answers.values_list("question_id", "answer"))
        missing = [
            q.text for pk, q in questions.items() if not answers.get(pk, existing.get(pk, ""))
        ]
        if missing:
            errors["answers"] = f"Answer every question. Not answered: {'; '.join(missing)}."
    if errors:
        raise ValidationError(errors)
    for question_id, answer in answers.items():
        AuditAnswer.objects.update_or_create(
            audit_return=audit_return, question_id=question_id, defaults={"answer": answer}
        )
    if submit:
        audit_return.status = ReturnStatus.SUBMITTED
        audit_return.submitted_at = timezone.now()
        audit_return.submitted_by = by
        audit_return._change_reason = f"Submitted by {by}"
    else:
        audit_return._change_reason = f"Draft saved by {by}"
    audit_return.save()
    if audit_return.immediate_concern:
        immediate_concern_notify(audit_return=audit_return)
    return audit_return


def immediate_concern_notify(*, audit_return: AuditReturn) -> int:
    """Tell the business team and the agency's safeguarding leads of an immediate concern, once."""
    audit = audit_return.audit
    recipients = {
        *business_team_of(audit.partnership),
        *agency_leads_in(audit.partnership, audit_return.agency),
    }
    return notify_all(
        recipients,
        kind="audit_immediate_concern",
        subject=audit_return,
        partnership_id=audit.partnership_id,
        stage="immediate_concern",
        message=Message(
            title=f"Immediate concern raised in the {audit.title} audit",
            body=(
                f"{audit_return.agency} raised an immediate concern about case "
                f"{audit_return.case.reference}: {audit_return.immediate_concern_details}"
            ),
            url=audit_return.get_absolute_url(),
        ),
    )


@transaction.atomic
def audit_return_reopen(*, audit_return: AuditReturn, by, reason: str) -> AuditReturn:
    """Reopen a submitted return so the agency can correct it; the reason goes in the history."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why the return is being reopened."})
    lock(audit_return)
    if not audit_return.is_submitted:
        raise ValidationError({"status": "Only a submitted return can be reopened."})
    submitted_by = audit_return.submitted_by
    audit_return.status = ReturnStatus.DRAFT
    audit_return.reopened_reason = reason.strip()
    audit_return._change_reason = f"Reopened by {by}: {reason.strip()}"
    audit_return.save()
    audit = audit_return.audit
    recipients = {
        *([submitted_by] if submitted_by else []),
        *agency_leads_in(audit.partnership, audit_return.agency),
    }
    # Each reopening is its own message: the stage names the history entry it made.
    notify_all(
        recipients,
        kind="audit_return_reopened",
        subject=audit_return,
        partnership_id=audit.partnership_id,
        stage=f"reopened-{audit_return.history.latest().history_id}",
        message=Message(
            title=f"Your return on case {audit_return.case.reference} has been reopened",
            body=f"The business team reopened it: {reason.strip()}",
            url=audit_return.get_absolute_url(),
        ),
    )
    return audit_return


@transaction.atomic
def audit_case_moderate(*, case: AuditCase, by, agreed_grade: str, findings: str) -> AuditCase:
    """Record what the moderation meeting agreed about a case: a grade and the findings."""
    errors = {}
    if agreed_grade not in Grade.values:
        errors["agreed_grade"] = f"Choose the agreed grade: {', '.join(Grade.values)}."
    if not findings.strip():
        errors["findings"] = "Record what the moderation meeting found."
    if errors:
        raise ValidationError(errors)
    case.agreed_grade = agreed_grade
    case.findings = findings.strip()
    case.moderated_at = timezone.now()
    case.moderated_by = by
    case._change_reason = f"Moderated by {by}"
    case.save()
    return case


def audit_case_action_add(
    *, case: AuditCase, by, owner_agency, title: str, due_on: date, recommendation: str = ""
):
    """An action agreed at moderation, owned by an agency, tracked with every other action."""
    if due_on < timezone.localdate():
        raise ValidationError({"due_on": "The due date cannot be in the past."})
    return action_create(
        partnership=case.audit.partnership,
        owner_agency=owner_agency,
        title=title,
        due_on=due_on,
        by=by,
        source=case,
        recommendation=recommendation,
    )


def follow_up_title(title: str) -> str:
    """`<title>: follow-up`, the title cut short with an ellipsis if it would not fit."""
    room = MAX_TITLE - len(FOLLOW_UP)
    if len(title) > room:
        title = title[: room - 1].rstrip() + "…"
    return f"{title}{FOLLOW_UP}"


def audit_follow_up_schedule(
    *, audit: Audit, by, return_due_on: date, title: str = "", moderation_on: date | None = None
) -> Audit:
    """A new audit on the same theme, agencies and questions, to test whether practice improved.

    Untitled, it is called after the audit it follows up, shortened to fit the title's length.
    """
    return audit_create(
        partnership=audit.partnership,
        title=title.strip() or follow_up_title(audit.title),
        theme=audit.theme,
        scope=audit.scope,
        agencies=audit.agencies.all(),
        questions=audit.questions.values_list("text", flat=True),
        return_due_on=return_due_on,
        moderation_on=moderation_on,
        follow_up_of=audit,
        by=by,
    )


# ---------------------------------------------------------------------------
# Reminders

RETURN_REMINDER_STAGES = (
    # (stage, applies when working days left <=, wording)
    ("overdue", -1, "are overdue"),
    ("due", 0, "are due today"),
    ("due_in_1", 1, "are due tomorrow"),
    ("due_in_3", 3, "are due within 3 working days"),
)
# 3 working days is at most 9 calendar days (a weekend, bank holidays and closures); overdue
# reminders are sent on the first sweep after the deadline, so look back two weeks at most.
LOOK_AHEAD, LOOK_BACK = timedelta(days=9), timedelta(days=14)


def return_reminder_stage(*, working_days_left: int) -> tuple[str, str] | None:
    for stage, threshold, wording in RETURN_REMINDER_STAGES:
        if working_days_left <= threshold:
            return stage, wording
    return None


def audit_return_reminders_send(*, today: date | None = None) -> int:
    """Remind each agency's safeguarding leads (else the business team) of returns still due.

    One reminder per audit, agency and stage: 3 and 1 working days before, on the day, and
    overdue. Only audits due within the window are read, each stage is recorded once, the
    reminders are recorded together and each agency's recipients are read once.
    """
    today = today or timezone.localdate()
    due = (
        AuditReturn.objects.filter(
            status=ReturnStatus.DRAFT,
            audit__return_due_on__range=(today - LOOK_BACK, today + LOOK_AHEAD),
        )
        .values("audit_id", "agency_id")
        .annotate(outstanding=Count("pk"))
        .order_by("audit_id", "agency_id")
    )
    by_audit = defaultdict(list)
    for row in due:
        by_audit[row["audit_id"]].append(row)
    audits = Audit.objects.select_related("partnership").in_bulk(list(by_audit))
    agencies = Agency.objects.in_bulk(
        {row["agency_id"] for rows in by_audit.values() for row in rows}
    )
    calendars = calendars_for(audit.partnership_id for audit in audits.values())
    recipients_of = cache(agency_leads_else_business_team)

    def reminders():
        for audit_id, rows in by_audit.items():
            audit = audits[audit_id]
            reached = return_reminder_stage(
                working_days_left=calendars[audit.partnership_id].between(
                    today, audit.return_due_on
                )
            )
            if reached is None:
                continue
            stage, wording = reached
            for row in rows:
                agency = agencies[row["agency_id"]]
                yield Reminder(
                    recipients_of(audit.partnership, agency),
                    subject=audit,
                    stage=f"agency-{agency.pk}:{stage}",
                    message=Message(
                        title=f"{audit.title}: {agency}'s audit returns {wording}",
                        body=(
                            f"{row['outstanding']} return(s) from {agency} are not yet "
                            f"submitted. They are due by {audit.return_due_on:%-d %B %Y}."
                        ),
                        url=audit.get_absolute_url(),
                    ),
                    partnership_id=audit.partnership_id,
                )

    return notify_each(reminders(), kind="audit_return_due")


# ---------------------------------------------------------------------------
# Section 11 and Section 175 self-assessments


def _self_assessment_readers(partnership):
    return [
        permissions.partnership_group(partnership, Role.BUSINESS_TEAM),
        *permissions.partnership_groups(partnership, PARTNER_ROLES),
    ]


SELF_ASSESSMENT_EDITORS = (
    Role.AGENCY_SAFEGUARDING_LEAD,
    Role.LEAD_SAFEGUARDING_PARTNER,
    Role.DELEGATED_SAFEGUARDING_PARTNER,
)


@transaction.atomic
def self_assessment_round_create(
    *, partnership, kind: str, year: int, deadline: date, agencies, by, standards=None
) -> SelfAssessmentRound:
    """Open a yearly round: the standards (the defaults unless given) and the invited agencies.

    Each invited agency gets its one return for the kind and year (shared with its other
    partnerships), started from last year's answers.
    """
    errors = {}
    if kind not in SelfAssessmentKind.values:
        errors["kind"] = f"Choose one of: {', '.join(SelfAssessmentKind.values)}."
    if not FIRST_YEAR <= year <= LAST_YEAR:
        errors["year"] = "Give the year, for example 2026."
    agencies = list(agencies)
    if not agencies:
        errors["agencies"] = "Invite at least one agency."
    if (
        not errors
        and SelfAssessmentRound.objects.filter(
            partnership=partnership, kind=kind, year=year
        ).exists()
    ):
        errors["year"] = f"There is already a {kind} round for {year}."
    if errors:
        raise ValidationError(errors)
    agencies = _member_agencies(partnership, agencies)
    round_ = SelfAssessmentRound.objects.create(
        partnership=partnership, kind=kind, year=year, deadline=deadline, created_by=by
    )
    round_.agencies.set(agencies)
    standards = standards or DEFAULT_STANDARDS[kind]
    Standard.objects.bulk_create(
        Standard(round=round_, position=i, code=code, title=title)
        for i, (code, title) in enumerate(standards, start=1)
    )
    for agency in agencies:
        self_assessment_start(agency=agency, round_=round_)
    return round_


@transaction.atomic
def self_assessment_start(*, agency, round_: SelfAssessmentRound) -> SelfAssessment:
    """The agency's return for the round's kind and year: found if another partnership already
    asked for it, otherwise started from last year's answers. The round's partnership can read it.
    """
    assessment, created = SelfAssessment.objects.get_or_create(
        agency=agency, kind=round_.kind, year=round_.year
    )
    if created:
        last = SelfAssessment.objects.filter(
            agency=agency, kind=round_.kind, year=round_.year - 1
        ).first()
        if last:
            assessment.carried_forward_from = last
            assessment.save(update_fields=["carried_forward_from"])
            StandardRating.objects.bulk_create(
                StandardRating(
                    assessment=assessment,
                    code=r.code,
                    title=r.title,
                    rating=r.rating,
                    evidence=r.evidence,
                    action_plan=r.action_plan,
                    carried_forward=True,
                )
                for r in last.ratings.all()
            )
        permissions.grant(assessment, permissions.VIEW, groups=[permissions.agency_group(agency)])
        permissions.grant(
            assessment,
            [permissions.VIEW, permissions.CHANGE],
            groups=[permissions.agency_group(agency, role) for role in SELF_ASSESSMENT_EDITORS],
        )
    existing = set(assessment.ratings.values_list("code", flat=True))
    StandardRating.objects.bulk_create(
        StandardRating(assessment=assessment, code=s.code, title=s.title)
        for s in round_.standards.all()
        if s.code not in existing
    )
    permissions.grant(
        assessment, permissions.VIEW, groups=_self_assessment_readers(round_.partnership)
    )
    return assessment


@transaction.atomic
def self_assessment_invite(*, round_: SelfAssessmentRound, agency) -> SelfAssessment:
    """Invite one more agency to a round; returns its (possibly shared) self-assessment."""
    _member_agencies(round_.partnership, [agency])
    round_.agencies.add(agency)
    return self_assessment_start(agency=agency, round_=round_)


@transaction.atomic
def self_assessment_save(*, assessment: SelfAssessment, by, ratings: dict, submit: bool = False):
    """Save ratings (by standard code: rating, evidence, action_plan); submit when complete.

    A gap (partly met or not met) needs an action plan; a submitted return is final.
    """
    lock(assessment)
    if assessment.status == ReturnStatus.SUBMITTED:
        raise ValidationError({"status": "This self-assessment has already been submitted."})
    current = {r.code: r for r in assessment.ratings.all()}
    errors = {}
    unknown = set(ratings) - set(current)
    if unknown:
        errors["ratings"] = f"Not a standard of this self-assessment: {', '.join(sorted(unknown))}."
    changed = []
    for code, values in ratings.items():
        rating = current.get(code)
        if rating is None:
            continue
        value = values.get("rating", rating.rating) or ""
        if value and value not in Rating.values:
            errors[f"{code}-rating"] = f"Choose one of: {', '.join(Rating.values)}."
            continue
        rating.rating = value
        rating.evidence = (values.get("evidence", rating.evidence) or "").strip()
        rating.action_plan = (values.get("action_plan", rating.action_plan) or "").strip()
        rating.carried_forward = False
        changed.append(rating)
    if submit:
        for rating in current.values():
            if not rating.rating:
                errors[f"{rating.code}-rating"] = f"Rate '{rating.title}'."
            elif not rating.evidence:
                errors[f"{rating.code}-evidence"] = f"Give evidence for '{rating.title}'."
            elif rating.rating != Rating.MET and not rating.action_plan:
                errors[f"{rating.code}-action_plan"] = (
                    f"'{rating.title}' is not fully met: give an action plan."
                )
    if errors:
        raise ValidationError(errors)
    for rating in changed:
        rating._change_reason = f"Saved by {by}"
        rating.save()
    if submit:
        assessment.status = ReturnStatus.SUBMITTED
        assessment.submitted_at = timezone.now()
        assessment.submitted_by = by
        assessment._change_reason = f"Submitted by {by}"
    assessment.save()
    return assessment


def challenge_event_create(
    *,
    round_: SelfAssessmentRound,
    agency,
    held_on: date,
    discussion: str,
    by,
    challenges: str = "",
    responses: str = "",
) -> ChallengeEvent:
    """Record a challenge event: what was discussed, the challenges raised and the answers."""
    errors = {}
    if not round_.agencies.filter(pk=agency.pk).exists():
        errors["agency"] = "Choose an agency invited to this round."
    if not discussion.strip():
        errors["discussion"] = "Record what was discussed."
    if held_on > timezone.localdate():
        errors["held_on"] = "Record a challenge event once it has been held."
    if errors:
        raise ValidationError(errors)
    return ChallengeEvent.objects.create(
        round=round_,
        agency=agency,
        held_on=held_on,
        discussion=discussion.strip(),
        challenges=challenges.strip(),
        responses=responses.strip(),
        created_by=by,
    )
