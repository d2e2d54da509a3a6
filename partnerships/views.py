from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect
from django.views.generic import DetailView, ListView
from django.views.generic.edit import FormMixin

from safeguarding import permissions
from safeguarding.forms import add_service_errors
from safeguarding.views import FilteredListView, RestrictedViewMixin

from . import selectors, services
from .choices import SAFEGUARDING_PARTNER_ROLES, MembershipRole
from .filtersets import ActionFilterSet, AgencyFilterSet, DesignatedSafeguardingLeadFilterSet
from .forms import ActionProgressForm
from .models import Action, Agency, DesignatedSafeguardingLead, Partnership

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


class ActionListView(FilteredListView):
    model = Action
    filterset_class = ActionFilterSet
    template_name = "partnerships/action_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("partnership", "owner_agency")


class ActionDetailView(RestrictedViewMixin, FormMixin, DetailView):
    """An action and, for those who may update it, the form to record progress."""

    model = Action
    form_class = ActionProgressForm
    template_name = "partnerships/action_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("partnership", "owner_agency")

    def get_initial(self):
        return {
            "status": self.object.status,
            "completed_on": self.object.completed_on,
            "evidence_of_completion": self.object.evidence_of_completion,
            "evidence_of_impact": self.object.evidence_of_impact,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_update"] = permissions.can(self.request.user, permissions.CHANGE, self.object)
        return context

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        permissions.require(request.user, permissions.CHANGE, self.object)
        form = self.get_form()
        if form.is_valid():
            try:
                services.action_update_progress(
                    action=self.object, by=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Progress recorded.")
                return redirect(self.object)
        return self.render_to_response(self.get_context_data(form=form))
