from django import template
from django.utils.html import format_html

from safeguarding.govuk import tag

from ..choices import ReturnStatus

register = template.Library()


@register.filter
def submission_tag(submittable):
    """Whether an agency's return or self-assessment has been submitted or is still a draft."""
    status = ReturnStatus(submittable.status)
    return tag("green" if status == ReturnStatus.SUBMITTED else "yellow", status.label)


@register.filter
def audit_return_tags(audit_return):
    """A case audit return's submission, and a red flag where it raised an immediate concern."""
    if audit_return.immediate_concern:
        return format_html("{} {}", submission_tag(audit_return), tag("red", "Immediate concern"))
    return submission_tag(audit_return)
