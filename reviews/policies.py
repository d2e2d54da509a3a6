"""Who reaches a case record (an incident, its children, its rapid review, the agencies' returns
and any practice review), read from the record's own columns and the incident's agencies.

The partnership's business team runs every case record; its safeguarding partners read them; the
agencies involved in the incident read what concerns them. Held as object-permission rows (nine
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


class CaseRecordReach(permissions.Policy):
    """The business team reads and changes the record; the partners and the agencies involved in
    its incident (through `incident_field`) read it. `published_readers` also read it once
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
            reach |= _involving(user, self.incident_field)
        if self.published_readers:
            reach |= _partnerships(user, self.published_readers) & Q(published_on__isnull=False)
        return queryset.filter(reach)


class AgencyReturnReach(permissions.Policy):
    """An agency reads and writes its own return; the business team reads and changes every
    return of its partnership and the partners read them; once the review's returns are shared,
    every agency involved in the incident reads them all."""

    def restrict(self, queryset, user, action):
        if action not in (permissions.VIEW, permissions.CHANGE):
            return queryset.none()
        reach = _partnerships(user, MANAGERS if action == permissions.CHANGE else READERS)
        if user.agency_id:
            reach |= Q(agency=user.agency_id)
            if action == permissions.VIEW:
                reach |= Q(rapid_review__returns_shared=True) & _involving(
                    user, "rapid_review__incident"
                )
        return queryset.filter(reach)
