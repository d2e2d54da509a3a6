from django.db import models

from partnerships.choices import Role


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Waiting for a decision"
    DECIDED = "decided", "Decided"


class ReachKind(models.TextChoices):
    """The ways a person comes to see a referral: each is one list of referrals (its own tab)."""

    MADE_BY_YOU = "made-by-you", "Made by you"
    SHARED_WITH_YOUR_AGENCY = "shared-with-your-agency", "Shared with your agency"
    SENT_TO_YOUR_FRONT_DOOR = "sent-to-your-front-door", "Sent to your front door"
    MADE_BY_YOUR_AGENCY = "made-by-your-agency", "Made by your agency"


class Category(models.TextChoices):
    PHYSICAL = "physical", "Physical abuse"
    EMOTIONAL = "emotional", "Emotional abuse"
    SEXUAL = "sexual", "Sexual abuse"
    NEGLECT = "neglect", "Neglect"
    EXPLOITATION = "exploitation", "Child sexual or criminal exploitation"
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse"
    RADICALISATION = "radicalisation", "Radicalisation"
    OTHER = "other", "Other"


class Consent(models.TextChoices):
    GIVEN = "given", "Yes, the family agreed to this referral"
    NOT_SOUGHT = "not_sought", "No, consent was not sought"
    REFUSED = "refused", "No, the family refused"


# Without consent a referrer must give the lawful reason for sharing.
CONSENT_WITHOUT = (Consent.NOT_SOUGHT, Consent.REFUSED)


class Decision(models.TextChoices):
    NO_FURTHER_ACTION = "no_further_action", "No further action"
    EARLY_HELP = "early_help", "Early help"
    CHILD_IN_NEED_ASSESSMENT = "child_in_need_assessment", "Child in need assessment"
    STRATEGY_DISCUSSION = (
        "strategy_discussion",
        "Strategy discussion / child protection enquiry",
    )
    ALREADY_OPEN = "already_open", "Already open to children's social care"
    SIGNPOSTED = "signposted", "Signposted elsewhere"


# The decisions that start the child and family assessment's clock: 45 working days after the
# referral was received (DOMAIN.md's timescales). A child in need assessment (Children Act 1989
# s17) is one; so is a strategy discussion, because in Working Together 2023 a child protection
# enquiry (s47) is carried out through a child and family assessment on the same timescale from
# the referral. A strategy discussion also starts the initial child protection conference's
# clock, from the day it was held (`referral_strategy_discussion_record`).
ASSESSMENT_DECISIONS = (Decision.CHILD_IN_NEED_ASSESSMENT, Decision.STRATEGY_DISCUSSION)
ASSESSMENT_WORKING_DAYS = 45
CONFERENCE_WORKING_DAYS = 15


class QualityRating(models.TextChoices):
    GOOD = "good", "Good: clear, complete and well evidenced"
    ADEQUATE = "adequate", "Adequate: enough to decide, with gaps"
    POOR = "poor", "Poor: key information missing"


class LawfulBasis(models.TextChoices):
    CONSENT = "consent", "Consent"
    SAFEGUARDING = "safeguarding", "Safeguarding of children (without consent)"
    LEGAL_OBLIGATION = "legal_obligation", "Legal obligation"
    PUBLIC_TASK = "public_task", "Public task"
    VITAL_INTERESTS = "vital_interests", "Vital interests"


class EscalationStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class EscalationResolution(models.TextChoices):
    AGREED = "agreed", "Agreed"
    DECISION_UPHELD = "decision_upheld", "Decision upheld"
    DECISION_CHANGED = "decision_changed", "Decision changed"


class EscalationTheme(models.TextChoices):
    THRESHOLD = "threshold", "Threshold for a service"
    ASSESSMENT = "assessment", "Assessment or plan"
    INFORMATION_SHARING = "information_sharing", "Information sharing"
    COMMUNICATION = "communication", "Communication or feedback"
    CASE_CLOSURE = "case_closure", "Case closure or step down"
    OTHER = "other", "Other"


class StageContacts(models.TextChoices):
    AGAINST_AGENCY = "against_agency", "Staff of the agency whose decision is disputed"
    PARTNERSHIP = "partnership", "People holding the role in the partnership"


# The default stages of resolving a professional disagreement (a partnership may change them):
# (number, name, response working days, who is contacted, their roles).
DEFAULT_ESCALATION_STAGES = (
    (
        1,
        "Practitioners",
        5,
        StageContacts.AGAINST_AGENCY,
        [Role.FRONT_DOOR_WORKER, Role.PRACTITIONER],
    ),
    (2, "Line managers", 5, StageContacts.AGAINST_AGENCY, [Role.AGENCY_SAFEGUARDING_LEAD]),
    (
        3,
        "Senior managers",
        5,
        StageContacts.AGAINST_AGENCY,
        [Role.DELEGATED_SAFEGUARDING_PARTNER, Role.LEAD_SAFEGUARDING_PARTNER],
    ),
    (
        4,
        "The partnership's delegated safeguarding partners",
        5,
        StageContacts.PARTNERSHIP,
        [Role.DELEGATED_SAFEGUARDING_PARTNER],
    ),
)
