from django import template

from safeguarding.govuk import rag_tag, tag

from ..choices import ActionStatus

register = template.Library()

STATUS_COLOURS = {
    ActionStatus.COMPLETED: "green",
    ActionStatus.IN_PROGRESS: "light-blue",
    ActionStatus.CANCELLED: "grey",
    ActionStatus.NOT_STARTED: "blue",
}


@register.filter
def action_status_tag(action):
    """An action's status, or that it is overdue, which outranks the status it was left in."""
    if action.is_overdue:
        return tag("red", "Overdue")
    return tag(STATUS_COLOURS[action.status], action.get_status_display())


@register.filter
def challenge_status_tag(challenge):
    """Whether the addressed agency has answered a scrutiny challenge, and if not, in time."""
    if challenge.is_answered:
        return tag("green", "Responded")
    if challenge.is_overdue:
        return tag("red", "Response overdue")
    return tag("blue", "Awaiting response")


@register.filter
def target_tag(rag):
    """An indicator's figure against the partnership's target; grey where none is set."""
    return rag_tag(rag) if rag else tag("grey", "No target")
