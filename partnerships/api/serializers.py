from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..choices import ActionStatus, MembershipRole, ReportSection
from ..indicators import Period, period_date_errors
from ..models import (
    Action,
    Agency,
    Membership,
    Partnership,
    ScrutinyChallenge,
    YearlyReport,
    YearlyReportSignOff,
)
from ..yearly_report import Figure


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
    partners = PartnershipMemberSerializer(source="partner_seats", many=True)
    relevant_agency_count = serializers.IntegerField()
    agencies = serializers.SerializerMethodField()

    class Meta:
        model = Partnership
        fields = [
            "id",
            "name",
            "region",
            "local_authorities",
            "is_constituted",
            "partners",
            "relevant_agency_count",
            "agencies",
        ]

    def get_local_authorities(self, partnership) -> list[dict]:
        return [
            {"id": seat.agency_id, "name": seat.agency.name}
            for seat in partnership.partner_seats
            if seat.role == MembershipRole.LOCAL_AUTHORITY_PARTNER
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_agencies(self, partnership) -> str:
        """Where its member agencies are listed, a page at a time: hundreds in a large one."""
        url = f"{reverse('agency-list')}?partnership={partnership.pk}"
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


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
        outside = period_date_errors(start, end)
        if outside:
            raise serializers.ValidationError(
                {{"start": "from", "end": "to"}[name]: message for name, message in outside.items()}
            )
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


# ---------------------------------------------------------------------------
# The yearly report

# The longest narrative one section takes.
NARRATIVE_MAX_LENGTH = 20_000


@extend_schema_field({"type": "number", "nullable": True})
class FigureValueField(serializers.Field):
    """A count, percentage, amount or score as a JSON number; null when there is no figure."""

    def to_representation(self, value):
        if value is None or isinstance(value, int):
            return value
        return float(value)


class ReportFigureSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = FigureValueField(help_text="null when there is nothing to measure.")
    kind = serializers.ChoiceField(choices=Figure.KINDS)
    display = serializers.CharField(help_text="As printed in the report, e.g. '87.5%', '£1.00'.")


class ReportSectionSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=ReportSection.choices)
    title = serializers.CharField()
    figures = ReportFigureSerializer(many=True)
    items = serializers.ListField(child=serializers.CharField())
    narrative = serializers.CharField()


class YearlyReportSignOffSerializer(serializers.ModelSerializer):
    agency_name = serializers.CharField(source="agency.name")
    signed_by_name = serializers.SerializerMethodField()

    class Meta:
        model = YearlyReportSignOff
        fields = ["partner_role", "agency", "agency_name", "signed_by_name", "signed_at"]

    def get_signed_by_name(self, sign_off) -> str:
        return str(sign_off.signed_by)


class YearlyReportSerializer(serializers.ModelSerializer):
    """A report's period, status, sign-offs and dates: what the list shows."""

    partnership_name = serializers.CharField(source="partnership.name")
    sign_offs = YearlyReportSignOffSerializer(many=True)
    sending_due_on = serializers.DateField(
        allow_null=True, help_text="7 days after publication: due with the Panel and What Works."
    )

    class Meta:
        model = YearlyReport
        fields = [
            "id",
            "partnership",
            "partnership_name",
            "period_start",
            "period_end",
            "status",
            "sign_offs",
            "published_on",
            "sending_due_on",
            "sent_to_panel_on",
            "sent_to_what_works_on",
        ]
        read_only_fields = fields


class NarrativesSerializer(serializers.Serializer):
    """A narrative for any of the report's sections; sections left out keep theirs."""

    def get_fields(self):
        return {
            key: serializers.CharField(
                required=False,
                allow_blank=True,
                max_length=NARRATIVE_MAX_LENGTH,
                trim_whitespace=False,
                help_text=label,
            )
            for key, label in ReportSection.choices
        }

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(ReportSection.values))
            if unknown:
                raise serializers.ValidationError(
                    {key: ["There is no such section of the report."] for key in unknown}
                )
        return super().to_internal_value(data)


class YearlyReportDetailSerializer(YearlyReportSerializer):
    """The whole report: each section's generated figures and items beside its narrative."""

    narratives = NarrativesSerializer(read_only=True)
    sections = serializers.SerializerMethodField()

    class Meta(YearlyReportSerializer.Meta):
        fields = [
            *YearlyReportSerializer.Meta.fields,
            "narratives",
            "young_people_summary",
            "sections",
        ]
        read_only_fields = fields

    @extend_schema_field(ReportSectionSerializer(many=True))
    def get_sections(self, report):
        return ReportSectionSerializer(self.context["sections"], many=True).data


class YearlyReportEditSerializer(serializers.Serializer):
    """What the business team may change while the report is a draft."""

    narratives = NarrativesSerializer(required=False)
    young_people_summary = serializers.CharField(
        required=False, allow_blank=True, max_length=NARRATIVE_MAX_LENGTH
    )

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(
                {"non_field_errors": ["Send narratives or young_people_summary to change."]}
            )
        return attrs
