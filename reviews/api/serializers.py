from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from partnerships.models import Agency, Partnership

from ..choices import AbuseCategory, Decision, IncidentType, RapidReviewStatus
from ..models import AgencyReturn, IncidentChild, PracticeReview, RapidReview, SeriousIncident


class IncidentChildSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncidentChild
        fields = ["first_name", "last_name", "date_of_birth"]


class SeriousIncidentCreateSerializer(serializers.Serializer):
    partnership = serializers.PrimaryKeyRelatedField(queryset=Partnership.objects.all())
    local_authority = serializers.PrimaryKeyRelatedField(queryset=Agency.objects.all())
    home_local_authority = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.all(), required=False, allow_null=True
    )
    incident_type = serializers.ChoiceField(choices=IncidentType.choices)
    looked_after = serializers.BooleanField(default=False)
    categories = serializers.ListField(
        child=serializers.ChoiceField(choices=AbuseCategory.choices), allow_empty=False
    )
    children = IncidentChildSerializer(many=True, allow_empty=False)
    became_aware_on = serializers.DateField()
    summary = serializers.CharField()
    agencies_involved = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.all(), many=True, required=False
    )


class SeriousIncidentSerializer(serializers.ModelSerializer):
    """The pseudonymised case record; the children's details are added only for those allowed."""

    rapid_review = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = SeriousIncident
        fields = [
            "id",
            "reference",
            "partnership",
            "local_authority",
            "home_local_authority",
            "incident_type",
            "looked_after",
            "categories",
            "became_aware_on",
            "summary",
            "agencies_involved",
            "notification_due_on",
            "notified_on",
            "rapid_review",
        ]
        read_only_fields = fields


class NotificationSerializer(serializers.Serializer):
    notified_on = serializers.DateField()


class RapidReviewCreateSerializer(serializers.Serializer):
    incident = serializers.IntegerField()


class RapidReviewSerializer(serializers.ModelSerializer):
    """Timing fields come from `selectors.with_timing` and sign-offs from
    `selectors.with_sign_off_kinds`, each computed once per page."""

    reference = serializers.CharField(source="incident.reference", read_only=True)
    working_days_remaining = serializers.IntegerField(read_only=True, allow_null=True)
    rag = serializers.CharField(read_only=True, allow_null=True)
    on_time = serializers.BooleanField(read_only=True, allow_null=True)
    late_by = serializers.IntegerField(read_only=True, allow_null=True)
    by_extension = serializers.BooleanField(
        read_only=True,
        help_text="Submitted after its first 15 working days, by an agreed extended deadline.",
    )
    # Plain text in the schema: a `status` enum would clash with the actions' own `status`.
    status = serializers.CharField(
        read_only=True,
        help_text="One of, in order: " + ", ".join(RapidReviewStatus.values) + ".",
    )
    decision = serializers.SerializerMethodField()
    reasons = serializers.CharField(source="decision_reasons", read_only=True)
    signed_off_by = serializers.SerializerMethodField()

    class Meta:
        model = RapidReview
        fields = [
            "id",
            "incident",
            "reference",
            "partnership",
            "clock_started_on",
            "original_due_on",
            "due_on",
            "working_days_remaining",
            "rag",
            "returns_due_on",
            "status",
            "decision",
            "reasons",
            "decided_on",
            "signed_off_by",
            "submitted_on",
            "on_time",
            "late_by",
            "by_extension",
            "returns_shared",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=Decision.choices, allow_null=True))
    def get_decision(self, review) -> str | None:
        return review.decision or None  # null until decided

    def get_signed_off_by(self, review) -> list[str]:
        return review.signed_off_kinds  # from selectors.with_sign_off_kinds


class MeetingSerializer(serializers.Serializer):
    held_on = serializers.DateField()
    attendees = serializers.CharField(allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    immediate_safety_actions = serializers.CharField(required=False, allow_blank=True, default="")
    learning = serializers.CharField(required=False, allow_blank=True, default="")


class RapidReviewDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    reasons = serializers.CharField(required=False, allow_blank=True, default="")


class SubmitSerializer(serializers.Serializer):
    submitted_on = serializers.DateField()


class ExtensionSerializer(serializers.Serializer):
    new_due_on = serializers.DateField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class RecommendationSerializer(serializers.Serializer):
    owner_agency = serializers.PrimaryKeyRelatedField(queryset=Agency.objects.all())
    recommendation = serializers.CharField()
    title = serializers.CharField(max_length=200)
    due_on = serializers.DateField()


class AgencyReturnSerializer(serializers.ModelSerializer):
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    status = serializers.CharField(source="display_status", read_only=True)

    class Meta:
        model = AgencyReturn
        fields = [
            "id",
            "rapid_review",
            "agency",
            "agency_name",
            "due_on",
            "status",
            "chronology",
            "summary",
            "submitted_on",
        ]
        read_only_fields = fields


class AgencyReturnWriteSerializer(serializers.Serializer):
    chronology = serializers.CharField(required=False, allow_blank=True, default="")
    summary = serializers.CharField(required=False, allow_blank=True, default="")


class PracticeReviewSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="rapid_review.incident.reference", read_only=True)

    class Meta:
        model = PracticeReview
        fields = [
            "id",
            "rapid_review",
            "reference",
            "partnership",
            "decided_on",
            "target_publication_on",
            "reviewer",
            "sent_to_panel_on",
            "published_on",
            "learning_briefing",
        ]
        read_only_fields = fields
