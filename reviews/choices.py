from django.db import models


class IncidentType(models.TextChoices):
    DEATH = "death", "Death"
    SERIOUS_HARM = "serious_harm", "Serious harm"


class AbuseCategory(models.TextChoices):
    PHYSICAL = "physical", "Physical abuse"
    EMOTIONAL = "emotional", "Emotional abuse"
    SEXUAL = "sexual", "Sexual abuse"
    NEGLECT = "neglect", "Neglect"
    EXPLOITATION = "exploitation", "Exploitation"
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse"
    OTHER = "other", "Other"


class RapidReviewStatus(models.TextChoices):
    """The steps of a rapid review, in the only order they can happen."""

    GATHERING = "gathering", "Gathering information"
    MEETING_HELD = "meeting_held", "Meeting held"
    DECIDED = "decided", "Decision recorded"
    SIGNED_OFF = "signed_off", "Signed off by the partners"
    SUBMITTED = "submitted", "Submitted to the Panel"


OPEN_REVIEW_STATUSES = (
    RapidReviewStatus.GATHERING,
    RapidReviewStatus.MEETING_HELD,
    RapidReviewStatus.DECIDED,
    RapidReviewStatus.SIGNED_OFF,
)


class Decision(models.TextChoices):
    LCSPR = "lcspr", "Local child safeguarding practice review"
    NATIONAL_REVIEW = "national_review", "Recommend a national review"
    NO_FURTHER_REVIEW = "no_further_review", "No further review"


class PartnerKind(models.TextChoices):
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    HEALTH = "health", "Health"
    POLICE = "police", "Police"


class ReturnStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"


# Named rather than "not submitted" so the (partnership, status, agency) index can find them.
OUTSTANDING_RETURN_STATUSES = (ReturnStatus.NOT_STARTED, ReturnStatus.IN_PROGRESS)


class Rag(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"
