from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from partnerships.choices import Sector
from partnerships.models import Agency, Partnership
from safeguarding.api import VisiblePrimaryKeyRelatedField

from ..choices import (
    CONSENT_WITHOUT,
    Category,
    Consent,
    Decision,
    EscalationResolution,
    EscalationTheme,
    QualityRating,
)
from ..models import Escalation, EscalationResponse, Referral, ReferralChild
from ..selectors import referrals_visible_to

CHILD_FIELDS = [
    "first_name",
    "last_name",
    "is_unborn",
    "date_of_birth",
    "expected_due_date",
    "address",
    "postcode",
    "school",
    "nhs_number",
]


class ReferralChildSerializer(serializers.ModelSerializer):
    """A child's identifying details: every response that carries them is in the access log."""

    class Meta:
        model = ReferralChild
        fields = ["id", *CHILD_FIELDS]


class ReferralChildInputSerializer(serializers.ModelSerializer):
    local_authority = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.filter(sector=Sector.LOCAL_AUTHORITY),
        help_text="The agency id of the council of the area the child lives in.",
    )

    class Meta:
        model = ReferralChild
        fields = [*CHILD_FIELDS, "local_authority"]
        extra_kwargs = {"nhs_number": {"required": False}}

    def validate(self, attrs):
        # The model's own rules (date of birth, due date, NHS check digit), with field messages.
        details = {k: v for k, v in attrs.items() if k != "local_authority"}
        try:
            ReferralChild(**details).full_clean(exclude=["referral"])
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from error
        return attrs


class ReferralSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    decision_due_by = serializers.DateField(source="decision_due_on", read_only=True)
    assessment_due_by = serializers.DateField(
        source="assessment_due_on",
        read_only=True,
        allow_null=True,
        help_text="The child and family assessment's due date: 45 working days after the "
        "referral was received, once the decision leads to an assessment.",
    )
    conference_due_by = serializers.DateField(
        source="conference_due_on",
        read_only=True,
        allow_null=True,
        help_text="The initial child protection conference's due date: 15 working days after "
        "the strategy discussion, once it is recorded.",
    )
    categories = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = [
            "id",
            "reference",
            "status",
            "partnership",
            "front_door",
            "referrer_agency",
            "received_at",
            "decision_due_by",
            "immediate_danger",
            "categories",
            "concerns",
            "consent",
            "reason_without_consent",
            "decision",
            "decision_reasons",
            "decided_at",
            "assessment_due_by",
            "assessment_completed_on",
            "strategy_discussion_on",
            "conference_due_by",
            "conference_held_on",
            "conference_not_needed_on",
            "conference_not_needed_reason",
        ]
        read_only_fields = fields

    def get_categories(self, referral) -> list[str]:
        return sorted(referral.category_values)


class ReferralDetailSerializer(ReferralSerializer):
    children = ReferralChildSerializer(many=True, read_only=True)

    class Meta(ReferralSerializer.Meta):
        fields = [*ReferralSerializer.Meta.fields, "children"]
        read_only_fields = fields


class ReferralCreateSerializer(serializers.Serializer):
    child = ReferralChildInputSerializer()
    concerns = serializers.CharField(
        error_messages={
            "blank": "Describe what you are worried about.",
            "required": "Describe what you are worried about.",
        }
    )
    categories = serializers.ListField(
        child=serializers.ChoiceField(choices=Category.choices), allow_empty=False
    )
    immediate_danger = serializers.BooleanField(default=False)
    consent = serializers.ChoiceField(choices=Consent.choices)
    reason_without_consent = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if attrs["consent"] in CONSENT_WITHOUT and not attrs["reason_without_consent"].strip():
            raise serializers.ValidationError(
                {
                    "reason_without_consent": [
                        "Give the lawful reason for sharing without the family's consent."
                    ]
                }
            )
        return attrs


class ReferralDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    reasons = serializers.CharField(error_messages={"blank": "Give the reasons for the decision."})
    quality_rating = serializers.ChoiceField(
        choices=QualityRating.choices, required=False, allow_blank=True, default=""
    )


class ReferralAssessmentSerializer(serializers.Serializer):
    completed_on = serializers.DateField(
        help_text="The day the child and family assessment was completed."
    )


class ReferralStrategyDiscussionSerializer(serializers.Serializer):
    held_on = serializers.DateField(help_text="The day the strategy discussion was held.")


class ReferralConferenceSerializer(serializers.Serializer):
    """The day the conference was held, or the day the enquiry concluded none was needed and
    why: one or the other."""

    held_on = serializers.DateField(required=False, allow_null=True, default=None)
    not_needed_on = serializers.DateField(required=False, allow_null=True, default=None)
    not_needed_reason = serializers.CharField(required=False, allow_blank=True, default="")


class EscalationResponseSerializer(serializers.ModelSerializer):
    class Meta:
        model = EscalationResponse
        fields = ["id", "stage", "agency", "text", "created_at"]
        read_only_fields = ["id", "stage", "agency", "created_at"]


class VisibleReferralField(serializers.PrimaryKeyRelatedField):
    """A referral the person can see: others do not exist for them.

    Worked out only when a referral is named (writes, the schema's choices), not for every list.
    """

    def get_queryset(self):
        return referrals_visible_to(self.context["request"].user)


class EscalationSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    referral = VisibleReferralField(required=False, allow_null=True)
    partnership = VisiblePrimaryKeyRelatedField(
        queryset=Partnership.objects.all(),
        required=False,
        allow_null=True,
        help_text="Where it is raised. Given by the referral when it is about one; otherwise "
        "needed only where the two agencies work together in more than one partnership.",
    )
    against_agency = serializers.PrimaryKeyRelatedField(queryset=Agency.objects.all())
    theme = serializers.ChoiceField(choices=EscalationTheme.choices, default=EscalationTheme.OTHER)
    responses = EscalationResponseSerializer(many=True, read_only=True)

    class Meta:
        model = Escalation
        fields = [
            "id",
            "reference",
            "partnership",
            "referral",
            "raised_by_agency",
            "against_agency",
            "decision_disputed",
            "reason",
            "outcome_sought",
            "theme",
            "stage",
            "stage_started_on",
            "stage_due_on",
            "status",
            "resolution",
            "resolution_notes",
            "resolved_at",
            "created_at",
            "responses",
        ]
        read_only_fields = [
            "raised_by_agency",
            "stage",
            "stage_started_on",
            "stage_due_on",
            "status",
            "resolution",
            "resolution_notes",
            "resolved_at",
            "created_at",
        ]


class EscalationResolveSerializer(serializers.Serializer):
    resolution = serializers.ChoiceField(choices=EscalationResolution.choices)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
