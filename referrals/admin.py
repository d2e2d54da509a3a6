from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from partnerships.admin import CouncilListFilter
from safeguarding.admin import ListedAtScaleMixin, LogsIdentifyingReadsMixin
from safeguarding.views import key_from

from .models import (
    Escalation,
    EscalationResponse,
    EscalationStage,
    GoodPractice,
    InformationSharingDecision,
    Referral,
    ReferralCategory,
    ReferralChild,
    ReferralHousehold,
)


class ReferralCategoryInline(admin.TabularInline):
    model = ReferralCategory
    extra = 0


class ReferralChildInline(admin.StackedInline):
    model = ReferralChild
    extra = 0


class ReferralHouseholdInline(admin.StackedInline):
    model = ReferralHousehold
    extra = 0


class InformationSharingInline(admin.TabularInline):
    model = InformationSharingDecision
    extra = 0
    fk_name = "referral"
    raw_id_fields = ["recorded_by", "withdrawn_by"]
    autocomplete_fields = ["agency"]


@admin.register(Referral)
class ReferralAdmin(LogsIdentifyingReadsMixin, ListedAtScaleMixin, SimpleHistoryAdmin):
    """A million referrals: newest first by key, filtered by received date, counted only so far."""

    list_display = [
        "reference",
        "front_door",
        "referrer_agency",
        "status",
        "immediate_danger",
        "received_at",
        "decision_due_on",
        "decision",
    ]
    list_filter = [
        "status",
        "decision",
        "immediate_danger",
        "consent",
        "received_at",
        "partnership",
        ("front_door", CouncilListFilter),
    ]
    search_fields = ["referrer__search_text", "referrer_agency__name", "front_door__name"]
    # Listing the years received by date read every referral (497 ms of 1,000,000).
    sortable_by = ["received_at"]  # by decision due, a page sorted every referral (1.3 s)
    list_select_related = ["front_door", "referrer_agency"]
    raw_id_fields = ["referrer", "decided_by"]
    autocomplete_fields = ["front_door", "referrer_agency", "partnership"]
    # What a referrer typed on a page that failed its checks can be a child's details before
    # any child's record holds them, so no read of them could be logged: the referrer's alone.
    exclude = ["draft_answers"]
    inlines = [
        ReferralCategoryInline,
        ReferralChildInline,
        ReferralHouseholdInline,
        InformationSharingInline,
    ]

    def identifying_records(self, referral):
        household = ReferralHousehold.objects.filter(referral=referral)
        return [*referral.children.all(), *household]

    def get_search_results(self, request, queryset, search_term):
        # "R-000123" or "123" finds referral 123 (ASCII digits only: "R-²" is searched as text).
        prefix, _, number = search_term.strip().rpartition("-")
        pk = key_from(number) if prefix in ("R", "r", "") else None
        if pk is not None:
            return queryset.filter(pk=pk), False
        return super().get_search_results(request, queryset, search_term)


@admin.register(InformationSharingDecision)
class InformationSharingDecisionAdmin(ListedAtScaleMixin, SimpleHistoryAdmin):
    list_display = ["referral", "agency", "lawful_basis", "recorded_at", "withdrawn_at"]
    list_filter = ["lawful_basis"]  # by agency through the search: a filter would list them all
    search_fields = ["agency__name", "reason"]
    list_select_related = ["referral", "agency"]
    raw_id_fields = ["referral", "recorded_by", "withdrawn_by"]
    autocomplete_fields = ["agency"]


class StageNumberListFilter(admin.AllValuesFieldListFilter):
    """Lists the numbers the partnerships' stages have, not every escalation's (read in full)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lookup_choices = (
            EscalationStage.objects.order_by("number").values_list("number", flat=True).distinct()
        )


@admin.register(EscalationStage)
class EscalationStageAdmin(admin.ModelAdmin):
    list_display = ["partnership", "number", "name", "response_working_days", "contacts"]
    list_filter = ["partnership"]
    search_fields = ["name", "partnership__name"]


class EscalationResponseInline(admin.TabularInline):
    model = EscalationResponse
    extra = 0
    raw_id_fields = ["by"]
    autocomplete_fields = ["agency"]


class GoodPracticeInline(admin.TabularInline):
    model = GoodPractice
    extra = 0
    raw_id_fields = ["recorded_by"]
    autocomplete_fields = ["agency"]


@admin.register(Escalation)
class EscalationAdmin(ListedAtScaleMixin, SimpleHistoryAdmin):
    list_display = [
        "reference",
        "raised_by_agency",
        "against_agency",
        "stage",
        "stage_due_on",
        "status",
        "resolution",
    ]
    list_filter = [
        "status",
        ("stage", StageNumberListFilter),
        "theme",
        "resolution",
        "partnership",
    ]
    search_fields = ["raised_by_agency__name", "against_agency__name", "decision_disputed"]
    list_select_related = ["raised_by_agency", "against_agency"]
    raw_id_fields = ["referral", "raised_by"]
    autocomplete_fields = ["partnership", "raised_by_agency", "against_agency"]
    inlines = [EscalationResponseInline, GoodPracticeInline]


@admin.register(GoodPractice)
class GoodPracticeAdmin(admin.ModelAdmin):
    list_display = ["agency", "escalation", "recorded_at"]
    search_fields = ["description", "agency__name"]
    raw_id_fields = ["escalation", "recorded_by"]
    autocomplete_fields = ["agency"]
