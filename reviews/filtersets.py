import django_filters
from django.utils import timezone

from partnerships.filtersets import PartnershipChoiceMixin
from partnerships.models import Partnership
from safeguarding.forms import AnyYesNoSelect

from .choices import Decision, IncidentType, RapidReviewStatus
from .models import PracticeReview, RapidReview, SeriousIncident


class RapidReviewFilterSet(PartnershipChoiceMixin, django_filters.FilterSet):
    partnership = django_filters.ModelChoiceFilter(queryset=Partnership.objects.none())
    status = django_filters.ChoiceFilter(choices=RapidReviewStatus.choices)
    decision = django_filters.ChoiceFilter(choices=Decision.choices)
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label="Overdue only", widget=AnyYesNoSelect
    )

    class Meta:
        model = RapidReview
        fields = []

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = queryset.open().filter(due_on__lt=timezone.localdate())
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))


class SeriousIncidentFilterSet(PartnershipChoiceMixin, django_filters.FilterSet):
    partnership = django_filters.ModelChoiceFilter(queryset=Partnership.objects.none())
    incident_type = django_filters.ChoiceFilter(choices=IncidentType.choices)

    class Meta:
        model = SeriousIncident
        fields = []


class PracticeReviewFilterSet(PartnershipChoiceMixin, django_filters.FilterSet):
    partnership = django_filters.ModelChoiceFilter(queryset=Partnership.objects.none())
    published = django_filters.BooleanFilter(
        field_name="published_on",
        lookup_expr="isnull",
        exclude=True,
        label="Published",
        widget=AnyYesNoSelect,
    )

    class Meta:
        model = PracticeReview
        fields = []
