from django import template

from safeguarding.govuk import tag

from ..choices import ReferralStatus

register = template.Library()


@register.filter
def status_tag(referral):
    """Where a referral stands: a draft, waiting at the front door, or the decision made."""
    if referral.status == ReferralStatus.DRAFT:
        return tag("grey", ReferralStatus.DRAFT.label)
    if referral.status == ReferralStatus.SUBMITTED:
        return tag("blue", ReferralStatus.SUBMITTED.label)
    return tag("green", referral.get_decision_display())


@register.filter
def timescale_tag(timescale):
    """Where a referral stands on a clock that follows the decision (selectors.Timescale)."""
    return tag(*timescale.standing)
