import django_filters
from django.db.models import Q

from safeguarding import permissions
from safeguarding.forms import AnyYesNoSelect

from .choices import EDUCATION_SECTORS, ActionStatus, Sector
from .models import Action, Agency, DesignatedSafeguardingLead, Partnership
from .selectors import agencies_named, people_named


class NamedFilter(django_filters.CharFilter):
    """A text box for the agency or person a row names, where a list of every choice would run to
    thousands across the country (every school, every practitioner) and be drawn on every page.
    `named` gives the agencies or people whose names hold each word typed.

    Their keys are read first and written into the query as values: PostgreSQL then knows how
    many rows each one has, and for one with few rows (a person with few reads in the access
    log) it goes to them by the index on the key rather than reading the list in its order
    until enough turn up.
    """

    def __init__(self, *, named, **kwargs):
        self.named = named
        super().__init__(**kwargs)

    def filter(self, queryset, value):
        if not value or not value.split():
            return queryset
        keys = list(self.named(value).order_by().values_list("pk", flat=True))
        return queryset.filter(**{f"{self.field_name}__in": keys})


def agency_name_filter(field_name="agency", label="Agency name contains"):
    return NamedFilter(field_name=field_name, label=label, named=agencies_named)


def person_name_filter(field_name="user", label="Person's name, username or email"):
    return NamedFilter(field_name=field_name, label=label, named=people_named)


class PartnershipChoiceMixin:
    """Offers only the partnerships the person can see."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["partnership"].queryset = permissions.restrict(
            Partnership.objects.all(), self.request.user
        )


class AgencyFilterSet(PartnershipChoiceMixin, django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", label="Name contains")
    sector = django_filters.ChoiceFilter(choices=Sector.choices)
    partnership = django_filters.ModelChoiceFilter(
        field_name="memberships__partnership", queryset=Partnership.objects.none()
    )
    active = django_filters.BooleanFilter(
        method="filter_active", label="Active only", widget=AnyYesNoSelect
    )

    class Meta:
        model = Agency
        fields = []

    def filter_active(self, queryset, name, value):
        if value is None:
            return queryset
        active = Agency.objects.active().values("pk")
        return queryset.filter(pk__in=active) if value else queryset.exclude(pk__in=active)


class DesignatedSafeguardingLeadFilterSet(PartnershipChoiceMixin, django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="Name or setting")
    partnership = django_filters.ModelChoiceFilter(
        field_name="agency__memberships__partnership", queryset=Partnership.objects.none()
    )
    sector = django_filters.ChoiceFilter(
        field_name="agency__sector", choices=[(s.value, s.label) for s in EDUCATION_SECTORS]
    )

    class Meta:
        model = DesignatedSafeguardingLead
        fields = []

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(agency__name__icontains=value))


class ActionFilterSet(PartnershipChoiceMixin, django_filters.FilterSet):
    partnership = django_filters.ModelChoiceFilter(queryset=Partnership.objects.none())
    owner_agency = agency_name_filter("owner_agency", "Owning agency name contains")
    status = django_filters.ChoiceFilter(choices=ActionStatus.choices)
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label="Overdue only", widget=AnyYesNoSelect
    )

    class Meta:
        model = Action
        fields = []

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queryset.overdue()
        return queryset.exclude(pk__in=queryset.overdue().values("pk"))
