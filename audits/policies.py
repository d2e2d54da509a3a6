"""Who reaches an audit return, read from the return's own columns.

The business team and the partners read every return of their partnership's audits: tens of
thousands over the years. Held as object-permission rows (four or more per return), listing them
meant reading all of the holder's grants first. Here it is the return's agency and its audit's
partnership, both indexed.
"""

from django.db.models import Q

from partnerships.choices import PARTNER_ROLES, Role
from safeguarding import permissions

from .models import Audit

READERS = (Role.BUSINESS_TEAM, *PARTNER_ROLES)


class AuditReturnReach(permissions.Policy):
    """An agency's staff (but not a scrutineer it employs) read and write its own returns; the
    business team and the safeguarding partners of the audit's partnership read them all."""

    def restrict(self, queryset, user, action):
        own = (
            Q(agency=user.agency_id)
            if user.agency_id and not permissions.scrutinises_only(user)
            else None
        )
        if action == permissions.CHANGE:
            return queryset.filter(own) if own else queryset.none()
        if action != permissions.VIEW:
            return queryset.none()
        audits = Audit.objects.filter(
            partnership__in=permissions.partnership_ids_with_role(user, READERS)
        ).values("pk")
        reach = permissions.among("audit", audits)
        return queryset.filter(reach | own if own else reach)
