import django_filters
from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action as route
from rest_framework.response import Response

from partnerships.choices import Role
from safeguarding import permissions
from safeguarding.api import RestrictedQuerysetMixin
from safeguarding.pagination import PositionPagination

from .. import selectors, services
from ..choices import Grade, ReturnStatus, SelfAssessmentKind
from ..models import Audit, AuditReturn, SelfAssessment, SelfAssessmentRound
from .serializers import (
    AuditCreateSerializer,
    AuditDetailSerializer,
    AuditReturnSerializer,
    AuditReturnWriteSerializer,
    AuditSerializer,
    RatingsSerializer,
    ReopenSerializer,
    SelfAssessmentInviteSerializer,
    SelfAssessmentRoundSerializer,
    SelfAssessmentSerializer,
    StandardRatingSerializer,
)


class AuditApiFilterSet(django_filters.FilterSet):
    theme = django_filters.CharFilter()

    class Meta:
        model = Audit
        fields = ["partnership", "theme"]


class AuditViewSet(
    RestrictedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Case file audits: the business team starts them; each agency sees those it is part of."""

    queryset = Audit.objects.prefetch_related("agencies", "questions")
    filterset_class = AuditApiFilterSet

    def get_serializer_class(self):
        return AuditDetailSerializer if self.action == "retrieve" else AuditSerializer

    @extend_schema(request=AuditCreateSerializer, responses={201: AuditDetailSerializer})
    def create(self, request):
        data = AuditCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if not permissions.has_role(request.user, fields["partnership"], Role.BUSINESS_TEAM):
            raise PermissionDenied("Only the partnership's business team can start an audit.")
        references = [case["reference"] for case in fields.pop("cases")]
        audit = services.audit_create(by=request.user, references=references, **fields)
        body = AuditDetailSerializer(audit, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @route(detail=True, methods=["get"])
    def results(self, request, pk=None):
        """Submitted grades by agency and overall, agreed grades, and the previous audit's."""
        return Response(selectors.audit_results(self.get_object(), request.user).as_dict())


class AuditReturnApiFilterSet(django_filters.FilterSet):
    # By key: a choice of audits and cases would offer (and name) every one in the country.
    audit = django_filters.NumberFilter()
    case = django_filters.NumberFilter()
    grade = django_filters.ChoiceFilter(choices=Grade.choices)
    status = django_filters.ChoiceFilter(choices=ReturnStatus.choices)

    class Meta:
        model = AuditReturn
        fields = ["audit", "case", "agency", "grade", "status", "immediate_concern"]


class NewestAuditFirst(PositionPagination):
    """Pages by position, not by number: a business team sees the returns of hundreds of
    audits, and numbered pages would count every one of them on every page."""

    ordering = ("-audit_id", "case_id", "agency_id")


class AuditReturnViewSet(
    RestrictedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Agencies' returns on audited cases, the newest audit's first. Pages follow `next` and
    `previous` links; there is no total count. POST saves your agency's draft or submits it."""

    queryset = AuditReturn.objects.select_related("case", "agency").prefetch_related("answers")
    serializer_class = AuditReturnSerializer
    filterset_class = AuditReturnApiFilterSet
    pagination_class = NewestAuditFirst

    @extend_schema(request=AuditReturnWriteSerializer, responses={201: AuditReturnSerializer})
    def create(self, request):
        data = AuditReturnWriteSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        agency = fields.pop("agency")
        if agency.pk != request.user.agency_id and not request.user.is_superuser:
            raise PermissionDenied("You can only make returns for your own agency.")
        audit_return = AuditReturn.objects.get(case=fields.pop("case"), agency=agency)
        permissions.require(request.user, permissions.CHANGE, audit_return)
        fields.pop("audit")
        submit = fields.pop("status") == ReturnStatus.SUBMITTED
        answers = {a["question"]: a["answer"] for a in fields.pop("answers", [])}
        services.audit_return_save(
            audit_return=audit_return, by=request.user, submit=submit, answers=answers, **fields
        )
        audit_return = self.get_queryset().get(pk=audit_return.pk)
        return Response(AuditReturnSerializer(audit_return).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReopenSerializer, responses=AuditReturnSerializer)
    @route(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        audit_return = self.get_object()
        permissions.require(request.user, permissions.CHANGE, audit_return.audit)
        data = ReopenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.audit_return_reopen(
            audit_return=audit_return, by=request.user, reason=data.validated_data["reason"]
        )
        audit_return.refresh_from_db()
        return Response(AuditReturnSerializer(audit_return).data)


class SelfAssessmentApiFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=SelfAssessmentKind.choices)
    status = django_filters.ChoiceFilter(choices=ReturnStatus.choices)

    class Meta:
        model = SelfAssessment
        fields = ["agency", "kind", "year", "status"]


class SelfAssessmentViewSet(
    RestrictedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Section 11 / 175 self-assessments: one per agency, kind and year, shared by partnerships."""

    queryset = (
        SelfAssessment.objects.select_related("agency")
        .prefetch_related("ratings")
        .order_by("-year", "agency__name", "kind")
    )
    serializer_class = SelfAssessmentSerializer
    filterset_class = SelfAssessmentApiFilterSet

    @extend_schema(
        request=SelfAssessmentInviteSerializer, responses={201: SelfAssessmentSerializer}
    )
    def create(self, request):
        """Invite an agency to a round: its self-assessment for the year, shared if it exists."""
        data = SelfAssessmentInviteSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        round_ = data.validated_data["round"]
        permissions.require(request.user, permissions.CHANGE, round_)
        assessment = services.self_assessment_invite(
            round_=round_, agency=data.validated_data["agency"]
        )
        assessment = self.get_queryset().get(pk=assessment.pk)
        return Response(SelfAssessmentSerializer(assessment).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["get"], responses=StandardRatingSerializer(many=True), request=None)
    @extend_schema(methods=["post"], request=RatingsSerializer, responses=SelfAssessmentSerializer)
    @route(detail=True, methods=["get", "post"])
    def ratings(self, request, pk=None):
        """The ratings per standard; POST saves some or all of them, and submits when asked."""
        assessment = self.get_object()
        if request.method == "GET":
            return Response(StandardRatingSerializer(assessment.ratings.all(), many=True).data)
        permissions.require(request.user, permissions.CHANGE, assessment)
        data = RatingsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ratings = {r.pop("code"): r for r in data.validated_data["ratings"]}
        services.self_assessment_save(
            assessment=assessment,
            by=request.user,
            ratings=ratings,
            submit=data.validated_data["submit"],
        )
        assessment = self.get_queryset().get(pk=assessment.pk)
        return Response(SelfAssessmentSerializer(assessment).data)


class SelfAssessmentRoundViewSet(RestrictedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Yearly self-assessment rounds of your partnerships, with their standards."""

    queryset = SelfAssessmentRound.objects.prefetch_related("agencies", "standards")
    serializer_class = SelfAssessmentRoundSerializer
    filterset_fields = ["partnership", "kind", "year"]
