from datetime import date, datetime, time, timedelta

import django_filters
from django.utils import timezone

from partnerships.filtersets import agency_name_filter, person_name_filter
from partnerships.models import Partnership

from . import permissions
from .access_log import identifying_content_types
from .forms import GovukDateField, iso_dates_in_boxes
from .models import AccessChannel, AccessLogEntry


class LocalDayFilter(django_filters.DateFilter):
    """Entries from the start of a day (`lookup_expr="gte"`) or up to its end ("lt" the next
    day), as moments in UK time, so the index on when entries were made answers it rather than
    a date worked out for every entry. "Up to the end of" the calendar's last day (31 December
    9999, which has no next day) is no upper bound at all. The day is typed in GOV.UK's day,
    month and year boxes."""

    field_class = GovukDateField

    def filter(self, queryset, value):
        if value is None:
            return queryset
        if self.lookup_expr == "lt":
            if value == date.max:
                return queryset
            value += timedelta(days=1)
        start_of_day = timezone.make_aware(datetime.combine(value, time.min))
        return queryset.filter(**{f"{self.field_name}__{self.lookup_expr}": start_of_day})


def record_types() -> list[tuple[int, str]]:
    """The record types that hold a child's identifying details, as choices. Content types are
    cached by Django, so offering them costs no query."""
    types = sorted(identifying_content_types(), key=lambda content_type: content_type.pk)
    return [(content_type.pk, str(content_type)) for content_type in types]


class AccessLogEntryFilterSet(django_filters.FilterSet):
    partnership = django_filters.ModelChoiceFilter(queryset=Partnership.objects.none())
    person = person_name_filter()
    agency = agency_name_filter()
    content_type = django_filters.ChoiceFilter(label="Record type", choices=record_types)
    channel = django_filters.ChoiceFilter(choices=AccessChannel.choices)
    object_id = django_filters.NumberFilter(label="Record number")
    from_date = LocalDayFilter(
        field_name="at", lookup_expr="gte", label="From", error_name="the first day"
    )
    to_date = LocalDayFilter(
        field_name="at", lookup_expr="lt", label="To", error_name="the last day"
    )

    class Meta:
        model = AccessLogEntry
        fields = []

    def __init__(self, data=None, *args, **kwargs):
        # Links and bookmarks from before the boxes give the days as ISO text.
        if data is not None:
            data = iso_dates_in_boxes(data, {"from_date": "from_date", "to_date": "to_date"})
        super().__init__(data, *args, **kwargs)
        # Choices come from the partnerships the reader can see, never from scanning the log.
        self.filters["partnership"].queryset = permissions.restrict(
            Partnership.objects.all(), self.request.user
        )
