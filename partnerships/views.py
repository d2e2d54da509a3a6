from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView
from django.views.generic.detail import SingleObjectMixin
from django.views.generic.edit import FormMixin

from safeguarding import permissions
from safeguarding.downloads import file_download
from safeguarding.forms import add_service_errors
from safeguarding.pagination import BoundedCountPaginator
from safeguarding.views import FilteredListView, RestrictedViewMixin, RoleRequiredMixin, key_from

from . import indicators, selectors, services, yearly_report
from .choices import (
    MembershipRole,
    ReportSection,
    Role,
    YearlyReportStatus,
)
from .filtersets import ActionFilterSet, AgencyFilterSet, DesignatedSafeguardingLeadFilterSet
from .forms import (
    ActionProgressForm,
    BenchmarkSharingForm,
    FinancialContributionForm,
    IndicatorPeriodForm,
    IndicatorTargetsForm,
    PartnershipChoiceForm,
    ScrutinyChallengeForm,
    ScrutinyResponseForm,
    TrainingEventForm,
    YearlyReportEditForm,
    YearlyReportPublishForm,
    YearlyReportSentForm,
    YearlyReportStartForm,
)
from .models import (
    Action,
    Agency,
    DesignatedSafeguardingLead,
    FinancialContribution,
    Partnership,
    PublishedArrangement,
    ScrutinyChallenge,
    TrainingEvent,
    YearlyReport,
)

PEOPLE_PER_PAGE = 50

PARTNERSHIPS = selectors.partnerships_with_partner_seats()


class PartnershipFirstMixin(LoginRequiredMixin):
    """A form about one partnership's agencies.

    Someone who may use it for several partnerships (a scrutineer for three; an admin for every
    one, whose form listed every agency in the country) first chooses which it is for; the form
    then offers that partnership's members alone, and the choice stays in the address
    (`?partnership=`). With one partnership there is nothing to ask. The partnerships offered
    are those where the person holds one of `required_roles`, unless a view says otherwise.
    """

    choice_heading = "Which partnership is this for?"
    # Said (403) to someone offered no partnership at all.
    no_partnership_reason = "You have no partnership this form is for."

    def partnerships_offered(self):
        return Partnership.objects.filter(
            pk__in=permissions.partnership_ids_with_role(self.request.user, self.required_roles)
        )

    @cached_property
    def choice_form(self) -> PartnershipChoiceForm:
        # The chooser sends `choosing` too: a browser sends no `partnership` when none is ticked.
        asked = "partnership" in self.request.GET or "choosing" in self.request.GET
        return PartnershipChoiceForm(
            self.request.GET if asked else None,
            partnerships=self.partnerships_offered().order_by("name"),
        )

    @cached_property
    def choices(self) -> list[Partnership]:
        return list(self.choice_form.fields["partnership"].queryset)

    @cached_property
    def partnership(self) -> Partnership | None:
        """The partnership the form is for, or None while the person has still to choose."""
        if len(self.choices) == 1:
            return self.choices[0]
        form = self.choice_form
        return form.cleaned_data["partnership"] if form.is_valid() else None

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.choices:
            raise PermissionDenied(self.no_partnership_reason)
        if request.user.is_authenticated and self.partnership is None:
            return render(
                request,
                "partnerships/partnership_choice.html",
                {"form": self.choice_form, "heading": self.choice_heading},
            )
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "partnership": self.partnership}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            partnership=self.partnership, other_partnerships=len(self.choices) > 1, **kwargs
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
        context["local_authorities"] = [
            m.agency
            for m in partnership.partner_seats
            if m.role == MembershipRole.LOCAL_AUTHORITY_PARTNER
        ]
        by_sector = selectors.relevant_agencies_by_sector(partnership)
        context["relevant_agencies"] = by_sector
        context["relevant_agency_count"] = sum(row["agencies"] for row in by_sector)
        # Thousands of people hold a role in a large partnership: a page of them at a time.
        context["people"] = Paginator(
            selectors.people_of(partnership, self.request.user), PEOPLE_PER_PAGE
        ).get_page(self.request.GET.get("page"))
        context["arrangements"] = partnership.arrangements.all()
        context["closure_days"] = partnership.closure_days.all()
        return context


class ArrangementDocumentView(RestrictedViewMixin, SingleObjectMixin, View):
    """A version of the published arrangements, for those who see the partnership."""

    model = PublishedArrangement

    def get(self, request, *args, **kwargs):
        arrangement = self.get_object()
        return file_download(
            arrangement.document,
            f"safeguarding-arrangements-{arrangement.partnership_id}-v{arrangement.version}",
        )


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
    # A partnership's actions (27,603 for the largest over five years) are counted only so far,
    # soonest due first, from the index that holds that order and the columns reach is read from.
    paginator_class = BoundedCountPaginator

    def get_queryset(self):
        # The columns the table shows: not each action's description and evidence, nor every
        # column of its partnership and owner.
        return (
            super()
            .get_queryset()
            .select_related("partnership", "owner_agency")
            .only("title", "due_on", "status", "partnership__name", "owner_agency__name")
        )


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
        action = self.object
        context["can_update"] = permissions.can(self.request.user, permissions.CHANGE, action)
        context["source"] = selectors.action_source_shown_to(self.request.user, action)
        context["records_training"] = action.is_review_recommendation and permissions.has_role(
            self.request.user, action.partnership, Role.BUSINESS_TEAM
        )
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


class IndicatorPartnershipMixin(LoginRequiredMixin):
    """Pages of aggregate figures for a partnership the person oversees (403 for anyone else)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            # Read once: the page checks, offers and validates the choice from this list.
            self.partnerships = list(selectors.indicator_partnerships(request.user))
            if not self.partnerships:
                raise PermissionDenied(
                    "These figures are for the partnership's leaders, business team and scrutineer."
                )
        return super().dispatch(request, *args, **kwargs)

    def period_form(self):
        chosen = self.request.GET.get("partnership", "")
        if chosen and not any(str(p.pk) == chosen for p in self.partnerships):
            raise Http404("No such partnership among yours.")
        form = IndicatorPeriodForm.for_query(
            self.request.GET,
            defaults={"partnership": self.partnerships[0].pk},
            partnerships=self.partnerships,
        )
        if form.is_valid():
            return form, form.cleaned_data["partnership"], form.period
        return form, None, None


class IndicatorDashboardView(IndicatorPartnershipMixin, TemplateView):
    """The independent scrutineer's home: the indicators with trends, charts and tables."""

    template_name = "partnerships/indicator_dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, partnership, period = self.period_form()
        context.update(form=form, partnership=partnership, period=period)
        if partnership is not None:
            figures = indicators.indicators_for(partnership, period)
            targets = list(partnership.indicator_targets.all())
            context.update(
                figures=figures,
                headlines=indicators.headlines(figures, targets),
                charts=indicators.charts(figures),
                can_set_targets=permissions.has_role(
                    self.request.user, partnership, Role.BUSINESS_TEAM
                ),
            )
        return context


class IndicatorTargetsView(LoginRequiredMixin, FormView):
    """The business team sets red/amber/green thresholds for each headline indicator."""

    form_class = IndicatorTargetsForm
    template_name = "partnerships/indicator_targets.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.partnership = permissions.get_visible_or_404(
                Partnership.objects.all(), request.user, pk=kwargs["pk"]
            )
            if not permissions.has_role(request.user, self.partnership, Role.BUSINESS_TEAM):
                raise PermissionDenied("Only the partnership's business team sets targets.")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "targets": self.partnership.indicator_targets.all()}

    def get_context_data(self, **kwargs):
        return super().get_context_data(partnership=self.partnership, **kwargs)

    def form_valid(self, form):
        try:
            services.indicator_targets_set(
                partnership=self.partnership, targets=form.targets(), by=self.request.user
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Targets saved.")
        return redirect(f"{reverse('partnerships:indicators')}?partnership={self.partnership.pk}")


class BenchmarkingView(IndicatorPartnershipMixin, TemplateView):
    """Partnerships of the same region that share their figures, side by side.

    Only aggregates cross partnership lines and counts under 5 are never shown. A partnership
    sees others' figures only while it shares its own.
    """

    template_name = "partnerships/benchmarking.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, partnership, period = self.period_form()
        context.update(form=form, partnership=partnership, period=period)
        if partnership is None:
            return context
        context["can_change_sharing"] = permissions.has_role(
            self.request.user, partnership, Role.BUSINESS_TEAM
        )
        context["sharing_form"] = BenchmarkSharingForm(
            initial={"shares_benchmarks": partnership.shares_benchmarks}
        )
        if partnership.shares_benchmarks:
            compared = list(
                Partnership.objects.filter(region=partnership.region_id, shares_benchmarks=True)
            )
            rows = indicators.benchmark(compared, period)
            context["measures"] = [
                (label, [row["figures"][key] for row in rows])
                for key, label in indicators.BENCHMARKS
            ]
            context["compared"] = compared
        return context

    def post(self, request, *args, **kwargs):
        pk = key_from(request.POST.get("partnership", ""))
        if pk is None:
            raise Http404("No such partnership.")
        partnership = permissions.get_visible_or_404(Partnership.objects.all(), request.user, pk=pk)
        if not permissions.has_role(request.user, partnership, Role.BUSINESS_TEAM):
            raise PermissionDenied("Only the partnership's business team decides what it shares.")
        form = BenchmarkSharingForm(request.POST)
        form.is_valid()
        services.partnership_set_benchmark_sharing(
            partnership=partnership,
            shares=form.cleaned_data.get("shares_benchmarks", False),
            by=request.user,
        )
        messages.success(request, "Sharing for benchmarking saved.")
        return redirect(f"{reverse('partnerships:benchmarking')}?partnership={partnership.pk}")


class ScrutinyListView(RestrictedViewMixin, ListView):
    """Findings and challenges a person may see, newest first."""

    model = ScrutinyChallenge
    paginate_by = 50
    template_name = "partnerships/scrutiny_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("partnership", "addressed_to")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_raise"] = bool(
            permissions.partnership_ids_with_role(self.request.user, [Role.INDEPENDENT_SCRUTINEER])
        )
        return context


class ScrutinyCreateView(RoleRequiredMixin, PartnershipFirstMixin, FormView):
    """The scrutineer records a finding or challenge with a response date."""

    required_roles = (Role.INDEPENDENT_SCRUTINEER,)
    form_class = ScrutinyChallengeForm
    template_name = "partnerships/scrutiny_form.html"
    choice_heading = "Which partnership is the finding or challenge for?"

    def form_valid(self, form):
        try:
            challenge = services.scrutiny_challenge_create(
                by=self.request.user, partnership=self.partnership, **form.cleaned_data
            )
        except services.AlreadyRecorded as repeat:
            messages.info(self.request, repeat.message)
            return redirect(repeat.existing)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{challenge.get_kind_display()} recorded.")
        return redirect(challenge)


class ScrutinyDetailView(RestrictedViewMixin, FormMixin, DetailView):
    """A finding or challenge, its response, and the form to respond for those who answer it."""

    model = ScrutinyChallenge
    form_class = ScrutinyResponseForm
    template_name = "partnerships/scrutiny_detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("partnership", "addressed_to", "raised_by", "responded_by")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_respond"] = not self.object.is_answered and permissions.can(
            self.request.user, permissions.CHANGE, self.object
        )
        return context

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        permissions.require(request.user, permissions.CHANGE, self.object)
        form = self.get_form()
        if form.is_valid():
            try:
                services.scrutiny_challenge_respond(
                    challenge=self.object, response=form.cleaned_data["response"], by=request.user
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Response recorded.")
                return redirect(self.object)
        return self.render_to_response(self.get_context_data(form=form))


REPORTS = YearlyReport.objects.select_related("partnership")


class YearlyReportListView(RestrictedViewMixin, ListView):
    """The partnership's yearly reports; the business team starts a new one here."""

    queryset = REPORTS
    paginate_by = 25
    template_name = "partnerships/report_list.html"

    def business_partnerships(self):
        return Partnership.objects.filter(
            pk__in=permissions.partnership_ids_with_role(self.request.user, [Role.BUSINESS_TEAM])
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        partnerships = self.business_partnerships()
        if partnerships.exists():
            context["start_form"] = kwargs.get("start_form") or YearlyReportStartForm(
                partnerships=partnerships
            )
        return context

    def post(self, request, *args, **kwargs):
        partnerships = self.business_partnerships()
        if not partnerships.exists():
            raise PermissionDenied("Only the business team starts a yearly report.")
        form = YearlyReportStartForm(request.POST, partnerships=partnerships)
        if form.is_valid():
            try:
                report = services.yearly_report_start(by=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Report started: it has drafted itself from the data.")
                return redirect(report)
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(start_form=form))


class YearlyReportDetailView(RestrictedViewMixin, DetailView):
    """The report: each section's figures with its narrative; editing, sign-off, publication."""

    queryset = REPORTS
    template_name = "partnerships/report_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report, user = self.object, self.request.user
        is_business = permissions.can(user, permissions.CHANGE, report)
        signed = {s.partner_role: s for s in report.sign_offs.select_related("agency", "signed_by")}
        context.update(
            sections=yearly_report.sections_for(report),
            sign_offs=list(signed.values()),
            is_business=is_business,
            can_sign=report.status == YearlyReportStatus.DRAFT
            and permissions.has_role(user, report.partnership, Role.LEAD_SAFEGUARDING_PARTNER)
            and user.agency_id not in {s.agency_id for s in signed.values()},
            can_edit=is_business and report.status == YearlyReportStatus.DRAFT and not signed,
        )
        if context["can_edit"]:
            form = kwargs.get("edit_form") or YearlyReportEditForm(report=report)
            # Each section's figures with its narrative beside them.
            context["edit_form"] = form
            context["edit_rows"] = [(s, form[s.key]) for s in context["sections"]]
        if is_business and report.status == YearlyReportStatus.SIGNED_OFF:
            context["publish_form"] = kwargs.get("publish_form") or YearlyReportPublishForm()
        if is_business and report.status == YearlyReportStatus.PUBLISHED:
            context["sent_form"] = kwargs.get("sent_form") or YearlyReportSentForm(
                initial={
                    "sent_to_panel_on": report.sent_to_panel_on,
                    "sent_to_what_works_on": report.sent_to_what_works_on,
                }
            )
        return context

    def post(self, request, *args, **kwargs):
        self.object = report = self.get_object()
        step = request.POST.get("step")
        if step == "sign":
            try:
                services.yearly_report_sign_off(report=report, by=request.user)
            except ValidationError as error:
                raise PermissionDenied(" ".join(error.messages)) from error
            messages.success(request, "Signed off.")
            return redirect(report)
        permissions.require(request.user, permissions.CHANGE, report)
        forms_by_step = {
            "edit": ("edit_form", YearlyReportEditForm(request.POST, report=report)),
            "publish": ("publish_form", YearlyReportPublishForm(request.POST)),
            "sent": ("sent_form", YearlyReportSentForm(request.POST)),
        }
        if step not in forms_by_step:
            return redirect(report)
        name, form = forms_by_step[step]
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                if step == "edit":
                    summary = data.pop("young_people_summary")
                    services.yearly_report_edit(
                        report=report,
                        narratives=data,
                        young_people_summary=summary,
                        by=request.user,
                    )
                elif step == "publish":
                    services.yearly_report_publish(report=report, by=request.user, **data)
                else:
                    services.yearly_report_record_sent(report=report, by=request.user, **data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Saved.")
                return redirect(report)
        return self.render_to_response(self.get_context_data(**{name: form}))


class YearlyReportPdfView(RestrictedViewMixin, DetailView):
    """The report as a PDF, from the same template as the page."""

    queryset = REPORTS
    template_name = "partnerships/report_document.html"

    def render_to_response(self, context, **response_kwargs):
        # Imported here: WeasyPrint loads Pango, which only this view needs.
        from weasyprint import HTML

        html = render_to_string(
            self.template_name,
            {"report": self.object, "sections": yearly_report.sections_for(self.object)},
            request=self.request,
        )
        pdf = HTML(string=html, base_url=self.request.build_absolute_uri("/")).write_pdf()
        response = HttpResponse(pdf, content_type="application/pdf")
        name = f"yearly-report-{self.object.period_start:%Y}-{self.object.period_end:%Y}.pdf"
        response["Content-Disposition"] = f'inline; filename="{name}"'
        return response


class YearlyReportYoungPeopleView(RestrictedViewMixin, DetailView):
    """The short young person-friendly version."""

    queryset = REPORTS
    template_name = "partnerships/report_young_people.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sections = {s.key: s for s in yearly_report.sections_for(self.object)}
        context["headline"] = sections[ReportSection.INDICATORS].figures[-1]
        return context


class YearlyReportContributionsView(RestrictedViewMixin, DetailView):
    """Each partner's and agency's contribution for the report's period; the business team
    records them here while the report is a draft."""

    queryset = REPORTS
    template_name = "partnerships/report_contributions.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = self.object
        contributions = FinancialContribution.objects.filter(
            partnership=report.partnership, year_starting=report.period_start
        ).select_related("agency")
        can_change = (
            permissions.can(self.request.user, permissions.CHANGE, report)
            and report.status == YearlyReportStatus.DRAFT
            and not report.sign_offs.exists()
        )
        context.update(
            report=report,
            contributions=contributions,
            total=sum(c.amount for c in contributions),
            can_change=can_change,
        )
        if can_change:
            context["form"] = kwargs.get("form") or FinancialContributionForm(
                partnership=report.partnership
            )
        return context

    def post(self, request, *args, **kwargs):
        self.object = report = self.get_object()
        permissions.require(request.user, permissions.CHANGE, report)
        form = FinancialContributionForm(request.POST, partnership=report.partnership)
        if form.is_valid():
            try:
                contribution = services.financial_contribution_record(
                    report=report, by=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Contribution from {contribution.agency} recorded.")
                return redirect("partnerships:report-contributions", pk=report.pk)
        return self.render_to_response(self.get_context_data(form=form))


class YearlyReportContributionChangeView(LoginRequiredMixin, FormView):
    """Correct one recorded contribution (business team, while the report is a draft)."""

    form_class = FinancialContributionForm
    template_name = "partnerships/report_contribution_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.report = permissions.get_visible_or_404(REPORTS, request.user, pk=kwargs["pk"])
            permissions.require(request.user, permissions.CHANGE, self.report)
            self.contribution = get_object_or_404(
                FinancialContribution.objects.select_related("agency"),
                pk=kwargs["contribution"],
                partnership=self.report.partnership,
                year_starting=self.report.period_start,
            )
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "partnership": self.report.partnership,
            "agency": self.contribution.agency,
        }

    def get_initial(self):
        return {"amount": self.contribution.amount, "in_kind": self.contribution.in_kind}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            report=self.report, contribution=self.contribution, **kwargs
        )

    def form_valid(self, form):
        try:
            services.financial_contribution_change(
                report=self.report,
                contribution=self.contribution,
                by=self.request.user,
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Contribution from {self.contribution.agency} changed.")
        return redirect("partnerships:report-contributions", pk=self.report.pk)


# ---------------------------------------------------------------------------
# Multi-agency training

TRAINING = TrainingEvent.objects.select_related("partnership")


class TrainingListView(RestrictedViewMixin, ListView):
    """Training the partnership delivered, newest first; the business team records it here."""

    queryset = TRAINING
    paginate_by = 50
    template_name = "partnerships/training_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["recording_for"] = Partnership.objects.filter(
            pk__in=permissions.partnership_ids_with_role(self.request.user, [Role.BUSINESS_TEAM])
        )
        return context


class TrainingDetailView(RestrictedViewMixin, DetailView):
    queryset = TRAINING.select_related("recommendation__owner_agency").prefetch_related(
        "audience_agencies", "attendance__agency"
    )
    template_name = "partnerships/training_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event = self.object
        attendance = list(event.attendance.all())
        context.update(
            attendance=attendance,
            not_recorded=event.attendees - sum(a.attendees for a in attendance),
            can_change=permissions.can(self.request.user, permissions.CHANGE, event),
        )
        return context


class TrainingFormMixin(LoginRequiredMixin):
    form_class = TrainingEventForm
    template_name = "partnerships/training_form.html"

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "partnership": self.partnership,
            "recommendation_id": self.recommendation_id(),
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(partnership=self.partnership, **kwargs)


class TrainingCreateView(TrainingFormMixin, FormView):
    """The business team records a training event it delivered."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.partnership = permissions.get_visible_or_404(
                Partnership.objects.all(), request.user, pk=kwargs["pk"]
            )
            if not permissions.has_role(request.user, self.partnership, Role.BUSINESS_TEAM):
                raise PermissionDenied("Only the partnership's business team records training.")
        return super().dispatch(request, *args, **kwargs)

    def recommendation_id(self) -> int | None:
        """The recommendation whose page the training is recorded from."""
        return key_from(self.request.GET.get("recommendation", ""))

    def form_valid(self, form):
        try:
            event = services.training_event_record(
                partnership=self.partnership, by=self.request.user, **form.service_data()
            )
        except services.AlreadyRecorded as repeat:
            messages.info(self.request, repeat.message)
            return redirect(repeat.existing)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Training recorded: {event.title}.")
        return redirect(event)


class TrainingChangeView(TrainingFormMixin, FormView):
    """Correct a training event."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.event = permissions.get_visible_or_404(TRAINING, request.user, pk=kwargs["pk"])
            permissions.require(request.user, permissions.CHANGE, self.event)
            self.partnership = self.event.partnership
        return super().dispatch(request, *args, **kwargs)

    def recommendation_id(self) -> int | None:
        return self.event.recommendation_id

    def get_initial(self):
        event = self.event
        initial = {
            "title": event.title,
            "held_on": event.held_on,
            "theme": event.theme,
            "learning_from": event.learning_from,
            "recommendation": event.recommendation_id,
            "audience_agencies": list(event.audience_agencies.values_list("pk", flat=True)),
            "attendees": event.attendees,
            "evaluation_score": event.evaluation_score,
        }
        for row in event.attendance.all():
            initial[f"attending_{row.agency_id}"] = row.attendees
        return initial

    def get_context_data(self, **kwargs):
        return super().get_context_data(event=self.event, **kwargs)

    def form_valid(self, form):
        try:
            services.training_event_change(
                event=self.event, by=self.request.user, **form.service_data()
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Training changed.")
        return redirect(self.event)
