from rest_framework import serializers

from partnerships.models import Agency, Partnership
from safeguarding.api import VisiblePrimaryKeyRelatedField

from .. import selectors
from ..choices import Grade, Rating, ReturnStatus
from ..models import (
    Audit,
    AuditCase,
    AuditReturn,
    SelfAssessment,
    SelfAssessmentRound,
    StandardRating,
)
from ..services import MAX_QUESTION, MAX_REFERENCE, MAX_TITLE


class AuditCaseSerializer(serializers.ModelSerializer):
    # Declared so the schema says "" (not yet agreed) is a possible answer: DRF drops
    # allow_blank from read-only model fields.
    agreed_grade = serializers.ChoiceField(choices=Grade.choices, allow_blank=True, read_only=True)

    class Meta:
        model = AuditCase
        fields = ["id", "reference", "agreed_grade", "findings"]


class AuditSerializer(serializers.ModelSerializer):
    questions = serializers.SlugRelatedField(slug_field="text", many=True, read_only=True)

    class Meta:
        model = Audit
        fields = [
            "id",
            "partnership",
            "title",
            "theme",
            "scope",
            "agencies",
            "return_due_on",
            "moderation_on",
            "follow_up_of",
            "questions",
        ]
        read_only_fields = fields


class AuditDetailSerializer(AuditSerializer):
    """An audit with its cases; a scrutineer gets the findings without case references."""

    cases = serializers.SerializerMethodField()

    class Meta(AuditSerializer.Meta):
        fields = [*AuditSerializer.Meta.fields, "cases"]
        read_only_fields = fields

    def get_cases(self, audit) -> list[dict]:
        cases = AuditCaseSerializer(audit.cases.order_by("reference"), many=True).data
        if not selectors.sees_case_detail(self.context["request"].user, audit):
            for case in cases:
                case.pop("reference")
        return cases


class CaseReferenceSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=MAX_REFERENCE)


class AuditCreateSerializer(serializers.Serializer):
    partnership = VisiblePrimaryKeyRelatedField(queryset=Partnership.objects.all())
    title = serializers.CharField(max_length=MAX_TITLE)
    theme = serializers.CharField(max_length=100)
    scope = serializers.CharField(required=False, allow_blank=True, default="")
    agencies = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.all(), many=True, allow_empty=False
    )
    questions = serializers.ListField(
        child=serializers.CharField(max_length=MAX_QUESTION), required=False, default=list
    )
    return_due_on = serializers.DateField()
    moderation_on = serializers.DateField(required=False, allow_null=True, default=None)
    cases = CaseReferenceSerializer(many=True, required=False, default=list)


class AnswerSerializer(serializers.Serializer):
    question = serializers.IntegerField()
    answer = serializers.CharField(allow_blank=True)


class AuditReturnSerializer(serializers.ModelSerializer):
    grade = serializers.ChoiceField(choices=Grade.choices, allow_blank=True, read_only=True)
    case_reference = serializers.CharField(source="case.reference", read_only=True)
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    answers = serializers.SerializerMethodField()

    class Meta:
        model = AuditReturn
        fields = [
            "id",
            "audit",
            "case",
            "case_reference",
            "agency",
            "agency_name",
            "grade",
            "worked_well",
            "worries",
            "child_voice_heard",
            "family_feedback",
            "immediate_concern",
            "immediate_concern_details",
            "answers",
            "status",
            "submitted_at",
        ]
        read_only_fields = fields

    def get_answers(self, audit_return) -> list[dict]:
        return [{"question": a.question_id, "answer": a.answer} for a in audit_return.answers.all()]


class AuditReturnWriteSerializer(serializers.Serializer):
    audit = VisiblePrimaryKeyRelatedField(queryset=Audit.objects.all())
    case = serializers.PrimaryKeyRelatedField(queryset=AuditCase.objects.all())
    agency = serializers.PrimaryKeyRelatedField(queryset=Agency.objects.all())
    grade = serializers.ChoiceField(choices=Grade.choices, required=False, allow_blank=True)
    worked_well = serializers.CharField(required=False, allow_blank=True)
    worries = serializers.CharField(required=False, allow_blank=True)
    child_voice_heard = serializers.BooleanField(required=False, allow_null=True)
    family_feedback = serializers.CharField(required=False, allow_blank=True)
    immediate_concern = serializers.BooleanField(required=False)
    immediate_concern_details = serializers.CharField(required=False, allow_blank=True)
    answers = AnswerSerializer(many=True, required=False)
    status = serializers.ChoiceField(choices=ReturnStatus.choices, default=ReturnStatus.DRAFT)

    def validate(self, data):
        audit, case, agency = data["audit"], data["case"], data["agency"]
        if case.audit_id != audit.pk:
            raise serializers.ValidationError({"case": "This case is not in the audit."})
        if not audit.agencies.filter(pk=agency.pk).exists():
            raise serializers.ValidationError(
                {"agency": f"{agency} is not taking part in this audit."}
            )
        return data


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField()


class StandardRatingSerializer(serializers.ModelSerializer):
    class Meta:
        model = StandardRating
        fields = ["code", "title", "rating", "evidence", "action_plan", "carried_forward"]
        read_only_fields = ["title", "carried_forward"]


class SelfAssessmentSerializer(serializers.ModelSerializer):
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    ratings = StandardRatingSerializer(many=True, read_only=True)

    class Meta:
        model = SelfAssessment
        fields = [
            "id",
            "agency",
            "agency_name",
            "kind",
            "year",
            "status",
            "carried_forward_from",
            "submitted_at",
            "ratings",
        ]
        read_only_fields = fields


class SelfAssessmentInviteSerializer(serializers.Serializer):
    round = VisiblePrimaryKeyRelatedField(queryset=SelfAssessmentRound.objects.all())
    agency = serializers.PrimaryKeyRelatedField(queryset=Agency.objects.all())


class RatingInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=20)
    rating = serializers.ChoiceField(choices=Rating.choices, required=False, allow_blank=True)
    evidence = serializers.CharField(required=False, allow_blank=True)
    action_plan = serializers.CharField(required=False, allow_blank=True)


class RatingsSerializer(serializers.Serializer):
    ratings = RatingInputSerializer(many=True, required=False, default=list)
    submit = serializers.BooleanField(default=False)


class SelfAssessmentRoundSerializer(serializers.ModelSerializer):
    standards = serializers.SerializerMethodField()

    class Meta:
        model = SelfAssessmentRound
        fields = ["id", "partnership", "kind", "year", "deadline", "agencies", "standards"]
        read_only_fields = fields

    def get_standards(self, round_) -> list[dict]:
        return [{"code": s.code, "title": s.title} for s in round_.standards.all()]
