from django import template

from safeguarding.govuk import tag

from ..choices import Rag, RapidReviewStatus, ReturnStatus

register = template.Library()

RAG_COLOURS = {Rag.RED: "red", Rag.AMBER: "orange", Rag.GREEN: "green"}
STATUS_COLOURS = {RapidReviewStatus.SUBMITTED: "green", RapidReviewStatus.SIGNED_OFF: "turquoise"}
RETURN_TAGS = {
    "overdue": ("red", "Overdue"),
    ReturnStatus.SUBMITTED: ("green", ReturnStatus.SUBMITTED.label),
    ReturnStatus.IN_PROGRESS: ("light-blue", ReturnStatus.IN_PROGRESS.label),
}


@register.filter
def rag_tag(review):
    """How close a rapid review is to its deadline; nothing once it has been submitted."""
    if review.rag not in RAG_COLOURS:
        return ""
    return tag(RAG_COLOURS[review.rag], Rag(review.rag).label)


@register.filter
def review_status_tag(review):
    return tag(STATUS_COLOURS.get(review.status, "blue"), review.get_status_display())


@register.filter
def return_status_tag(agency_return):
    """An agency's return as the task list shows it: overdue outranks its saved status."""
    colour, text = RETURN_TAGS.get(
        agency_return.display_status, ("grey", ReturnStatus.NOT_STARTED.label)
    )
    return tag(colour, text)
