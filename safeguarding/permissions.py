"""Who may see and do what: the one place that decides.

Every model has an access policy (object permissions through django-guardian unless registered
otherwise). Views, API viewsets, exports and dashboards ask `restrict()` for the rows a person
may see; an object outside that answers 404, and `require()` answers 403 for a visible object
the person may not act on.

Groups are derived from who people are and are kept in step by `sync_user_groups()`:
- `agency:<id>`                 everyone working for the agency
- `agency:<id>:<role>`          the agency's staff who hold a role (in any partnership)
- `partnership:<id>:<role>`     everyone holding a role in a partnership
Records on the default policy grant their object permissions to these groups when created;
records that whole councils, agencies or partnerships reach use a column policy instead.
Which partnerships an agency's staff see is read from its memberships' dates when asked
(`PartnershipsSeen`): joining and leaving on a set day need nothing to run on that day.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache, reduce
from operator import or_

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import connection, models, transaction
from django.db.models import Exists, F, Func, OuterRef, Q, Subquery
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404
from django.utils import timezone
from guardian.shortcuts import assign_perm, get_objects_for_user
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
MANAGED_GROUP_PREFIXES = ("agency:", "partnership:")


# ---------------------------------------------------------------------------
# Policies


class Policy:
    """Decides which rows of a model a (signed-in, active, non-superuser) user may act on."""

    def restrict(self, queryset, user, action):
        raise NotImplementedError

    def reaches(self, user) -> list[str]:
        """The named kinds of reach a person holds, for a list shown one kind at a time."""
        return []

    def restrict_to_reach(self, queryset, user, reach: str):
        return queryset.none()


class ObjectPermissions(Policy):
    """Rows the user has been granted `<action>_<model>` on, directly or through a group.

    With direct foreign-key permission tables (every model here has them) the granted ids are
    one `UNION ALL` of the user's rows and their groups' rows: a single `IN`, which PostgreSQL
    answers as a semi-join read through the tables' (holder, permission, object) indexes.
    guardian's own `id IN (user rows) OR id IN (group rows)` cannot be turned into a join, so
    with millions of permission rows it tested every candidate row against both lists.

    The union is written as SQL from the tables' own names rather than built with the ORM: the
    same statement, but Django took 1.4 ms a request to build and compile the ORM's version and
    takes 0.2 ms for this one (docs/performance.md, the tenth change), and nearly every page asks
    which partnerships a person can see.
    """

    def restrict(self, queryset, user, action):
        model = queryset.model
        user_rows, group_rows = get_user_obj_perms_model(model), get_group_obj_perms_model(model)
        if user_rows.objects.is_generic() or group_rows.objects.is_generic():
            return get_objects_for_user(
                user,
                permission_codename(model, action),
                klass=queryset,
                accept_global_perms=False,
                with_superuser=False,
            )
        return queryset.filter(pk__in=self.granted_ids(user_rows, group_rows, user, action))

    def granted_ids(self, user_rows, group_rows, user, action) -> RawSQL:
        return _granted_ids(user_rows, group_rows, user, action)


def _granted_ids(user_rows, group_rows, user, action) -> RawSQL:
    """The ids of the objects granted to the user or one of their groups, as one subquery."""
    model = user_rows._meta.get_field("content_object").related_model
    content_type = ContentType.objects.get_for_model(model).pk
    codename = f"{action}_{model._meta.model_name}"
    return RawSQL(
        _granted_ids_sql(user_rows, group_rows),
        (user.pk, content_type, codename, user.pk, content_type, codename),
    )


@cache
def _granted_ids_sql(user_rows, group_rows) -> str:
    quote = connection.ops.quote_name

    def column(model, field):
        return quote(model._meta.get_field(field).column)

    def table(model):
        return quote(model._meta.db_table)

    memberships = get_user_model().groups.through
    # The permission's id as a scalar subquery, so it is a known value when the indexes are
    # read (a join to auth_permission would read every permission the holder has).
    permission = (
        f"(SELECT {quote(Permission._meta.pk.column)} FROM {table(Permission)}"
        f" WHERE {column(Permission, 'content_type')} = %s"
        f" AND {column(Permission, 'codename')} = %s)"
    )
    return (
        f"SELECT {column(user_rows, 'content_object')} FROM {table(user_rows)}"
        f" WHERE {column(user_rows, 'user')} = %s"
        f" AND {column(user_rows, 'permission')} = {permission}"
        f" UNION ALL SELECT g.{column(group_rows, 'content_object')}"
        f" FROM {table(group_rows)} g JOIN {table(memberships)} m"
        f" ON m.{column(memberships, 'group')} = g.{column(group_rows, 'group')}"
        f" WHERE m.{column(memberships, 'user')} = %s"
        f" AND g.{column(group_rows, 'permission')} = {permission}"
    )


class PartnershipsSeen(ObjectPermissions):
    """Partnerships granted to the person's role groups, and to see, those their agency is a
    member of today.

    Membership is read from its dates when asked, so an agency sees a partnership from the day
    it joins to the day it leaves, both included, however long ago the membership was saved.
    The agency's memberships are a third arm of the grants' `UNION ALL`, written as SQL for the
    same reason as the grants: nearly every restriction starts from the partnerships a person
    can see, and an ORM-built arm `OR`ed beside the grants took 0.6 of the 0.86 ms it cost to
    build and compile that subquery (docs/performance.md, the nineteenth change).
    """

    def granted_ids(self, user_rows, group_rows, user, action) -> RawSQL:
        granted = super().granted_ids(user_rows, group_rows, user, action)
        if action != VIEW or not user.agency_id:
            return granted
        today = timezone.localdate()
        return RawSQL(
            f"{granted.sql} UNION ALL {_current_memberships_sql()}",
            (*granted.params, user.agency_id, today, today),
        )


@cache
def _current_memberships_sql() -> str:
    """The partnerships an agency is a member of on a day: the rule of
    `MembershipQuerySet.current()`, which tests/safeguarding/test_permissions.py holds this to."""
    from partnerships.models import Membership

    quote = connection.ops.quote_name

    def column(field):
        return quote(Membership._meta.get_field(field).column)

    return (
        f"SELECT {column('partnership')} FROM {quote(Membership._meta.db_table)}"
        f" WHERE {column('agency')} = %s AND {column('joined_on')} <= %s"
        f" AND ({column('left_on')} IS NULL OR {column('left_on')} >= %s)"
    )


class SignedInCanRead(Policy):
    """Public directory information: anyone signed in reads it; only admins change it."""

    def restrict(self, queryset, user, action):
        return queryset if action == VIEW else queryset.none()


class OwnRecords(Policy):
    """Rows that belong to the user through `field`, for any of `actions` (every one if None)."""

    def __init__(self, field: str, actions: Iterable[str] | None = None):
        self.field = field
        self.actions = None if actions is None else frozenset(actions)

    def restrict(self, queryset, user, action):
        if self.actions is not None and action not in self.actions:
            return queryset.none()
        return queryset.filter(**{self.field: user})


class PartnershipScoped(Policy):
    """Rows of partnerships the user can see; `roles[action]` narrows to people holding a role.

    An action missing from `roles` is refused; `None` means anyone who can see the partnership.
    """

    def __init__(self, partnership_field: str = "partnership", roles: dict | None = None):
        self.partnership_field = partnership_field
        self.roles = roles if roles is not None else {VIEW: None}

    def restrict(self, queryset, user, action):
        if action not in self.roles:
            return queryset.none()
        roles = self.roles[action]
        if roles is None:
            partnerships = visible_partnership_ids(user)
        else:
            partnerships = partnership_ids_with_role(user, roles)
        return queryset.filter(among(self.partnership_field, partnerships))


class AgencyInVisiblePartnership(Policy):
    """Rows about an agency that belongs to a partnership the user can see."""

    def __init__(self, agency_field: str = "agency"):
        self.agency_field = agency_field

    def restrict(self, queryset, user, action):
        if action != VIEW:
            return queryset.none()
        from partnerships.models import Membership

        shared = Membership.objects.current().filter(
            agency=OuterRef(self.agency_field), partnership__in=visible_partnership_ids(user)
        )
        return queryset.filter(Exists(shared))


class OwnAgency(Policy):
    """Rows owned by the user's agency (through `agency_field`) in partnerships they belong to.

    `roles[action]` lists the roles (held in that partnership) needed for an action; `None`
    means any of the agency's staff. An action missing from `roles` is refused.
    """

    def __init__(
        self,
        agency_field: str = "agency",
        partnership_field: str = "partnership",
        roles: dict | None = None,
    ):
        self.agency_field = agency_field
        self.partnership_field = partnership_field
        self.roles = roles if roles is not None else {VIEW: None}

    def restrict(self, queryset, user, action):
        if action not in self.roles or not user.agency_id:
            return queryset.none()
        roles = self.roles[action]
        partnerships = (
            visible_partnership_ids(user)
            if roles is None
            else partnership_ids_with_role(user, roles)
        )
        return queryset.filter(
            among(self.partnership_field, partnerships), **{self.agency_field: user.agency_id}
        )


class AnyOf(Policy):
    """Rows any of the policies allows."""

    def __init__(self, *policies: Policy):
        self.policies = policies

    def restrict(self, queryset, user, action):
        return reduce(or_, (p.restrict(queryset, user, action) for p in self.policies))


class ThroughRelated(Policy):
    """Rows whose `field` points at a row the user may `action` under that model's own policy.

    For the parts of a record (a case's questions, a return's answers): whoever may see or
    change the whole may see or change its parts.
    """

    def __init__(self, field: str):
        self.field = field

    def restrict(self, queryset, user, action):
        related = queryset.model._meta.get_field(self.field).related_model
        allowed = restrict(related._default_manager.all(), user, action).values("pk")
        return queryset.filter(**{f"{self.field}__in": allowed})


class _Among(Func):
    template = "%(expressions)s"
    arg_joiner = " IN "
    output_field = models.BooleanField()
    conditional = True

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, arg_joiner=" = ANY(ARRAY", template="%(expressions)s)", **extra
        )


def among(field: str, values) -> Q | _Among:
    """`field IN (values)` that PostgreSQL can still read through an index beside an OR.

    A plain `IN (subquery)` inside an OR is tested row by row; `= ANY(ARRAY(subquery))` runs the
    subquery once and joins the other branches' index scans in a BitmapOr. Ids already read
    (a list) are written as they are, which the planner reads the same way. Where the planner
    scans every row anyway, a long array is compared key by key for each of them, and a plain
    `IN` (tested against a hash) is faster: the case records an agency reads use that
    (`reviews/policies.py`).
    """
    if not isinstance(values, models.QuerySet):
        return Q(**{f"{field}__in": values})
    return _Among(F(field), _Values(values.order_by()))


class _Values(Subquery):
    # A subquery known to find nothing (say, of no partnerships) makes the condition false, so
    # the condition drops out of an OR, rather than comparing with NULL.
    empty_result_set_value = NotImplemented


_policies: dict[type[models.Model], Policy] = {}
_default_policy = ObjectPermissions()


def register(model: type[models.Model], policy: Policy) -> None:
    _policies[model] = policy


def policy_for(model: type[models.Model]) -> Policy:
    return _policies.get(model, _default_policy)


# ---------------------------------------------------------------------------
# Questions


def permission_codename(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def restrict(queryset, user, action: str = VIEW):
    """The rows of `queryset` that `user` may `action`. Nothing for the signed-out."""
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_superuser:
        return queryset
    return policy_for(queryset.model).restrict(queryset, user, action)


def reaches(model: type[models.Model], user) -> list[str]:
    """The kinds of reach (say, "made by you") the model's policy names for a person, in order."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    return policy_for(model).reaches(user)


def restrict_to_reach(queryset, user, reach: str):
    """The rows a person sees through one of their `reaches()`: always a part of what
    `restrict(VIEW)` gives, and nothing for a reach they do not hold. A list of one kind reads
    from that kind's own index, where the union of every kind must be gathered and sorted."""
    if reach not in reaches(queryset.model, user):
        return queryset.none()
    return policy_for(queryset.model).restrict_to_reach(queryset, user, reach)


def can(user, action: str, obj: models.Model) -> bool:
    model = type(obj)
    return restrict(model._default_manager.filter(pk=obj.pk), user, action).exists()


def require(user, action: str, obj: models.Model) -> None:
    """Raise PermissionDenied (403) unless the user may act on an object they can see."""
    if not can(user, action, obj):
        raise PermissionDenied(f"You cannot {action} this {obj._meta.verbose_name}.")


def get_visible_or_404(queryset, user, **lookup):
    return get_object_or_404(restrict(queryset, user, VIEW), **lookup)


def visible_partnership_ids(user):
    from partnerships.models import Partnership

    return restrict(Partnership.objects.all(), user).values("pk")


def held_roles(user) -> frozenset[tuple[int, str]]:
    """(partnership id, role) for each role the person holds now.

    Read once for the person and kept on them: the person is read afresh for each request and
    each task, and a change to their roles forgets what was read (`forget_held_roles`). Every
    page asks it several times, for its menu and for each restriction by role.
    """
    if not user.is_authenticated:
        return frozenset()
    if not hasattr(user, "_held_roles"):
        from partnerships.models import RoleAssignment

        user._held_roles = frozenset(
            RoleAssignment.objects.current()
            .filter(user=user)
            .order_by()
            .values_list("partnership_id", "role")
        )
    return user._held_roles


def user_roles(user) -> set[str]:
    """The roles a person holds in any partnership."""
    return {role for _, role in held_roles(user)}


def scrutinises_only(user) -> bool:
    """Whether the independent scrutineer's is the only role a person holds now.

    A scrutineer sees aggregates only, never a case or a child's identity, also one an agency
    employs: what reaches an agency (a referral shared with it, its audit returns and cases)
    reaches its staff, not a person whose only role is scrutinising.
    """
    from partnerships.choices import Role

    return user_roles(user) == {Role.INDEPENDENT_SCRUTINEER}


def forget_held_roles(user) -> None:
    vars(user).pop("_held_roles", None)


def partnership_ids_with_role(user, roles: Iterable[str]) -> list[int]:
    """The partnerships where the person holds one of `roles` (every one for a superuser)."""
    if user.is_superuser:
        from partnerships.models import Partnership

        return list(Partnership.objects.values_list("pk", flat=True))
    roles = set(roles)
    return sorted({partnership for partnership, role in held_roles(user) if role in roles})


def has_role(user, partnership, *roles: str) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return any((partnership.pk, role) in held_roles(user) for role in roles)


# ---------------------------------------------------------------------------
# Groups and grants


def agency_group(agency, role: str | None = None) -> Group:
    name = f"agency:{agency.pk}" if role is None else f"agency:{agency.pk}:{role}"
    return Group.objects.get_or_create(name=name)[0]


def partnership_group(partnership, role: str) -> Group:
    group, created = Group.objects.get_or_create(name=f"partnership:{partnership.pk}:{role}")
    if created:
        for action in PARTNERSHIP_ROLE_ACTIONS.get(role, (VIEW,)):
            assign_perm(permission_codename(type(partnership), action), group, partnership)
    return group


def partnership_groups(partnership, roles: Iterable[str]) -> list[Group]:
    return [partnership_group(partnership, role) for role in roles]


def grant(obj: models.Model, actions: Iterable[str] | str, *, groups=(), users=()) -> None:
    actions = [actions] if isinstance(actions, str) else list(actions)
    for action in actions:
        codename = permission_codename(type(obj), action)
        for holder in [*groups, *users]:
            assign_perm(codename, holder, obj)


def desired_group_names(user) -> set[str]:
    if not user.is_active:
        return set()
    names = set()
    if user.agency_id:
        names.add(f"agency:{user.agency_id}")
    for assignment in user.role_assignments.current():
        names.add(f"partnership:{assignment.partnership_id}:{assignment.role}")
        if user.agency_id:
            names.add(f"agency:{user.agency_id}:{assignment.role}")
    return names


@transaction.atomic
def sync_user_groups(user) -> None:
    """Put the user in exactly the managed groups their agency and roles call for."""
    from partnerships.models import Partnership

    forget_held_roles(user)
    desired = desired_group_names(user)
    current = {g.name: g for g in user.groups.all() if g.name.startswith(MANAGED_GROUP_PREFIXES)}
    stale = [g for name, g in current.items() if name not in desired]
    if stale:
        user.groups.remove(*stale)
    missing = desired - current.keys()
    groups = []
    for name in missing:
        if name.startswith("partnership:"):
            _, partnership_id, role = name.split(":", 2)
            groups.append(partnership_group(Partnership.objects.get(pk=partnership_id), role))
        else:
            groups.append(Group.objects.get_or_create(name=name)[0])
    if groups:
        user.groups.add(*groups)


def register_core_policies() -> None:
    from partnerships.choices import Role
    from partnerships.models import (
        Action,
        Agency,
        ClosureDay,
        DesignatedSafeguardingLead,
        Membership,
        Partnership,
        PublishedArrangement,
        Region,
        RoleAssignment,
    )

    from .models import AccessLogEntry, Notification

    business = [Role.BUSINESS_TEAM]
    register(Partnership, PartnershipsSeen())
    register(Region, SignedInCanRead())
    register(Agency, SignedInCanRead())
    register(Membership, SignedInCanRead())
    register(PublishedArrangement, PartnershipScoped(roles={VIEW: None, CHANGE: business}))
    register(ClosureDay, PartnershipScoped(roles={VIEW: None, CHANGE: business, ADD: business}))
    register(RoleAssignment, PartnershipScoped(roles={VIEW: None, CHANGE: business}))
    register(DesignatedSafeguardingLead, AgencyInVisiblePartnership())
    register(
        AccessLogEntry,
        PartnershipScoped(roles={VIEW: [Role.BUSINESS_TEAM, Role.SYSTEM_ADMIN]}),
    )
    # People read their own notifications; a partnership's business team and system admins
    # change (resend) any of the partnership's, and the pages offer them those given up.
    register(
        Notification,
        AnyOf(
            OwnRecords("recipient", actions=[VIEW]),
            PartnershipScoped(roles={CHANGE: [Role.BUSINESS_TEAM, Role.SYSTEM_ADMIN]}),
        ),
    )
    register(
        Action,
        AnyOf(
            PartnershipScoped(
                roles={
                    VIEW: [
                        Role.BUSINESS_TEAM,
                        Role.DELEGATED_SAFEGUARDING_PARTNER,
                        Role.LEAD_SAFEGUARDING_PARTNER,
                        Role.INDEPENDENT_SCRUTINEER,
                    ],
                    CHANGE: business,
                    ADD: business,
                }
            ),
            OwnAgency(
                "owner_agency",
                roles={VIEW: None, CHANGE: [Role.AGENCY_SAFEGUARDING_LEAD]},
            ),
        ),
    )


PARTNERSHIP_ROLE_ACTIONS = {"business_team": (VIEW, CHANGE)}
