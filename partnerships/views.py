from django.db.models import Prefetch
from django.views.generic import DetailView, ListView

from safeguarding.views import FilteredListView, RestrictedViewMixin

from . import selectors
from .choices import SAFEGUARDING_PARTNER_ROLES, MembershipRole
from .filtersets import AgencyFilterSet, DesignatedSafeguardingLeadFilterSet
from .models import Agency, DesignatedSafeguardingLead, Partnership

PARTNERSHIPS = Partnership.objects.select_related("region").prefetch_related(
    Prefetch("memberships", queryset=selectors.current_memberships())
)


class PartnershipListView(RestrictedViewMixin, ListView):
    queryset = PARTNERSHIPS
    template_name = "partnerships/partnership_list.html"


class PartnershipDetailView(RestrictedViewMixin, DetailView):
    queryset = PARTNERSHIPS
    template_name = "partnerships/partnership_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        partnership = self.object
        memberships = list(partnership.memberships.all())
        context["partners"] = [m for m in memberships if m.role in SAFEGUARDING_PARTNER_ROLES]
        context["relevant_agencies"] = [
            m for m in memberships if m.role == MembershipRole.RELEVANT_AGENCY
        ]
        context["local_authorities"] = [
            m.agency for m in memberships if m.role == MembershipRole.LOCAL_AUTHORITY_PARTNER
        ]
        context["people"] = selectors.people_of(partnership, self.request.user)
        context["arrangements"] = partnership.arrangements.all()
        context["closure_days"] = partnership.closure_days.all()
        return context


class AgencyListView(FilteredListView):
    model = Agency
    filterset_class = AgencyFilterSet
    template_name = "partnerships/agency_list.html"

    def get_queryset(self):
        memberships = Prefetch("memberships", queryset=selectors.current_memberships())
        return super().get_queryset().prefetch_related(memberships).distinct()


class AgencyDetailView(RestrictedViewMixin, DetailView):
    queryset = Agency.objects.prefetch_related(
        Prefetch("memberships", queryset=selectors.current_memberships())
    )
    template_name = "partnerships/agency_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["safeguarding_leads"] = selectors.safeguarding_leads_visible_to(
            self.request.user
        ).filter(agency=self.object)
        return context


class DesignatedSafeguardingLeadListView(FilteredListView):
    model = DesignatedSafeguardingLead
    filterset_class = DesignatedSafeguardingLeadFilterSet
    template_name = "partnerships/dsl_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("agency").distinct()
