from django import template
from django.template.defaultfilters import pluralize

from safeguarding import govuk

from ..choices import RapidReviewStatus, ReturnStatus

register = template.Library()

STATUS_COLOURS = {RapidReviewStatus.SUBMITTED: "green", RapidReviewStatus.SIGNED_OFF: "turquoise"}
RETURN_TAGS = {
    "overdue": ("red", "Overdue"),
    ReturnStatus.SUBMITTED: ("green", ReturnStatus.SUBMITTED.label),
    ReturnStatus.IN_PROGRESS: ("light-blue", ReturnStatus.IN_PROGRESS.label),
}


@register.filter
def rag_tag(review):
    """How close a rapid review is to its deadline; nothing once it has been submitted."""
    return govuk.rag_tag(review.rag) if review.rag else ""


@register.filter
def review_status_tag(review):
    return govuk.tag(STATUS_COLOURS.get(review.status, "blue"), review.get_status_display())


@register.filter
def return_status_tag(agency_return):
    """An agency's return as the task list shows it: overdue outranks its saved status."""
    colour, text = RETURN_TAGS.get(
        agency_return.display_status, ("grey", ReturnStatus.NOT_STARTED.label)
    )
    return govuk.tag(colour, text)


@register.filter
def timing(review):
    """A rapid review's working days against its deadline, once `with_timing` has counted them."""
    if review.submitted_on:
        if review.by_extension:
            return "On time by an agreed extension"
        if review.on_time:
            return "On time"
        return f"Late by {working_days(review.late_by)}"
    if review.overdue_by:
        return f"Overdue by {working_days(review.overdue_by)}"
    return f"{working_days(review.working_days_remaining)} left"


def working_days(count: int) -> str:
    return f"{count} working day{pluralize(count)}"
