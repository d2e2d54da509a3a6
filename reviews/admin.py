from django.contrib import admin
from guardian.admin import GuardedModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from partnerships.admin import CouncilListFilter
from safeguarding.admin import ListedAtScaleMixin, LogsIdentifyingReadsMixin

from .models import (
    AgencyReturn,
    Extension,
    IncidentChild,
    Milestone,
    PracticeReview,
    RapidReview,
    SeriousIncident,
    SignOff,
)


class IncidentChildInline(admin.TabularInline):
    """The children's details: the incident's change page logs every view of them."""

    model = IncidentChild
    extra = 0
    fields = ["position", "first_name", "last_name", "date_of_birth"]


class ExtensionInline(admin.TabularInline):
    model = Extension
    extra = 0
    autocomplete_fields = ["granted_by"]


class SignOffInline(admin.TabularInline):
    model = SignOff
    extra = 0
    autocomplete_fields = ["signed_by", "agency"]


class AgencyReturnInline(admin.TabularInline):
    model = AgencyReturn
    extra = 0
    fields = ["agency", "due_on", "status", "submitted_on"]
    readonly_fields = ["agency"]


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


class NoDeleteMixin:
    # Case records are kept for the retention period, never deleted by hand.
    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SeriousIncident)
class SeriousIncidentAdmin(
    LogsIdentifyingReadsMixin,
    NoDeleteMixin,
    ListedAtScaleMixin,
    GuardedModelAdmin,
    SimpleHistoryAdmin,
):
    list_display = [
        "reference",
        "partnership",
        "local_authority",
        "incident_type",
        "became_aware_on",
        "notification_due_on",
        "notified_on",
    ]
    list_filter = [
        "partnership",
        "incident_type",
        "looked_after",
        "became_aware_on",
        ("local_authority", CouncilListFilter),
    ]
    search_fields = ["reference", "summary"]
    autocomplete_fields = ["local_authority", "home_local_authority", "agencies_involved"]
    readonly_fields = ["reference", "notification_due_on", "created_by"]
    inlines = [IncidentChildInline]

    def identifying_records(self, incident):
        return list(incident.children.all())


@admin.register(RapidReview)
class RapidReviewAdmin(NoDeleteMixin, ListedAtScaleMixin, GuardedModelAdmin, SimpleHistoryAdmin):
    list_display = [
        "incident",
        "partnership",
        "status",
        "original_due_on",
        "due_on",
        "decision",
        "submitted_on",
    ]
    list_filter = ["partnership", "status", "decision", "due_on"]
    search_fields = ["incident__reference"]
    readonly_fields = ["incident", "original_due_on", "clock_started_on", "created_by"]
    inlines = [AgencyReturnInline, ExtensionInline, SignOffInline]


@admin.register(AgencyReturn)
class AgencyReturnAdmin(NoDeleteMixin, ListedAtScaleMixin, GuardedModelAdmin, SimpleHistoryAdmin):
    list_display = ["rapid_review", "agency", "due_on", "status", "submitted_on"]
    list_filter = ["status", "partnership"]  # by agency through the search
    search_fields = ["rapid_review__incident__reference", "agency__name"]
    readonly_fields = ["rapid_review", "partnership", "agency"]
    raw_id_fields = ["submitted_by"]


@admin.register(PracticeReview)
class PracticeReviewAdmin(NoDeleteMixin, ListedAtScaleMixin, GuardedModelAdmin, SimpleHistoryAdmin):
    list_display = [
        "rapid_review",
        "partnership",
        "reviewer",
        "target_publication_on",
        "sent_to_panel_on",
        "published_on",
    ]
    list_filter = ["partnership"]
    search_fields = ["rapid_review__incident__reference", "reviewer"]
    readonly_fields = ["rapid_review", "decided_on", "target_publication_on"]
    inlines = [MilestoneInline]
