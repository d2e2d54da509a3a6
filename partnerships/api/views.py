import django_filters
from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action as route
from rest_framework.response import Response

from safeguarding import permissions
from safeguarding.api import RestrictedQuerysetMixin
from safeguarding.pagination import PositionPagination

from .. import indicators, selectors, services, yearly_report
from ..choices import ActionStatus, Role, Sector, YearlyReportStatus
from ..models import Action, Agency, Partnership, ScrutinyChallenge, YearlyReport
from .serializers import (
    ActionProgressSerializer,
    ActionSerializer,
    AgencySerializer,
    IndicatorPeriodSerializer,
    PartnershipSerializer,
    ScrutinyChallengeSerializer,
    ScrutinyResponseSerializer,
    YearlyReportDetailSerializer,
    YearlyReportEditSerializer,
    YearlyReportSerializer,
)


class PartnershipApiFilterSet(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__name", lookup_expr="iexact")

    class Meta:
        model = Partnership
        fields = ["region"]


class AgencyApiFilterSet(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")
    sector = django_filters.ChoiceFilter(choices=Sector.choices)
    partnership = django_filters.NumberFilter(
        method="filter_partnership", label="Members of this partnership now"
    )

    class Meta:
        model = Agency
        fields = ["name", "sector", "partnership"]

    def filter_partnership(self, queryset, name, value):
        return queryset.filter(pk__in=selectors.current_members_of(value))


class PartnershipViewSet(RestrictedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Partnerships you belong to, with their safeguarding partners, how many relevant agencies
    they have and where those are listed (`/agencies/?partnership=`, a page at a time)."""

    queryset = selectors.partnerships_with_partner_seats()
    serializer_class = PartnershipSerializer
    filterset_class = PartnershipApiFilterSet

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "indicators":
            return queryset.prefetch_related(None)  # the figures need the partnership alone
        return queryset.annotate(relevant_agency_count=selectors.relevant_agency_count())

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, required=True),
            OpenApiParameter("to", OpenApiTypes.DATE, required=True),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    @route(detail=True, methods=["get"])
    def indicators(self, request, pk=None):
        """The interagency indicators for a period, by quarter: aggregates only."""
        partnership = self.get_object()
        selectors.require_indicator_reader(request.user, partnership)
        query = IndicatorPeriodSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(indicators.indicators_for(partnership, query.period))


class AgencyViewSet(RestrictedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """The agency directory: public names, sectors, identifiers and partnership memberships."""

    queryset = Agency.objects.prefetch_related(
        Prefetch("memberships", queryset=selectors.current_memberships())
    ).order_by("name", "pk")
    serializer_class = AgencySerializer
    filterset_class = AgencyApiFilterSet


class ActionApiFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ActionStatus.choices)
    overdue = django_filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = Action
        fields = ["partnership", "owner_agency", "status", "overdue"]

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue() if value else queryset.exclude(pk__in=queryset.overdue())


class SoonestDueFirst(PositionPagination):
    """Pages by position in due order, not by number: a large partnership's business team sees
    tens of thousands of actions, and numbered pages would count them all on every page. The
    `action_due_order` index holds the order and what decides who sees each row, so a page is
    read from the index until 50 visible actions are found."""

    ordering = ("due_on", "pk")


class ActionViewSet(RestrictedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Actions agencies own because of learning, with their status and evidence, soonest due
    first. Pages follow `next` and `previous` links; there is no total count."""

    queryset = Action.objects.select_related("owner_agency", "source_type")
    serializer_class = ActionSerializer
    filterset_class = ActionApiFilterSet
    pagination_class = SoonestDueFirst

    @extend_schema(request=ActionProgressSerializer, responses=ActionSerializer)
    @route(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        action = self.get_object()
        permissions.require(request.user, permissions.CHANGE, action)
        data = ActionProgressSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.action_update_progress(action=action, by=request.user, **data.validated_data)
        return Response(ActionSerializer(action).data)


class ScrutinyChallengeViewSet(
    RestrictedQuerysetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Independent scrutiny's findings and challenges, and the responses to them."""

    queryset = ScrutinyChallenge.objects.select_related("addressed_to")
    serializer_class = ScrutinyChallengeSerializer
    filterset_fields = ["partnership", "addressed_to", "kind"]

    def create(self, request, *args, **kwargs):
        data = ScrutinyChallengeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        partnership = data.validated_data["partnership"]
        if not permissions.has_role(request.user, partnership, Role.INDEPENDENT_SCRUTINEER):
            raise exceptions.PermissionDenied("Only the partnership's scrutineer records these.")
        challenge = services.scrutiny_challenge_create(by=request.user, **data.validated_data)
        return Response(ScrutinyChallengeSerializer(challenge).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ScrutinyResponseSerializer, responses=ScrutinyChallengeSerializer)
    @route(detail=True, methods=["post"])
    def respond(self, request, pk=None):
        challenge = self.get_object()
        permissions.require(request.user, permissions.CHANGE, challenge)
        data = ScrutinyResponseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        challenge = services.scrutiny_challenge_respond(
            challenge=challenge, by=request.user, **data.validated_data
        )
        return Response(ScrutinyChallengeSerializer(challenge).data)


class YearlyReportApiFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=YearlyReportStatus.choices)

    class Meta:
        model = YearlyReport
        fields = ["partnership", "status"]


class YearlyReportViewSet(
    RestrictedQuerysetMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """The partnership's yearly reports: the partners, the business team and the scrutineer
    read them (aggregates only, never a child's identity); the business team writes the
    narratives with PATCH while the report is a draft."""

    queryset = YearlyReport.objects.select_related("partnership").prefetch_related(
        "sign_offs__agency", "sign_offs__signed_by"
    )
    serializer_class = YearlyReportSerializer
    filterset_class = YearlyReportApiFilterSet
    http_method_names = ["get", "patch", "head", "options"]

    def get_serializer_class(self):
        return YearlyReportSerializer if self.action == "list" else YearlyReportDetailSerializer

    def detail_response(self, report):
        context = {**self.get_serializer_context(), "sections": yearly_report.sections_for(report)}
        return Response(YearlyReportDetailSerializer(report, context=context).data)

    def retrieve(self, request, *args, **kwargs):
        return self.detail_response(self.get_object())

    @extend_schema(request=YearlyReportEditSerializer, responses=YearlyReportDetailSerializer)
    def partial_update(self, request, *args, **kwargs):
        """Write or change section narratives and the young person-friendly summary."""
        report = self.get_object()
        permissions.require(request.user, permissions.CHANGE, report)
        data = YearlyReportEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.yearly_report_edit(
            report=report,
            narratives=data.validated_data.get("narratives", {}),
            young_people_summary=data.validated_data.get(
                "young_people_summary", report.young_people_summary
            ),
            by=request.user,
        )
        return self.detail_response(self.get_object())
