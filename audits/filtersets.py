import django_filters

from partnerships.filtersets import PartnershipChoiceMixin, agency_name_filter
from partnerships.models import Partnership
from safeguarding.forms import AnyYesNoSelect

from .choices import Grade, ReturnStatus, SelfAssessmentKind
from .models import Audit, AuditReturn, SelfAssessment


class AuditFilterSet(PartnershipChoiceMixin, django_filters.FilterSet):
    partnership = django_filters.ModelChoiceFilter(queryset=Partnership.objects.none())
    theme = django_filters.CharFilter(method="filter_theme")

    class Meta:
        model = Audit
        fields = []

    def filter_theme(self, queryset, name, value):
        # Themes are stored in lower case, so an exact match can use the index.
        return queryset.filter(theme=value.strip().lower())


class AuditReturnFilterSet(django_filters.FilterSet):
    agency = agency_name_filter()
    status = django_filters.ChoiceFilter(choices=ReturnStatus.choices)
    grade = django_filters.ChoiceFilter(choices=Grade.choices)
    immediate_concern = django_filters.BooleanFilter(widget=AnyYesNoSelect)

    class Meta:
        model = AuditReturn
        fields = []


class SelfAssessmentFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=SelfAssessmentKind.choices)
    year = django_filters.NumberFilter()
    status = django_filters.ChoiceFilter(choices=ReturnStatus.choices)

    class Meta:
        model = SelfAssessment
        fields = []
