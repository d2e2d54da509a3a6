from contextlib import suppress

from django.contrib import admin
from django.contrib.admin.views.main import PAGE_VAR, ChangeList
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.paginator import InvalidPage
from django.db.models import Q
from django.db.models.constants import LOOKUP_SEP
from django.shortcuts import redirect
from django.utils.text import smart_split, unescape_string_literal

from .access_log import record_access
from .models import AccessLogEntry, Notification, RetentionSetting
from .notifications import notification_resend
from .pagination import BoundedUnorderedCountPaginator


class SortedOnlyAsOfferedChangeList(ChangeList):
    """Django offers only the sorts in `sortable_by`, but follows any typed into the address."""

    def get_ordering_field(self, field_name):
        return super().get_ordering_field(field_name) if field_name in self.sortable_by else None


class ListedAtScaleMixin:
    """The admin's list of a table that grows with every year kept (a million referrals).

    Django's list sorts by the model's order, counts every row that matches, and searches a name
    by joining each related table to every row: over a million referrals, 156 ms to count them
    and 1.3 to 3.2 s to search for a name. Here the list is newest first from the primary key's
    index, counted only so far past the page as the app's own lists are, and a name is looked up
    in the small table that holds it before the large one is read by the keys found.

    Search fields are matched anywhere in the text, as Django's plain ones are; a field through
    a relation must start with a foreign key. Each text searched, in the list's own table or
    one it looks a name up in, is found through a trigram index (`AddTrigramSearchIndex`); a
    person through the one text of their names, username and email (`search_text`).
    """

    ordering = ["-pk"]
    # Sorted by a column only where an index holds its order (each admin says which): otherwise
    # a page sorts every row first (196,040 audit returns by case: 741 ms).
    sortable_by = ()
    show_full_result_count = False
    # Counted in no order: a list sorted by a column would otherwise sort every row to count.
    paginator = BoundedUnorderedCountPaginator

    def get_changelist(self, request, **kwargs):
        return SortedOnlyAsOfferedChangeList

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        paginator = super().get_paginator(
            request, queryset, per_page, orphans, allow_empty_first_page
        )
        # The list shows the count it makes before reading the page: make it the page's own.
        with suppress(InvalidPage):  # refused when the page is read, as Django refuses it
            paginator.count_from_page(request.GET.get(PAGE_VAR, 1))
        return paginator

    def get_search_results(self, request, queryset, search_term):
        fields = self.get_search_fields(request)
        if not fields:
            return queryset, False
        keys_named = {}  # a front door's and a referrer's agency are looked up once
        for word in smart_split(search_term):
            if word.startswith(('"', "'")) and word[0] == word[-1]:
                word = unescape_string_literal(word)
            matches = Q()
            for field in fields:
                matches |= self._rows_matching(field, word, keys_named)
            queryset = queryset.filter(matches)
        return queryset, False

    def _rows_matching(self, field, word, keys_named) -> Q:
        key, _, further = field.partition(LOOKUP_SEP)
        if not further:
            return Q(**{f"{field}__icontains": word})
        relation = self.model._meta.get_field(key)
        if not (relation.many_to_one or relation.one_to_one) or not relation.concrete:
            raise ImproperlyConfigured(f"{type(self).__name__} searches {field}: not a foreign key")
        found = (relation.related_model, further, word)
        if found not in keys_named:
            # Sent as values, not a subquery: PostgreSQL plans a subquery before it knows what it
            # finds, and joined each of 9,894 people to their referrals (5.7 s) where the keys
            # themselves let it read newest first and stop at a page (23 ms with planning).
            keys_named[found] = list(
                relation.related_model._default_manager.filter(**{f"{further}__icontains": word})
                .order_by()
                .values_list("pk", flat=True)
            )
        return Q(**{f"{key}__in": keys_named[found]})


class LogsIdentifyingReadsMixin:
    """For a change page whose inlines show a child's or a family's details: each time it is
    opened, the records it shows (`identifying_records`) go to the access log.

    Logged here, from the object, because an inline's own queryset is every row of its model
    (the formset narrows it to the object later)."""

    def identifying_records(self, obj) -> list:
        raise NotImplementedError

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None:
            record_access(request, self.identifying_records(obj))
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(admin.ModelAdmin):
    """Read-only: the access log is append-only.

    Its list is the access log page, which filters by the same things and reads a page of a log
    of millions from an index. The admin's own list counted the whole log twice, listed its years
    by reading every row (1.5 s at 3,000,000 entries) and searched words anywhere in it.
    """

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return redirect("access-log")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ListedAtScaleMixin, admin.ModelAdmin):
    list_display = [
        "title",
        "recipient",
        "kind",
        "stage",
        "created_at",
        "sent_at",
        "given_up_at",
        "read_at",
    ]
    # Kinds and stages are searched, not listed as filters: listing them read every
    # notification, and each email given up adds a stage of its own.
    list_filter = ["given_up_at"]
    search_fields = ["title", "kind", "stage", "recipient__search_text"]
    list_select_related = ["recipient"]
    readonly_fields = [f.name for f in Notification._meta.fields]
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Send the selected given-up emails again")
    def send_again(self, request, queryset):
        resent = 0
        for notification in queryset.filter(given_up_at__isnull=False):
            try:
                notification_resend(notification=notification)
            except ValidationError:
                continue  # someone else sent it again a moment ago
            resent += 1
        self.message_user(request, f"{resent} given-up email(s) will be sent again.")


@admin.register(RetentionSetting)
class RetentionSettingAdmin(admin.ModelAdmin):
    list_display = ["record_type", "years", "reason", "updated_at"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "record_type":
            from django.contrib.contenttypes.models import ContentType

            from .retention import rules

            kwargs["queryset"] = ContentType.objects.filter(
                pk__in=[ContentType.objects.get_for_model(r.model).pk for r in rules()]
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
