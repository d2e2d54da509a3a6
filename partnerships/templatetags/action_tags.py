from django import template

from safeguarding.govuk import tag

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
