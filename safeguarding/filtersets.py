import django_filters
from django.contrib.contenttypes.models import ContentType

from partnerships.models import Agency, Partnership, User

from . import permissions
from .access_log import identifying_content_types
from .models import AccessChannel, AccessLogEntry


class AccessLogEntryFilterSet(django_filters.FilterSet):
    partnership = django_filters.ModelChoiceFilter(queryset=Partnership.objects.none())
    user = django_filters.ModelChoiceFilter(label="Person", queryset=User.objects.none())
    agency = django_filters.ModelChoiceFilter(queryset=Agency.objects.none())
    content_type = django_filters.ModelChoiceFilter(
        label="Record type", queryset=ContentType.objects.none()
    )
    channel = django_filters.ChoiceFilter(choices=AccessChannel.choices)
    object_id = django_filters.NumberFilter(label="Record number")
    from_date = django_filters.DateFilter(field_name="at", lookup_expr="date__gte", label="From")
    to_date = django_filters.DateFilter(field_name="at", lookup_expr="date__lte", label="To")

    class Meta:
        model = AccessLogEntry
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices come from the partnerships the reader can see, never from scanning the log.
        partnerships = permissions.restrict(Partnership.objects.all(), self.request.user)
        members = Agency.objects.filter(memberships__partnership__in=partnerships)
        self.filters["partnership"].queryset = partnerships
        self.filters["agency"].queryset = members.distinct()
        self.filters["user"].queryset = User.objects.filter(
            agency__in=members.values("pk")
        ).distinct()
        self.filters["content_type"].queryset = ContentType.objects.filter(
            pk__in=[ct.pk for ct in identifying_content_types()]
        )
