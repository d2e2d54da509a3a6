from rest_framework import serializers

from ..choices import ActionStatus, MembershipRole
from ..indicators import Period
from ..models import Action, Agency, Membership, Partnership, ScrutinyChallenge


class AgencySummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "name"]


class PartnershipMemberSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="agency_id")
    name = serializers.CharField(source="agency.name")
    sector = serializers.CharField(source="agency.sector")

    class Meta:
        model = Membership
        fields = ["id", "name", "sector", "role"]


class PartnershipSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.name")
    local_authorities = serializers.SerializerMethodField()
    is_constituted = serializers.BooleanField()
    members = PartnershipMemberSerializer(source="memberships", many=True)

    class Meta:
        model = Partnership
        fields = ["id", "name", "region", "local_authorities", "is_constituted", "members"]

    def get_local_authorities(self, partnership) -> list[dict]:
        return [
            {"id": m.agency_id, "name": m.agency.name}
            for m in partnership.memberships.all()
            if m.role == MembershipRole.LOCAL_AUTHORITY_PARTNER
        ]


class AgencyMembershipSerializer(serializers.ModelSerializer):
    partnership_name = serializers.CharField(source="partnership.name")

    class Meta:
        model = Membership
        fields = ["partnership", "partnership_name", "role"]


class AgencySerializer(serializers.ModelSerializer):
    memberships = AgencyMembershipSerializer(many=True)
    is_active = serializers.BooleanField()

    class Meta:
        model = Agency
        fields = [
            "id",
            "name",
            "sector",
            "urn",
            "ods_code",
            "gss_code",
            "is_active",
            "active_from",
            "active_until",
            "memberships",
        ]


class ActionSerializer(serializers.ModelSerializer):
    owner_agency_name = serializers.CharField(source="owner_agency.name", read_only=True)
    source_type = serializers.SerializerMethodField()
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Action
        fields = [
            "id",
            "partnership",
            "owner_agency",
            "owner_agency_name",
            "source_type",
            "source_id",
            "recommendation",
            "title",
            "description",
            "due_on",
            "status",
            "is_overdue",
            "completed_on",
            "evidence_of_completion",
            "evidence_of_impact",
        ]
        read_only_fields = fields

    def get_source_type(self, action) -> str | None:
        return action.source_type.model if action.source_type_id else None


class ActionProgressSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ActionStatus.choices)
    completed_on = serializers.DateField(required=False, allow_null=True)
    evidence_of_completion = serializers.CharField(required=False, allow_blank=True)
    evidence_of_impact = serializers.CharField(required=False, allow_blank=True)


class IndicatorPeriodSerializer(serializers.Serializer):
    """`?from=YYYY-MM-DD&to=YYYY-MM-DD`: the period indicators are counted over."""

    MAX_DAYS = 5 * 366

    def get_fields(self):
        # "from" is a Python keyword, so the fields are declared here rather than as attributes.
        return {"from": serializers.DateField(), "to": serializers.DateField()}

    def validate(self, attrs):
        start, end = attrs["from"], attrs["to"]
        if end < start:
            raise serializers.ValidationError(
                {"to": "The end of the period must be after its start."}
            )
        if (end - start).days > self.MAX_DAYS:
            raise serializers.ValidationError({"to": "Choose a period of five years or less."})
        return attrs

    @property
    def period(self) -> Period:
        return Period(self.validated_data["from"], self.validated_data["to"])


class ScrutinyChallengeSerializer(serializers.ModelSerializer):
    addressed_to_name = serializers.CharField(source="addressed_to.name", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = ScrutinyChallenge
        fields = [
            "id",
            "partnership",
            "kind",
            "addressed_to",
            "addressed_to_name",
            "title",
            "detail",
            "response_due_on",
            "raised_at",
            "response",
            "responded_at",
            "escalated_at",
            "is_overdue",
        ]
        read_only_fields = ["raised_at", "response", "responded_at", "escalated_at"]


class ScrutinyResponseSerializer(serializers.Serializer):
    response = serializers.CharField()
