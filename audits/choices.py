from django.db import models


class Grade(models.TextChoices):
    """The four-point scale agencies grade their own practice on (as Ofsted does)."""

    OUTSTANDING = "outstanding", "Outstanding"
    GOOD = "good", "Good"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"


GOOD_OR_BETTER = (Grade.OUTSTANDING, Grade.GOOD)


class ReturnStatus(models.TextChoices):
    """Where an agency's return (an audit return or a self-assessment) has got to."""

    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class SelfAssessmentKind(models.TextChoices):
    S11 = "s11", "Section 11 (Children Act 2004)"
    S175 = "s175", "Section 175 / 157 (Education Act 2002)"


class Rating(models.TextChoices):
    MET = "met", "Met"
    PARTLY_MET = "partly_met", "Partly met"
    NOT_MET = "not_met", "Not met"


# The default Section 11 standards (Children Act 2004, Working Together): (code, title).
S11_STANDARDS = (
    ("s11-1", "Clear line of accountability for safeguarding"),
    ("s11-2", "A senior board-level lead for safeguarding"),
    ("s11-3", "A culture of listening to children and taking account of their wishes"),
    ("s11-4", "Whistleblowing procedures that staff know about"),
    ("s11-5", "An escalation policy for professional disagreements"),
    ("s11-6", "Clear processes for sharing information"),
    ("s11-7", "Designated practitioners for child safeguarding"),
    ("s11-8", "Safe recruitment"),
    ("s11-9", "Supervision and safeguarding training for staff"),
    ("s11-10", "Managing allegations against people who work with children"),
)

# The schools' set for Section 175 (maintained schools) and 157 (academies and independent
# schools), following Keeping Children Safe in Education.
S175_STANDARDS = (
    ("s175-1", "The governing body has a safeguarding lead and oversees safeguarding"),
    ("s175-2", "A designated safeguarding lead and deputy, trained every two years"),
    ("s175-3", "A child protection policy, reviewed yearly and published"),
    ("s175-4", "All staff have read Keeping Children Safe in Education part one"),
    ("s175-5", "Safeguarding training for all staff at induction and updated regularly"),
    ("s175-6", "Safer recruitment, with a single central record"),
    ("s175-7", "Allegations against staff are managed and referred to the LADO"),
    ("s175-8", "Children are taught about keeping safe, including online"),
    ("s175-9", "Online filtering and monitoring are in place and reviewed"),
    ("s175-10", "Records of concerns are kept securely and passed on when a child moves"),
)

DEFAULT_STANDARDS = {SelfAssessmentKind.S11: S11_STANDARDS, SelfAssessmentKind.S175: S175_STANDARDS}
