"""API foundations: restricted viewsets, the error handler, and the working-day calculator."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from . import permissions
from .working_days import MAX_DAYS, WorkingDayCalendar, check_start_in_range


def exception_handler(exc, context):
    """Services raise Django's ValidationError; the API answers it as 400 with field messages."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"non_field_errors": exc.messages})
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)


class RestrictedQuerysetMixin:
    """Every object a viewset reads comes through the permission layer: unseen objects 404."""

    lookup_value_regex = "[0-9]+"  # ids are numbers: anything else is simply not found

    def get_queryset(self):
        return permissions.restrict(super().get_queryset(), self.request.user, permissions.VIEW)


class VisiblePrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id of a record the requesting person can see; any other id is "does not exist"."""

    def get_queryset(self):
        return permissions.restrict(super().get_queryset(), self.context["request"].user)


class WorkingDaysQuerySerializer(serializers.Serializer):
    start = serializers.DateField()
    days = serializers.IntegerField(min_value=0, max_value=MAX_DAYS)
    partnership = serializers.IntegerField(required=False)

    def validate_start(self, value):
        try:
            check_start_in_range(value)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None
        return value


class WorkingDaysView(APIView):
    """N working days after a date, skipping weekends, bank holidays and closure days."""

    @extend_schema(
        parameters=[
            OpenApiParameter("start", str, description="YYYY-MM-DD", required=True),
            OpenApiParameter("days", int, required=True),
            OpenApiParameter(
                "partnership", int, description="Also skip this partnership's closure days"
            ),
        ],
        responses=inline_serializer(
            "WorkingDays",
            {
                "start": serializers.DateField(),
                "days": serializers.IntegerField(),
                "due": serializers.DateField(),
                "skipped": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    def get(self, request):
        query = WorkingDaysQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        partnership = None
        if "partnership" in query.validated_data:
            from partnerships.models import Partnership

            partnership = permissions.get_visible_or_404(
                Partnership.objects.all(), request.user, pk=query.validated_data["partnership"]
            )
        calendar = WorkingDayCalendar.for_partnership(partnership)
        count = calendar.add(query.validated_data["start"], query.validated_data["days"])
        return Response(count.as_dict())
