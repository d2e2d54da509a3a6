import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from safeguarding.access_log import record_access
from safeguarding.api import RestrictedQuerysetMixin
from safeguarding.pagination import PositionPagination

from .. import services
from ..choices import Category, Decision, EscalationStatus, ReferralStatus
from ..models import Escalation, Referral, ReferralCategory
from ..selectors import with_categories
from .serializers import (
    EscalationResolveSerializer,
    EscalationResponseSerializer,
    EscalationSerializer,
    ReferralAssessmentSerializer,
    ReferralConferenceSerializer,
    ReferralCreateSerializer,
    ReferralDecisionSerializer,
    ReferralDetailSerializer,
    ReferralSerializer,
    ReferralStrategyDiscussionSerializer,
)

# What each of a referral's actions takes (the others answer with the referral).
ACTION_SERIALIZERS = {
    "create": ReferralCreateSerializer,
    "decision": ReferralDecisionSerializer,
    "assessment": ReferralAssessmentSerializer,
    "strategy_discussion": ReferralStrategyDiscussionSerializer,
    "conference": ReferralConferenceSerializer,
}


class ReferralApiFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ReferralStatus.choices)
    decision = django_filters.ChoiceFilter(choices=Decision.choices)
    category = django_filters.ChoiceFilter(choices=Category.choices, method="filter_category")
    front_door = django_filters.NumberFilter()
    received_after = django_filters.DateFilter(field_name="received_at", lookup_expr="date__gte")

    class Meta:
        model = Referral
        fields = ["status", "decision", "category", "front_door", "received_after"]

    def filter_category(self, queryset, name, value):
        return queryset.filter(
            pk__in=ReferralCategory.objects.filter(category=value).values("referral_id")
        )


class NewestReceivedFirst(PositionPagination):
    """Pages by position in the newest-first order, not by number: a front door's list spans
    hundreds of thousands of referrals, and numbered pages would count them all on every page.
    """

    ordering = ("-received_at", "-pk")


class ReferralViewSet(
    RestrictedQuerysetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Referrals you made, your agency's (as its safeguarding lead), or your front door's.

    Creating one sends it at once to the front door of the child's local authority.
    """

    queryset = Referral.objects.exclude(status=ReferralStatus.DRAFT)
    filterset_class = ReferralApiFilterSet
    pagination_class = NewestReceivedFirst

    def get_queryset(self):
        return with_categories(super().get_queryset())

    def get_serializer_class(self):
        if self.action == "list":
            return ReferralSerializer
        return ACTION_SERIALIZERS.get(self.action, ReferralDetailSerializer)

    def detail_response(self, referral, status_code=status.HTTP_200_OK):
        referral = self.get_queryset().prefetch_related("children").get(pk=referral.pk)
        record_access(self.request, referral.children.all())
        return Response(ReferralDetailSerializer(referral).data, status=status_code)

    def retrieve(self, request, *args, **kwargs):
        return self.detail_response(self.get_object())

    @extend_schema(request=ReferralCreateSerializer, responses={201: ReferralDetailSerializer})
    def create(self, request, *args, **kwargs):
        serializer = ReferralCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        child = dict(data.pop("child"))
        referral = services.referral_create(
            referrer=request.user,
            local_authority=child.pop("local_authority"),
            child=child,
            **data,
        )
        return self.detail_response(referral, status.HTTP_201_CREATED)

    @extend_schema(request=ReferralDecisionSerializer, responses={200: ReferralDetailSerializer})
    @action(detail=True, methods=["post"])
    def decision(self, request, pk=None):
        """The front door of the child's local authority decides; anyone else is refused."""
        referral = self.get_object()
        serializer = ReferralDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.referral_decide(referral=referral, by=request.user, **serializer.validated_data)
        return self.detail_response(referral)

    def record(self, request, service):
        """What followed the decision, recorded by the referral's front door (403 for others
        who see the referral); mistakes answer 400 with a message for each field."""
        referral = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        service(referral=referral, by=request.user, **serializer.validated_data)
        return self.detail_response(referral)

    @extend_schema(request=ReferralAssessmentSerializer, responses={200: ReferralDetailSerializer})
    @action(detail=True, methods=["post"])
    def assessment(self, request, pk=None):
        """The day the child and family assessment was completed: once, from the day the
        referral was received to today."""
        return self.record(request, services.referral_assessment_record)

    @extend_schema(
        request=ReferralStrategyDiscussionSerializer, responses={200: ReferralDetailSerializer}
    )
    @action(detail=True, methods=["post"], url_path="strategy-discussion")
    def strategy_discussion(self, request, pk=None):
        """The day of the strategy discussion: once, for a strategy discussion decision. The
        conference is then due 15 working days after it (`conference_due_by`)."""
        return self.record(request, services.referral_strategy_discussion_record)

    @extend_schema(request=ReferralConferenceSerializer, responses={200: ReferralDetailSerializer})
    @action(detail=True, methods=["post"])
    def conference(self, request, pk=None):
        """The initial child protection conference: `held_on`, or `not_needed_on` with
        `not_needed_reason`; once, after the strategy discussion has been recorded."""
        return self.record(request, services.referral_conference_record)


class EscalationApiFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=EscalationStatus.choices)
    stage = django_filters.NumberFilter()
    referral = django_filters.NumberFilter()

    class Meta:
        model = Escalation
        fields = ["status", "stage", "referral"]


class NewestRaisedFirst(PositionPagination):
    """Pages by position, newest first: an agency's safeguarding lead sees every disagreement its
    staff raised and every one raised against it, and numbered pages would count them all on
    every page."""

    ordering = ("-created_at", "-pk")


class EscalationViewSet(
    RestrictedQuerysetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Professional disagreements you raised, or that have reached you, stage by stage."""

    queryset = Escalation.objects.prefetch_related("responses")
    serializer_class = EscalationSerializer
    filterset_class = EscalationApiFilterSet
    pagination_class = NewestRaisedFirst

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.escalation_create(raised_by=self.request.user, **data)

    @extend_schema(
        request=EscalationResponseSerializer, responses={201: EscalationResponseSerializer}
    )
    @action(detail=True, methods=["post"])
    def respond(self, request, pk=None):
        escalation = self.get_object()
        serializer = EscalationResponseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        response = services.escalation_respond(
            escalation=escalation, by=request.user, text=serializer.validated_data["text"]
        )
        return Response(EscalationResponseSerializer(response).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: EscalationSerializer})
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        """The raiser takes an unresolved disagreement to the next stage now."""
        escalation = services.escalation_escalate(escalation=self.get_object(), by=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=escalation.pk)).data)

    @extend_schema(request=EscalationResolveSerializer, responses={200: EscalationSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        escalation = self.get_object()
        serializer = EscalationResolveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.escalation_resolve(
            escalation=escalation, by=request.user, **serializer.validated_data
        )
        escalation = self.get_queryset().get(pk=escalation.pk)
        return Response(self.get_serializer(escalation).data)
