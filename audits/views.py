from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.text import slugify
from django.views.generic import DetailView, FormView, View

from partnerships.choices import PARTNER_ROLES, Role
from partnerships.views import PartnershipFirstMixin
from safeguarding import permissions
from safeguarding.forms import add_service_errors
from safeguarding.pagination import BoundedUnorderedCountPaginator
from safeguarding.views import FilteredListView, RestrictedViewMixin, RoleRequiredMixin
from safeguarding.working_days import WorkingDayCalendar

from . import exports, selectors, services
from .choices import Grade, Rating
from .filtersets import AuditFilterSet, AuditReturnFilterSet, SelfAssessmentFilterSet
from .forms import (
    AuditForm,
    AuditReturnForm,
    CasesAddForm,
    ChallengeEventForm,
    FollowUpForm,
    ModerationActionForm,
    ModerationForm,
    ReopenForm,
    SampleForm,
    SelfAssessmentForm,
    SelfAssessmentRoundForm,
)
from .models import (
    Audit,
    AuditCase,
    AuditReturn,
    AuditSample,
    SelfAssessment,
    SelfAssessmentRound,
)


def _service_call(form, call):
    """Run a service; show its ValidationError on the form. True if it succeeded."""
    try:
        call()
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    return True


# ---------------------------------------------------------------------------
# Case file audits


class AuditListView(FilteredListView):
    model = Audit
    filterset_class = AuditFilterSet
    template_name = "audits/audit_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("partnership")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = bool(
            permissions.partnership_ids_with_role(self.request.user, [Role.BUSINESS_TEAM])
        )
        return context


class AuditCreateView(RoleRequiredMixin, PartnershipFirstMixin, FormView):
    required_roles = (Role.BUSINESS_TEAM,)
    form_class = AuditForm
    template_name = "audits/audit_form.html"
    choice_heading = "Which partnership is the audit for?"

    def form_valid(self, form):
        data = form.cleaned_data
        created = {}

        def create():
            created["audit"] = services.audit_create(
                by=self.request.user, partnership=self.partnership, **data
            )

        if not _service_call(form, create):
            return self.form_invalid(form)
        messages.success(self.request, "Audit created. Each agency can now make its returns.")
        return redirect(created["audit"])


class AuditObjectMixin(RestrictedViewMixin):
    """Pages about one audit the person can see; `manage` pages need the business team's right."""

    manage = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.audit = permissions.get_visible_or_404(
            Audit.objects.select_related("partnership"), request.user, pk=kwargs["pk"]
        )
        if self.manage:
            permissions.require(request.user, permissions.CHANGE, self.audit)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(audit=self.audit, **kwargs)


class AuditDetailView(AuditObjectMixin, DetailView):
    model = Audit
    template_name = "audits/audit_detail.html"

    def get_object(self, queryset=None):
        return self.audit

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, audit = self.request.user, self.audit
        detail = selectors.sees_case_detail(user, audit)
        calendar = WorkingDayCalendar.for_partnership(audit.partnership)
        context.update(
            sees_detail=detail,
            can_manage=permissions.can(user, permissions.CHANGE, audit),
            agencies=audit.agencies.order_by("name"),
            questions=audit.questions.all(),
            samples=AuditSample.objects.filter(audit=audit).only(
                "seed", "size", "created_at", "audit_id"
            ),
            working_days_left=calendar.between(timezone.localdate(), audit.return_due_on),
            findings=audit.cases.exclude(findings="").order_by("reference"),
            previous=selectors.previous_audit(audit, user),
        )
        if detail:
            own = Prefetch(
                "returns",
                queryset=selectors.returns_visible_to(user)
                .filter(audit=audit)
                .select_related(None)
                .select_related("agency")
                .order_by("agency__name"),
                to_attr="visible_returns",
            )
            cases = audit.cases.prefetch_related(own).order_by("reference")
            context["cases_page"] = Paginator(cases, 50).get_page(self.request.GET.get("page"))
        return context


class AuditCasesAddView(AuditObjectMixin, FormView):
    manage = True
    form_class = CasesAddForm
    template_name = "audits/cases_add.html"

    def form_valid(self, form):
        if not _service_call(
            form,
            lambda: services.audit_cases_add(
                audit=self.audit, references=form.cleaned_data["references"], by=self.request.user
            ),
        ):
            return self.form_invalid(form)
        messages.success(self.request, "Cases added.")
        return redirect(self.audit)


class AuditSampleView(AuditObjectMixin, FormView):
    manage = True
    form_class = SampleForm
    template_name = "audits/sample_form.html"

    def form_valid(self, form):
        drawn = {}

        def draw():
            candidates = services.references_from_csv(form.cleaned_data["file"].read())
            drawn["sample"] = services.audit_sample_draw(
                audit=self.audit,
                candidates=candidates,
                size=form.cleaned_data["size"],
                seed=form.cleaned_data["seed"],
                by=self.request.user,
            )

        if not _service_call(form, draw):
            return self.form_invalid(form)
        sample = drawn["sample"]
        messages.success(
            self.request,
            f"{sample.size} cases drawn from {len(sample.candidates)} with seed {sample.seed}.",
        )
        return redirect(self.audit)


class AuditFollowUpView(AuditObjectMixin, FormView):
    manage = True
    form_class = FollowUpForm
    template_name = "audits/follow_up_form.html"

    def form_valid(self, form):
        created = {}

        def schedule():
            created["audit"] = services.audit_follow_up_schedule(
                audit=self.audit, by=self.request.user, **form.cleaned_data
            )

        if not _service_call(form, schedule):
            return self.form_invalid(form)
        messages.success(self.request, "Follow-up audit scheduled. Add its cases next.")
        return redirect(created["audit"])


class AuditResultsView(AuditObjectMixin, DetailView):
    template_name = "audits/audit_results.html"

    def get_object(self, queryset=None):
        return self.audit

    def get_context_data(self, **kwargs):
        results = selectors.audit_results(self.audit, self.request.user)
        return super().get_context_data(
            results=results, grades=Grade.choices, chart_data=results.chart_data(), **kwargs
        )


class AuditResultsExportView(AuditObjectMixin, View):
    """Grades by agency as CSV or XLSX; the XLSX adds the returns the person may see."""

    def get(self, request, pk, fmt):
        results = selectors.audit_results(self.audit, with_previous=False)
        name = f"{slugify(self.audit.title)[:60]}-results"
        if fmt == "csv":
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
            exports.write_csv(response, exports.results_table(results))
            return response
        returns = None
        if selectors.sees_case_detail(request.user, self.audit):
            returns = selectors.returns_visible_to(request.user).filter(
                audit=self.audit, status="submitted"
            )
        response = HttpResponse(
            exports.results_workbook(results, returns),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response


class AuditReturnListView(FilteredListView):
    model = AuditReturn
    filterset_class = AuditReturnFilterSet
    template_name = "audits/return_list.html"
    # A partnership's returns (54,609 for the largest over five years) are found through a
    # BitmapOr of its audits and the person's agency: counted only so far, in no order.
    paginator_class = BoundedUnorderedCountPaginator

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("audit", "case", "agency")
            # The columns the table shows: not what each return says about its case.
            .only(
                "grade",
                "immediate_concern",
                "status",
                "audit__title",
                "audit__return_due_on",
                "case__reference",
                "agency__name",
            )
            .order_by("-audit_id", "case_id", "agency_id")
        )


class AuditReturnView(RestrictedViewMixin, DetailView):
    """An agency's return: the form while it is a draft, the answers once submitted."""

    model = AuditReturn
    template_name = "audits/return_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("audit__partnership", "case", "agency")

    def get_form(self, data=None):
        audit_return = self.object
        answers = dict(audit_return.answers.values_list("question_id", "answer"))
        questions = list(audit_return.audit.questions.all())
        initial = {name: getattr(audit_return, name) for name in services.RETURN_FIELDS}
        initial.update({f"question_{q.pk}": answers.get(q.pk, "") for q in questions})
        return AuditReturnForm(data, initial=initial, questions=questions)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, audit_return = self.request.user, self.object
        answers = dict(audit_return.answers.values_list("question_id", "answer"))
        context.update(
            can_edit=not audit_return.is_submitted
            and permissions.can(user, permissions.CHANGE, audit_return),
            can_reopen=audit_return.is_submitted
            and permissions.can(user, permissions.CHANGE, audit_return.audit),
            answers=[(q, answers.get(q.pk, "")) for q in audit_return.audit.questions.all()],
            history=audit_return.history.select_related("history_user").order_by("-history_date")[
                :20
            ],
        )
        context.setdefault("reopen_form", ReopenForm())
        context.setdefault("form", self.get_form())
        return context

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        permissions.require(request.user, permissions.CHANGE, self.object)
        form = self.get_form(request.POST)
        if form.is_valid():
            submit = "submit" in request.POST
            fields = form.return_fields()
            # Save the draft first, so nothing typed is lost if submitting finds a gap.
            saved = _service_call(
                form,
                lambda: services.audit_return_save(
                    audit_return=self.object, by=request.user, **fields
                ),
            )
            if saved and submit:
                saved = _service_call(
                    form,
                    lambda: services.audit_return_save(
                        audit_return=self.object, by=request.user, submit=True
                    ),
                )
            if saved:
                messages.success(request, "Return submitted." if submit else "Draft saved.")
                return redirect(self.object)
        return self.render_to_response(self.get_context_data(form=form))


class AuditReturnReopenView(AuditReturnView):
    """The business team reopens a submitted return. A reason left out shows the return again
    with the form and an error summary; a return that cannot be reopened (not submitted, or
    reopened meanwhile) is refused with a message."""

    def post(self, request, *args, **kwargs):
        self.object = audit_return = self.get_object()
        permissions.require(request.user, permissions.CHANGE, audit_return.audit)
        form = ReopenForm(request.POST)
        if form.is_valid() and _service_call(
            form,
            lambda: services.audit_return_reopen(
                audit_return=audit_return, by=request.user, reason=form.cleaned_data["reason"]
            ),
        ):
            messages.success(request, "Return reopened. The agency can change it again.")
            return redirect(audit_return)
        if form.non_field_errors():
            messages.error(request, " ".join(form.non_field_errors()))
            return redirect(audit_return)
        return self.render_to_response(self.get_context_data(reopen_form=form))


class CaseModerationView(RestrictedViewMixin, DetailView):
    """Every return on a case side by side, with the agreed grade, findings and actions."""

    model = AuditCase
    template_name = "audits/case_moderation.html"

    def get_queryset(self):
        return super().get_queryset().select_related("audit__partnership")

    def get_object(self, queryset=None):
        case = super().get_object(queryset)
        if not selectors.sees_case_detail(self.request.user, case.audit):
            raise Http404("No case found.")
        return case

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case, user = self.object, self.request.user
        returns = list(
            selectors.returns_visible_to(user)
            .filter(case=case)
            .prefetch_related("answers__question")
            .order_by("agency__name")
        )
        context.update(
            audit=case.audit,
            returns=returns,
            can_moderate=permissions.can(user, permissions.CHANGE, case.audit),
            actions=selectors.case_actions(case, user),
        )
        context.setdefault(
            "form",
            ModerationForm(initial={"agreed_grade": case.agreed_grade, "findings": case.findings}),
        )
        context.setdefault(
            "action_form", ModerationActionForm(agencies=case.audit.agencies.order_by("name"))
        )
        return context

    def post(self, request, *args, **kwargs):
        case = self.object = self.get_object()
        permissions.require(request.user, permissions.CHANGE, case.audit)
        if "add_action" in request.POST:
            form = ModerationActionForm(request.POST, agencies=case.audit.agencies.all())
            if form.is_valid() and _service_call(
                form,
                lambda: services.audit_case_action_add(
                    case=case, by=request.user, **form.cleaned_data
                ),
            ):
                messages.success(request, "Action recorded.")
                return redirect(case)
            return self.render_to_response(self.get_context_data(action_form=form))
        form = ModerationForm(request.POST)
        if form.is_valid() and _service_call(
            form,
            lambda: services.audit_case_moderate(case=case, by=request.user, **form.cleaned_data),
        ):
            messages.success(request, "Moderation recorded.")
            return redirect(case)
        return self.render_to_response(self.get_context_data(form=form))


# ---------------------------------------------------------------------------
# Self-assessments


class SelfAssessmentListView(FilteredListView):
    model = SelfAssessment
    filterset_class = SelfAssessmentFilterSet
    template_name = "audits/self_assessment_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("agency").order_by("-year", "agency__name")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rounds"] = selectors.rounds_visible_to(self.request.user)[:20]
        context["can_create"] = bool(
            permissions.partnership_ids_with_role(self.request.user, [Role.BUSINESS_TEAM])
        )
        return context


class SelfAssessmentView(RestrictedViewMixin, DetailView):
    model = SelfAssessment
    template_name = "audits/self_assessment_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("agency")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        assessment, user = self.object, self.request.user
        ratings = list(assessment.ratings.order_by("pk"))
        context.update(
            ratings=ratings,
            can_edit=assessment.status == "draft"
            and permissions.can(user, permissions.CHANGE, assessment),
            rounds=selectors.rounds_visible_to(user).filter(
                kind=assessment.kind, year=assessment.year, agencies=assessment.agency
            ),
        )
        context.setdefault("form", SelfAssessmentForm(ratings=ratings))
        return context

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        permissions.require(request.user, permissions.CHANGE, self.object)
        form = SelfAssessmentForm(request.POST, ratings=self.object.ratings.order_by("pk"))
        if form.is_valid():
            submit = "submit" in request.POST
            ratings = form.ratings_data()
            saved = _service_call(
                form,
                lambda: services.self_assessment_save(
                    assessment=self.object, by=request.user, ratings=ratings
                ),
            )
            if saved and submit:
                saved = _service_call(
                    form,
                    lambda: services.self_assessment_save(
                        assessment=self.object, by=request.user, ratings={}, submit=True
                    ),
                )
            if saved:
                messages.success(
                    request, "Self-assessment submitted." if submit else "Draft saved."
                )
                return redirect(self.object)
        return self.render_to_response(self.get_context_data(form=form))


class SelfAssessmentRoundCreateView(RoleRequiredMixin, PartnershipFirstMixin, FormView):
    required_roles = (Role.BUSINESS_TEAM,)
    form_class = SelfAssessmentRoundForm
    template_name = "audits/round_form.html"
    choice_heading = "Which partnership is the round for?"

    def form_valid(self, form):
        created = {}

        def create():
            created["round"] = services.self_assessment_round_create(
                by=self.request.user, partnership=self.partnership, **form.cleaned_data
            )

        if not _service_call(form, create):
            return self.form_invalid(form)
        messages.success(self.request, "Round opened. Each invited agency has its return.")
        return redirect(created["round"])


class SelfAssessmentRoundView(RestrictedViewMixin, DetailView):
    """The partnership view: each standard across agencies, year on year, and challenge events."""

    model = SelfAssessmentRound
    template_name = "audits/round_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("partnership")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        round_, user = self.object, self.request.user
        detail = permissions.has_role(user, round_.partnership, Role.BUSINESS_TEAM, *PARTNER_ROLES)
        context.update(
            sees_detail=detail,
            overview=selectors.round_overview(round_),
            ratings=Rating.choices,
            can_manage=permissions.can(user, permissions.CHANGE, round_),
            assessments=selectors.self_assessments_visible_to(user).filter(
                kind=round_.kind, year=round_.year, agency__in=round_.agencies.all()
            ),
            challenge_events=selectors.challenge_events_visible_to(user).filter(round=round_),
        )
        context.setdefault("form", ChallengeEventForm(agencies=round_.agencies.order_by("name")))
        return context

    def post(self, request, *args, **kwargs):
        round_ = self.object = self.get_object()
        permissions.require(request.user, permissions.CHANGE, round_)
        form = ChallengeEventForm(request.POST, agencies=round_.agencies.all())
        if form.is_valid() and _service_call(
            form,
            lambda: services.challenge_event_create(
                round_=round_, by=request.user, **form.cleaned_data
            ),
        ):
            messages.success(request, "Challenge event recorded.")
            return redirect(round_)
        return self.render_to_response(self.get_context_data(form=form))


class SelfAssessmentRoundExportView(RestrictedViewMixin, DetailView):
    """The partnership view as CSV: one line per standard and agency, a column per year."""

    model = SelfAssessmentRound

    def get(self, request, *args, **kwargs):
        round_ = self.get_object()
        overview = selectors.round_overview(round_)
        detail = permissions.has_role(
            request.user, round_.partnership, Role.BUSINESS_TEAM, *PARTNER_ROLES
        )
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{round_.kind}-{round_.year}-{round_.partnership_id}.csv"'
        )
        exports.write_csv(response, exports.round_table(overview, detail=detail))
        return response
