"""Who reaches a referral, read from the referral's own columns.

A front door sees every referral sent to its council, and an agency's safeguarding lead every
referral its staff made: hundreds of thousands of rows each over the years. Held as one
object-permission row per referral and holder, listing them meant reading every row of the
holder's grants before ordering a page. Here each kind of reach is a column of the referral
(`referrer`, `front_door`, `referrer_agency`) or a standing sharing decision, so a page is read
straight from the referral indexes. Who holds a role is the same thing the managed groups
(`agency:<id>:<role>`) express: the agency a person works for and a role they hold.
"""

from functools import reduce
from operator import or_

from django.db.models import Q

from partnerships.choices import Role
from safeguarding import permissions

from .choices import ReachKind, ReferralStatus
from .models import InformationSharingDecision


class ReferralReach(permissions.Policy):
    """The referrer sees what they made and changes it while it is a draft; the front door of the
    child's council sees what was sent to it and changes it until it is decided; the referrer's
    agency safeguarding lead sees what the agency sent; the staff of an agency the front door
    shared a referral with (but not a scrutineer it employs) see it while a sharing decision
    stands.

    Each kind of reach is an indexed column, so PostgreSQL can read a person's referrals as one
    bitmap of index entries, and only the kinds the person's roles give are asked for. A list of
    one kind (`reaches()`) reads its page in order from that kind's index alone.
    """

    def restrict(self, queryset, user, action):
        if action not in (permissions.VIEW, permissions.CHANGE):
            return queryset.none()
        if action == permissions.CHANGE:
            reach = Q(referrer=user, status=ReferralStatus.DRAFT)
            front_door = Role.FRONT_DOOR_WORKER in permissions.user_roles(user)
            if user.agency_id is not None and front_door:
                reach |= Q(front_door=user.agency_id, status=ReferralStatus.SUBMITTED)
            return queryset.filter(reach)
        sent = self._reach_once_sent(user)
        mine = Q(referrer=user)
        if not sent:
            return queryset.filter(mine)
        return queryset.filter(mine | ~Q(status=ReferralStatus.DRAFT) & reduce(or_, sent.values()))

    def reaches(self, user):
        return [ReachKind.MADE_BY_YOU, *self._reach_once_sent(user)]

    def restrict_to_reach(self, queryset, user, reach):
        if reach == ReachKind.MADE_BY_YOU:
            return queryset.filter(referrer=user)
        return queryset.filter(~Q(status=ReferralStatus.DRAFT) & self._reach_once_sent(user)[reach])

    def _reach_once_sent(self, user) -> dict[str, Q]:
        """What the person's agency and roles let them see of referrals that have been sent."""
        agency = user.agency_id
        if agency is None:
            return {}
        roles = permissions.user_roles(user)
        reach = {}
        if not permissions.scrutinises_only(user):
            shared = InformationSharingDecision.objects.filter(
                agency=agency, withdrawn_at__isnull=True
            ).values("referral_id")
            reach[ReachKind.SHARED_WITH_YOUR_AGENCY] = permissions.among("pk", shared)
        if Role.FRONT_DOOR_WORKER in roles:
            reach[ReachKind.SENT_TO_YOUR_FRONT_DOOR] = Q(front_door=agency)
        if Role.AGENCY_SAFEGUARDING_LEAD in roles:
            reach[ReachKind.MADE_BY_YOUR_AGENCY] = Q(referrer_agency=agency)
        return reach
