from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import models
from django.urls import reverse
from django.utils.html import format_html
from guardian.admin import GuardedModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from safeguarding.admin import ListedAtScaleMixin

from .choices import Sector
from .models import (
    Action,
    Agency,
    ClosureDay,
    DesignatedSafeguardingLead,
    FinancialContribution,
    IndicatorTarget,
    Membership,
    Partnership,
    PublishedArrangement,
    Region,
    RoleAssignment,
    ScrutinyChallenge,
    TrainingAttendance,
    TrainingEvent,
    User,
    YearlyReport,
    YearlyReportSignOff,
)


class CouncilListFilter(admin.RelatedFieldListFilter):
    """Filters by a council (a front door, where an incident happened): lists the councils, not
    every agency in the country."""

    def field_choices(self, field, request, model_admin):
        return field.get_choices(
            include_blank=False,
            limit_choices_to={"sector": Sector.LOCAL_AUTHORITY},
            ordering=("name",),
        )


class ClosureDayInline(admin.TabularInline):
    model = ClosureDay
    extra = 0


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["partnership"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Partnership)
class PartnershipAdmin(GuardedModelAdmin, SimpleHistoryAdmin):
    list_display = ["name", "region", "rapid_review_clock_start", "shares_benchmarks"]
    list_filter = ["region", "rapid_review_clock_start", "shares_benchmarks"]
    search_fields = ["name"]
    readonly_fields = ["members"]
    # A large partnership has hundreds of members: an inline drew them all (839 rows, 2,525
    # queries, 3.2 MB); they are listed, filtered and added in the memberships' own admin.
    inlines = [ClosureDayInline]

    @admin.display(description="Members")
    def members(self, partnership):
        if partnership.pk is None:
            return "Add members once the partnership is saved."
        memberships = reverse("admin:partnerships_membership_changelist")
        return format_html(
            '<a href="{}?partnership__id__exact={}">{} members</a> · '
            '<a href="{}?partnership={}">Add a member</a>',
            memberships,
            partnership.pk,
            partnership.memberships.count(),
            reverse("admin:partnerships_membership_add"),
            partnership.pk,
        )


@admin.register(Agency)
class AgencyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "sector", "urn", "ods_code", "active_from", "active_until"]
    list_filter = ["sector", "memberships__partnership"]
    search_fields = ["name", "urn", "ods_code", "gss_code"]

    def has_delete_permission(self, request, obj=None):
        return False  # agencies are deactivated, never deleted


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["agency", "partnership", "role", "joined_on", "left_on"]
    list_filter = ["role", "partnership"]
    search_fields = ["agency__name", "partnership__name"]
    autocomplete_fields = ["agency", "partnership"]


@admin.register(PublishedArrangement)
class PublishedArrangementAdmin(SimpleHistoryAdmin):
    list_display = ["partnership", "version", "title", "published_on", "next_review_on"]
    # Django 6 takes an address typed without a scheme as https; say so now rather than at upgrade.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_filter = ["partnership"]
    search_fields = ["title", "partnership__name"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "get_full_name", "email", "agency", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "agency__sector", "role_assignments__role"]
    search_fields = ["search_text", "agency__name"]
    autocomplete_fields = ["agency"]
    list_select_related = ["agency"]
    inlines = [RoleAssignmentInline]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        ("Work", {"fields": ["agency", "job_title", "phone"]}),
    ]

    def get_deleted_objects(self, objs, request):
        found = super().get_deleted_objects(objs, request)
        if found[3]:  # records that keep the person
            messages.warning(
                request,
                "People who made records are kept with them. To stop someone signing in, "
                "untick “Active” on their page instead.",
            )
        return found


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(SimpleHistoryAdmin):
    list_display = ["user", "role", "partnership", "started_on", "ended_on"]
    list_filter = ["role", "partnership"]
    search_fields = ["user__username", "user__last_name", "partnership__name"]
    autocomplete_fields = ["user", "partnership"]


@admin.register(DesignatedSafeguardingLead)
class DesignatedSafeguardingLeadAdmin(SimpleHistoryAdmin):
    list_display = ["name", "agency", "email", "is_deputy", "trained_on"]
    list_filter = ["is_deputy", "agency__sector"]
    search_fields = ["name", "email", "agency__name"]
    autocomplete_fields = ["agency", "user"]


@admin.register(Action)
class ActionAdmin(ListedAtScaleMixin, SimpleHistoryAdmin):
    list_display = ["title", "owner_agency", "partnership", "due_on", "status", "completed_on"]
    list_filter = ["status", "partnership", "owner_agency__sector", "due_on"]
    search_fields = ["title", "owner_agency__name", "recommendation"]
    sortable_by = ["due_on"]
    autocomplete_fields = ["owner_agency", "partnership", "created_by"]
    list_select_related = ["owner_agency", "partnership"]


@admin.register(IndicatorTarget)
class IndicatorTargetAdmin(SimpleHistoryAdmin):
    list_display = ["partnership", "indicator", "green_from", "amber_from", "updated_at"]
    list_filter = ["indicator", "partnership"]
    search_fields = ["partnership__name"]
    autocomplete_fields = ["partnership"]
    list_select_related = ["partnership"]


@admin.register(ScrutinyChallenge)
class ScrutinyChallengeAdmin(SimpleHistoryAdmin):
    list_display = [
        "title",
        "kind",
        "addressed_to",
        "partnership",
        "response_due_on",
        "responded_at",
    ]
    list_filter = ["kind", "partnership"]
    search_fields = ["title", "addressed_to__name"]
    date_hierarchy = "response_due_on"
    autocomplete_fields = ["partnership", "addressed_to", "raised_by", "responded_by"]
    list_select_related = ["partnership", "addressed_to"]


@admin.register(FinancialContribution)
class FinancialContributionAdmin(SimpleHistoryAdmin):
    list_display = ["agency", "partnership", "year_starting", "amount", "in_kind"]
    list_filter = ["partnership", "year_starting"]
    search_fields = ["agency__name", "partnership__name"]
    autocomplete_fields = ["partnership", "agency"]
    list_select_related = ["partnership", "agency"]


class YearlyReportSignOffInline(admin.TabularInline):
    model = YearlyReportSignOff
    extra = 0
    readonly_fields = ["partner_role", "agency", "signed_by", "signed_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # sign-off happens through the service, by the lead partners themselves


@admin.register(YearlyReport)
class YearlyReportAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "partnership", "status", "published_on", "sent_to_panel_on"]
    list_filter = ["status", "partnership"]
    search_fields = ["partnership__name"]
    date_hierarchy = "period_end"
    autocomplete_fields = ["partnership", "created_by"]
    list_select_related = ["partnership"]
    inlines = [YearlyReportSignOffInline]


class TrainingAttendanceInline(admin.TabularInline):
    model = TrainingAttendance
    extra = 0
    autocomplete_fields = ["agency"]


@admin.register(TrainingEvent)
class TrainingEventAdmin(SimpleHistoryAdmin):
    list_display = ["title", "partnership", "held_on", "theme", "attendees", "evaluation_score"]
    list_filter = ["theme", "partnership"]
    search_fields = ["title", "learning_from", "partnership__name"]
    date_hierarchy = "held_on"
    autocomplete_fields = ["partnership", "recommendation", "audience_agencies", "created_by"]
    list_select_related = ["partnership"]
    inlines = [TrainingAttendanceInline]
