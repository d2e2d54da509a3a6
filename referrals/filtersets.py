import django_filters

from partnerships.models import Agency
from safeguarding.forms import AnyYesNoSelect

from .choices import Category, Decision, EscalationStatus, EscalationTheme, ReferralStatus
from .models import Escalation, Referral, ReferralCategory
from .selectors import local_authorities_with_front_door


class ReferralFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ReferralStatus.choices)
    decision = django_filters.ChoiceFilter(choices=Decision.choices)
    category = django_filters.ChoiceFilter(
        choices=Category.choices, method="filter_category", label="Kind of harm"
    )
    front_door = django_filters.ModelChoiceFilter(
        queryset=Agency.objects.none(), label="Local authority"
    )
    immediate_danger = django_filters.BooleanFilter(widget=AnyYesNoSelect)

    class Meta:
        model = Referral
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["front_door"].queryset = local_authorities_with_front_door()

    def filter_category(self, queryset, name, value):
        # An indexed (category, referral) lookup rather than a join that repeats rows.
        return queryset.filter(
            pk__in=ReferralCategory.objects.filter(category=value).values("referral_id")
        )


class EscalationFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=EscalationStatus.choices)
    theme = django_filters.ChoiceFilter(choices=EscalationTheme.choices)
    stage = django_filters.NumberFilter()

    class Meta:
        model = Escalation
        fields = []
