import django_filters
from django.db.models import Prefetch
from rest_framework import viewsets

from safeguarding.api import RestrictedQuerysetMixin

from .. import selectors
from ..choices import Sector
from ..models import Agency, Partnership
from .serializers import AgencySerializer, PartnershipSerializer


class PartnershipApiFilterSet(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__name", lookup_expr="iexact")

    class Meta:
        model = Partnership
        fields = ["region"]


class AgencyApiFilterSet(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")
    sector = django_filters.ChoiceFilter(choices=Sector.choices)
    partnership = django_filters.NumberFilter(field_name="memberships__partnership")

    class Meta:
        model = Agency
        fields = ["name", "sector", "partnership"]


class PartnershipViewSet(RestrictedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Partnerships you belong to, with their safeguarding partners and relevant agencies."""

    queryset = Partnership.objects.select_related("region").prefetch_related(
        Prefetch("memberships", queryset=selectors.current_memberships())
    )
    serializer_class = PartnershipSerializer
    filterset_class = PartnershipApiFilterSet


class AgencyViewSet(RestrictedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """The agency directory: public names, sectors, identifiers and partnership memberships."""

    queryset = Agency.objects.prefetch_related(
        Prefetch("memberships", queryset=selectors.current_memberships())
    ).distinct()
    serializer_class = AgencySerializer
    filterset_class = AgencyApiFilterSet
