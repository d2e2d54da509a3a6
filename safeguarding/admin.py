from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect

from .access_log import record_access
from .models import AccessLogEntry, Notification, RetentionSetting
from .notifications import notification_resend


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
class NotificationAdmin(admin.ModelAdmin):
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
    list_filter = ["kind", "stage", "given_up_at"]
    search_fields = ["title", "recipient__username"]
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
