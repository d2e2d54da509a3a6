"""Who reaches a case record (an incident, its children, its rapid review, the agencies' returns
and any practice review), read from the record's own columns and the incident's agencies.

The partnership's business team runs every case record; its safeguarding partners read them; the
agencies involved in the incident read what concerns them, through those of their staff who hold
a current role in the record's partnership (an independent scrutineer's role does not count: a
scrutineer never sees a child's identity). Working for an involved agency is not enough on its
own: a police force or a health trust serves several partnerships, and its staff in one of them,
or with no current role at all, do not read another's cases. The one exception is the child's
home council, which may sit in another partnership: its staff read the case if they hold a
current role in any partnership. Held as object-permission rows (nine
or so per record), listing a partnership's reviews meant reading all of the holder's grants and
then sorting every visible review; here it is the record's partnership and its incident, both
indexed, so the records a person reaches are read straight from the records' own indexes.
"""

from django.db.models import Q

from partnerships.choices import PARTNER_ROLES, Role
from safeguarding import permissions

from .models import SeriousIncident

MANAGERS = (Role.BUSINESS_TEAM,)
READERS = (Role.BUSINESS_TEAM, *PARTNER_ROLES)
# The roles through which an involved agency's staff read its cases: any but the scrutineer's.
AGENCY_STAFF = tuple(role for role in Role.values if role != Role.INDEPENDENT_SCRUTINEER)


def _partnerships(user, roles):
    return permissions.among("partnership", permissions.partnership_ids_with_role(user, roles))


def _involving(user, incident_field: str):
    incidents = SeriousIncident.agencies_involved.through.objects.filter(
        agency=user.agency_id
    ).values("seriousincident_id")
    # A plain IN, tested against a hash of the incidents' keys. `among()`'s array was tested key
    # by key against each row: a police force is involved in thousands of incidents, and its
    # lead's practice reviews took 105 ms of SQL (15 this way), the business team's 41 (12).
    return Q(**{f"{incident_field}__in": incidents})


def _agency_reach(user, incident_field: str, reach: Q) -> Q:
    """`reach` (something the user's agency reaches) for staff who hold a current role in the
    record's partnership, or, where the user's agency is the child's home council, a current
    role in any partnership. Nothing for staff without a current role."""
    partnerships = permissions.partnership_ids_with_role(user, AGENCY_STAFF)
    if not partnerships:
        return Q(pk__in=[])
    home = SeriousIncident.objects.filter(home_local_authority=user.agency_id).values("pk")
    return reach & (Q(partnership__in=partnerships) | Q(**{f"{incident_field}__in": home}))


class CaseRecordReach(permissions.Policy):
    """The business team reads and changes the record; the partners and the agencies involved in
    its incident (through `incident_field`) read it, the agencies' staff only with a current role
    in the record's partnership (the child's home council's: in any partnership).
    `published_readers` also read it once
    `published_on` is set: a published practice review is public learning."""

    def __init__(self, incident_field: str, *, published_readers: tuple[str, ...] = ()):
        self.incident_field = incident_field
        self.published_readers = published_readers

    def restrict(self, queryset, user, action):
        if action == permissions.CHANGE:
            return queryset.filter(_partnerships(user, MANAGERS))
        if action != permissions.VIEW:
            return queryset.none()
        reach = _partnerships(user, READERS)
        if user.agency_id:
            reach |= _agency_reach(user, self.incident_field, _involving(user, self.incident_field))
        if self.published_readers:
            reach |= _partnerships(user, self.published_readers) & Q(published_on__isnull=False)
        return queryset.filter(reach)


class AgencyReturnReach(permissions.Policy):
    """An agency reads and writes its own return; the business team reads and changes every
    return of its partnership and the partners read them; once the review's returns are shared,
    every agency involved in the incident reads them all. As for the case record, an agency's
    staff need a current role in the return's partnership (the child's home council's: in any
    partnership)."""

    def restrict(self, queryset, user, action):
        if action not in (permissions.VIEW, permissions.CHANGE):
            return queryset.none()
        reach = _partnerships(user, MANAGERS if action == permissions.CHANGE else READERS)
        if user.agency_id:
            agency = Q(agency=user.agency_id)
            if action == permissions.VIEW:
                agency |= Q(rapid_review__returns_shared=True) & _involving(
                    user, "rapid_review__incident"
                )
            reach |= _agency_reach(user, "rapid_review__incident", agency)
        return queryset.filter(reach)
