from django.contrib import admin
from guardian.admin import GuardedModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from safeguarding.admin import ListedAtScaleMixin

from .models import (
    Audit,
    AuditAnswer,
    AuditCase,
    AuditQuestion,
    AuditReturn,
    AuditSample,
    ChallengeEvent,
    SelfAssessment,
    SelfAssessmentRound,
    Standard,
    StandardRating,
)


class AuditQuestionInline(admin.TabularInline):
    model = AuditQuestion
    extra = 0


class AuditSampleInline(admin.TabularInline):
    model = AuditSample
    extra = 0
    fields = ["seed", "size", "drawn", "created_by", "created_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Audit)
class AuditAdmin(GuardedModelAdmin, SimpleHistoryAdmin):
    list_display = ["title", "theme", "partnership", "return_due_on", "moderation_on"]
    list_filter = ["partnership", "theme"]
    search_fields = ["title", "theme"]
    autocomplete_fields = ["agencies"]
    raw_id_fields = ["follow_up_of", "created_by"]
    inlines = [AuditQuestionInline, AuditSampleInline]


@admin.register(AuditCase)
class AuditCaseAdmin(ListedAtScaleMixin, SimpleHistoryAdmin):
    list_display = ["reference", "audit", "agreed_grade", "moderated_at"]
    list_filter = ["agreed_grade", "audit__partnership"]
    search_fields = ["reference", "audit__title"]
    raw_id_fields = ["audit", "moderated_by"]


class AuditAnswerInline(admin.TabularInline):
    model = AuditAnswer
    extra = 0
    raw_id_fields = ["question"]


@admin.register(AuditReturn)
class AuditReturnAdmin(ListedAtScaleMixin, GuardedModelAdmin, SimpleHistoryAdmin):
    list_display = ["case", "agency", "audit", "grade", "status", "immediate_concern"]
    list_filter = ["status", "grade", "immediate_concern", "audit__partnership"]
    search_fields = ["case__reference", "agency__name", "audit__title"]
    raw_id_fields = ["audit", "case", "agency", "submitted_by"]
    list_select_related = ["case", "agency", "audit"]
    inlines = [AuditAnswerInline]


class StandardInline(admin.TabularInline):
    model = Standard
    extra = 0


@admin.register(SelfAssessmentRound)
class SelfAssessmentRoundAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "partnership", "kind", "year", "deadline"]
    list_filter = ["kind", "year", "partnership"]
    search_fields = ["partnership__name"]
    autocomplete_fields = ["agencies"]
    raw_id_fields = ["created_by"]
    inlines = [StandardInline]


class StandardRatingInline(admin.TabularInline):
    model = StandardRating
    extra = 0


@admin.register(SelfAssessment)
class SelfAssessmentAdmin(GuardedModelAdmin, SimpleHistoryAdmin):
    list_display = ["agency", "kind", "year", "status", "submitted_at"]
    list_filter = ["kind", "year", "status"]
    search_fields = ["agency__name"]
    raw_id_fields = ["agency", "carried_forward_from", "submitted_by"]
    inlines = [StandardRatingInline]


@admin.register(ChallengeEvent)
class ChallengeEventAdmin(SimpleHistoryAdmin):
    list_display = ["agency", "round", "held_on"]
    list_filter = ["round__kind", "round__year", "round__partnership"]
    search_fields = ["agency__name", "discussion", "challenges"]
    raw_id_fields = ["round", "agency", "created_by"]
