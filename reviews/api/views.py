import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action as route
from rest_framework.response import Response

from partnerships.api.serializers import ActionSerializer
from safeguarding import permissions
from safeguarding.access_log import record_access
from safeguarding.api import RestrictedQuerysetMixin
from safeguarding.pagination import KeysFirstPagination
from safeguarding.working_days import calendars_for

from .. import selectors, services
from ..filtersets import PracticeReviewFilterSet, RapidReviewFilterSet, SeriousIncidentFilterSet
from ..models import AgencyReturn, PracticeReview, RapidReview, SeriousIncident
from .serializers import (
    AgencyReturnSerializer,
    AgencyReturnWriteSerializer,
    ExtensionSerializer,
    IncidentChildSerializer,
    MeetingSerializer,
    NotificationSerializer,
    PracticeReviewSerializer,
    RapidReviewCreateSerializer,
    RapidReviewDecisionSerializer,
    RapidReviewSerializer,
    RecommendationSerializer,
    SeriousIncidentCreateSerializer,
    SeriousIncidentSerializer,
    SubmitSerializer,
)


class SeriousIncidentViewSet(
    RestrictedQuerysetMixin,
    mixins.CreateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Serious incidents: the pseudonymised record, the notification deadline and its date.

    The children's identifying details appear (and the read is logged) only for people allowed
    to identify them.
    """

    queryset = SeriousIncident.objects.select_related("rapid_review").prefetch_related(
        "agencies_involved"
    )
    serializer_class = SeriousIncidentSerializer
    filterset_class = SeriousIncidentFilterSet

    def get_serializer_class(self):
        return (
            SeriousIncidentCreateSerializer
            if self.action == "create"
            else super().get_serializer_class()
        )

    def _represent(self, incident, *, children: bool = True) -> dict:
        data = SeriousIncidentSerializer(incident).data
        calendar = calendars_for([incident.partnership_id])[incident.partnership_id]
        data["notification_late_by"] = services.notification_late_by(incident, calendar)
        visible = (
            list(selectors.children_visible_to(self.request.user, incident)) if children else []
        )
        if visible:
            record_access(self.request, visible)
            data["children"] = IncidentChildSerializer(visible, many=True).data
        return data

    @extend_schema(request=SeriousIncidentCreateSerializer, responses=SeriousIncidentSerializer)
    def create(self, request, *args, **kwargs):
        data = SeriousIncidentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = {"agencies_involved": [], **data.validated_data}
        incident = services.incident_create(by=request.user, **fields)
        return Response(self._represent(incident), status=status.HTTP_201_CREATED)

    def retrieve(self, request, *args, **kwargs):
        return Response(self._represent(self.get_object()))

    @extend_schema(request=NotificationSerializer, responses=SeriousIncidentSerializer)
    @route(detail=True, methods=["post"])
    def notification(self, request, pk=None):
        incident = self.get_object()
        permissions.require(request.user, permissions.CHANGE, incident)
        data = NotificationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.incident_record_notification(
            incident=incident, by=request.user, **data.validated_data
        )
        return Response(self._represent(incident, children=False))


class RapidReviewViewSet(
    RestrictedQuerysetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Rapid reviews on the 15-working-day clock, and the steps that move them on.

    Each step is `POST /rapid-reviews/{id}/<step>/`; a step taken out of order is refused with
    400 and a message saying what is missing.
    """

    # Joined only when the page's rows are read: a page's keys are read without it.
    queryset = RapidReview.objects.select_related("incident")
    serializer_class = RapidReviewSerializer
    filterset_class = RapidReviewFilterSet
    pagination_class = KeysFirstPagination

    def _respond(self, review, code=status.HTTP_200_OK):
        review = self.get_queryset().get(pk=review.pk)
        (review,) = selectors.with_sign_off_kinds(selectors.with_timing([review]))
        return Response(self.get_serializer(review).data, status=code)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(
            self.get_serializer(
                selectors.with_sign_off_kinds(selectors.with_timing(page)), many=True
            ).data
        )

    def retrieve(self, request, *args, **kwargs):
        return self._respond(self.get_object())

    @extend_schema(request=RapidReviewCreateSerializer, responses=RapidReviewSerializer)
    def create(self, request, *args, **kwargs):
        data = RapidReviewCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = permissions.get_visible_or_404(
            SeriousIncident.objects.all(), request.user, pk=data.validated_data["incident"]
        )
        permissions.require(request.user, permissions.CHANGE, incident)
        review = services.rapid_review_create(incident=incident, by=request.user)
        return self._respond(review, status.HTTP_201_CREATED)

    def _step(self, request, serializer_class, service, *, action=permissions.CHANGE, **extra):
        review = self.get_object()
        permissions.require(request.user, action, review)
        fields = {}
        if serializer_class is not None:
            data = serializer_class(data=request.data)
            data.is_valid(raise_exception=True)
            fields = data.validated_data
        result = service(review=review, by=request.user, **fields, **extra)
        return review, result

    @extend_schema(request=MeetingSerializer, responses=RapidReviewSerializer)
    @route(detail=True, methods=["post"])
    def meeting(self, request, pk=None):
        review, _ = self._step(request, MeetingSerializer, services.rapid_review_record_meeting)
        return self._respond(review)

    @extend_schema(request=RapidReviewDecisionSerializer, responses=RapidReviewSerializer)
    @route(detail=True, methods=["post"])
    def decision(self, request, pk=None):
        review, _ = self._step(request, RapidReviewDecisionSerializer, services.rapid_review_decide)
        return self._respond(review)

    @extend_schema(request=None, responses=RapidReviewSerializer)
    @route(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request, pk=None):
        # Any delegated safeguarding partner who can see the review may sign for their partner;
        # the service checks who they speak for.
        review, _ = self._step(
            request, None, services.rapid_review_sign_off, action=permissions.VIEW
        )
        return self._respond(review)

    @extend_schema(request=SubmitSerializer, responses=RapidReviewSerializer)
    @route(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        review, _ = self._step(request, SubmitSerializer, services.rapid_review_submit)
        return self._respond(review)

    @extend_schema(request=ExtensionSerializer, responses=RapidReviewSerializer)
    @route(detail=True, methods=["post"])
    def extensions(self, request, pk=None):
        review, _ = self._step(request, ExtensionSerializer, services.rapid_review_extend)
        return self._respond(review)

    @extend_schema(request=None, responses=RapidReviewSerializer)
    @route(detail=True, methods=["post"], url_path="share-returns")
    def share_returns(self, request, pk=None):
        review, _ = self._step(request, None, services.rapid_review_share_returns)
        return self._respond(review)

    @extend_schema(request=RecommendationSerializer, responses=ActionSerializer)
    @route(detail=True, methods=["post"])
    def recommendations(self, request, pk=None):
        _, action = self._step(request, RecommendationSerializer, services.recommendation_add)
        return Response(ActionSerializer(action).data, status=status.HTTP_201_CREATED)


class AgencyReturnApiFilterSet(django_filters.FilterSet):
    # By key: a choice of rapid reviews would offer (and name) every one in the country.
    rapid_review = django_filters.NumberFilter()

    class Meta:
        model = AgencyReturn
        fields = ["rapid_review", "agency"]


class AgencyReturnViewSet(RestrictedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Agencies' returns to rapid review information requests: drafts, then submission."""

    queryset = AgencyReturn.objects.select_related("agency")
    serializer_class = AgencyReturnSerializer
    filterset_class = AgencyReturnApiFilterSet

    def _save(self, request, *, submit: bool):
        agency_return = self.get_object()
        permissions.require(request.user, permissions.CHANGE, agency_return)
        data = AgencyReturnWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.agency_return_save(
            agency_return=agency_return, by=request.user, submit=submit, **data.validated_data
        )
        return Response(AgencyReturnSerializer(agency_return).data)

    @extend_schema(request=AgencyReturnWriteSerializer, responses=AgencyReturnSerializer)
    @route(detail=True, methods=["post"])
    def draft(self, request, pk=None):
        return self._save(request, submit=False)

    @extend_schema(request=AgencyReturnWriteSerializer, responses=AgencyReturnSerializer)
    @route(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._save(request, submit=True)


class PracticeReviewViewSet(RestrictedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Local child safeguarding practice reviews; scrutineers see the published ones."""

    queryset = PracticeReview.objects.select_related("rapid_review__incident")
    serializer_class = PracticeReviewSerializer
    filterset_class = PracticeReviewFilterSet
