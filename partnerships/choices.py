from django.db import models


class Sector(models.TextChoices):
    LOCAL_AUTHORITY = "local_authority", "Local authority children's services"
    ICB = "icb", "Integrated care board (ICB)"
    NHS_TRUST = "nhs_trust", "NHS trust"
    GP_PRACTICE = "gp_practice", "GP practice"
    POLICE = "police", "Police"
    SCHOOL = "school", "School"
    COLLEGE = "college", "College"
    EARLY_YEARS = "early_years", "Early years setting"
    PROBATION = "probation", "Probation"
    YOUTH_JUSTICE = "youth_justice", "Youth justice"
    HOUSING = "housing", "Housing"
    VOLUNTARY = "voluntary", "Voluntary, community or faith sector"
    OTHER = "other", "Other"


EDUCATION_SECTORS = (Sector.SCHOOL, Sector.COLLEGE, Sector.EARLY_YEARS)


class MembershipRole(models.TextChoices):
    LOCAL_AUTHORITY_PARTNER = "local_authority_partner", "Safeguarding partner: local authority"
    HEALTH_PARTNER = "health_partner", "Safeguarding partner: health"
    POLICE_PARTNER = "police_partner", "Safeguarding partner: police"
    RELEVANT_AGENCY = "relevant_agency", "Relevant agency"


SAFEGUARDING_PARTNER_ROLES = (
    MembershipRole.LOCAL_AUTHORITY_PARTNER,
    MembershipRole.HEALTH_PARTNER,
    MembershipRole.POLICE_PARTNER,
)

# Which sector may hold each safeguarding partner seat.
PARTNER_SECTORS = {
    MembershipRole.LOCAL_AUTHORITY_PARTNER: Sector.LOCAL_AUTHORITY,
    MembershipRole.HEALTH_PARTNER: Sector.ICB,
    MembershipRole.POLICE_PARTNER: Sector.POLICE,
}


class Role(models.TextChoices):
    BUSINESS_TEAM = "business_team", "Business team"
    AGENCY_SAFEGUARDING_LEAD = "agency_safeguarding_lead", "Agency safeguarding lead"
    LEAD_SAFEGUARDING_PARTNER = "lead_safeguarding_partner", "Lead safeguarding partner"
    DELEGATED_SAFEGUARDING_PARTNER = (
        "delegated_safeguarding_partner",
        "Delegated safeguarding partner",
    )
    FRONT_DOOR_WORKER = "front_door_worker", "Front door worker"
    PRACTITIONER = "practitioner", "Practitioner"
    INDEPENDENT_SCRUTINEER = "independent_scrutineer", "Independent scrutineer"
    SYSTEM_ADMIN = "system_admin", "System admin"


# Roles that speak for one of the three safeguarding partners of a partnership.
PARTNER_ROLES = (Role.LEAD_SAFEGUARDING_PARTNER, Role.DELEGATED_SAFEGUARDING_PARTNER)


class RapidReviewClockStart(models.TextChoices):
    BECAME_AWARE = "became_aware", "When the safeguarding partners became aware"
    NOTIFIED = "notified", "When the notification was sent to the national Panel"


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


OPEN_ACTION_STATUSES = (ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS)


class IndicatorKey(models.TextChoices):
    """The headline interagency indicators, each a percentage a partnership can set targets for."""

    FRONT_DOOR_TIMELINESS = "front_door_timeliness", "Front door decisions within 1 working day"
    REPEAT_REFERRALS = "repeat_referrals", "Repeat referrals within 12 months"
    ASSESSMENT_TIMELINESS = (
        "assessment_timeliness",
        "Child and family assessments completed within 45 working days",
    )
    CONFERENCE_TIMELINESS = (
        "conference_timeliness",
        "Initial child protection conferences within 15 working days",
    )
    NOTIFICATION_TIMELINESS = (
        "notification_timeliness",
        "Serious incidents notified within 5 working days",
    )
    RAPID_REVIEW_TIMELINESS = (
        "rapid_review_timeliness",
        "Rapid reviews submitted within 15 working days",
    )
    PRACTICE_REVIEW_TIMELINESS = (
        "practice_review_timeliness",
        "Practice reviews published within 6 months",
    )
    AUDIT_GOOD_OR_BETTER = "audit_good_or_better", "Audit grades good or outstanding"
    SECTION_11_MET = "section_11_met", "Section 11 standards met"
    ACTIONS_ON_TIME = "actions_on_time", "Actions completed on time"


# For these a lower figure is better, so red/amber/green thresholds read downwards.
LOWER_IS_BETTER = (IndicatorKey.REPEAT_REFERRALS,)


class ScrutinyKind(models.TextChoices):
    FINDING = "finding", "Finding"
    CHALLENGE = "challenge", "Challenge"


class YearlyReportStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED_OFF = "signed_off", "Signed off by the three partners"
    PUBLISHED = "published", "Published"


class ReportSection(models.TextChoices):
    """The sections of the yearly report, in order; each has figures and a narrative."""

    ARRANGEMENTS = "arrangements", "Our arrangements and partners"
    FUNDING = "funding", "Funding from each partner"
    INDICATORS = "indicators", "How well agencies work together"
    REVIEWS = "reviews", "Rapid reviews and practice reviews: learning and action"
    AUDITS = "audits", "Multi-agency audits and their findings"
    SECTION_11 = "section_11", "Section 11 self-assessments"
    SCRUTINY = "scrutiny", "Independent scrutiny: findings and responses"
    ESCALATIONS = "escalations", "Resolving professional disagreements"
    TRAINING = "training", "Training delivered"
    VOICE = "voice", "How children's and families' views shaped our work"
    PRIORITIES = "priorities", "Our priorities and progress"
    LITTLE_PROGRESS = "little_progress", "Where we have made little progress"


class TrainingTheme(models.TextChoices):
    """What multi-agency training was about: the learning themes the yearly report counts."""

    NEGLECT = "neglect", "Neglect"
    PHYSICAL_ABUSE = "physical_abuse", "Physical abuse and injuries to babies"
    SEXUAL_ABUSE = "sexual_abuse", "Sexual abuse"
    EMOTIONAL_ABUSE = "emotional_abuse", "Emotional abuse"
    EXPLOITATION = "exploitation", "Child sexual or criminal exploitation"
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse"
    ONLINE_SAFETY = "online_safety", "Online safety"
    INFORMATION_SHARING = "information_sharing", "Information sharing"
    THRESHOLDS = "thresholds", "Thresholds and referrals"
    PROFESSIONAL_CURIOSITY = "professional_curiosity", "Professional curiosity and challenge"
    CHILDS_VOICE = "childs_voice", "Hearing the child's voice"
    OTHER = "other", "Other"
