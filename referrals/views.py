from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView

from partnerships.choices import Role
from partnerships.forms import PeriodForm
from partnerships.models import Partnership
from partnerships.views import PartnershipFirstMixin
from safeguarding import permissions
from safeguarding.access_log import record_access
from safeguarding.forms import add_service_errors
from safeguarding.pagination import BoundedCountPaginator, KeysFirstPaginator
from safeguarding.views import (
    FilteredListView,
    RestrictedViewMixin,
    RoleRequiredMixin,
    key_from,
)
from safeguarding.working_days import WorkingDayCalendar, WorkingDayCount

from . import dashboards, selectors, services
from .choices import (
    EscalationTheme,
    ReachKind,
    ReferralStatus,
)
from .filtersets import EscalationFilterSet, ReferralFilterSet
from .forms import (
    AssessmentForm,
    ChildForm,
    ConcernsForm,
    ConferenceHeldForm,
    ConferenceNotNeededForm,
    ConsentForm,
    DecisionForm,
    EscalationForm,
    EscalationResolveForm,
    EscalationResponseForm,
    EscalationStageFormSet,
    GoodPracticeForm,
    HouseholdForm,
    LocalAuthorityForm,
    SharingForm,
    StrategyDiscussionForm,
)
from .models import (
    Escalation,
    InformationSharingDecision,
    Referral,
    ReferralHousehold,
)

REFERRALS = Referral.objects.select_related(
    "front_door", "referrer", "referrer_agency", "partnership", "decided_by"
)


# ---------------------------------------------------------------------------
# Referrals: making one


class ReferralListView(FilteredListView):
    """The referrals a person sees through one kind of reach: those they made, those shared with
    their agency, and, with the role, those sent to their front door or made by their agency.
    One kind at a time, so a page is read in order from that kind's own index."""

    model = Referral
    filterset_class = ReferralFilterSet
    template_name = "referrals/referral_list.html"
    paginate_by = 25

    @cached_property
    def reach(self):
        return self.kwargs.get("reach", ReachKind.MADE_BY_YOU)

    @property
    def paginator_class(self):
        # Each reach but sharing is one indexed column: counting its index entries (only so far
        # past the page: a front door's archive holds 195,703) and then reading a page in the
        # index's order costs less than a window over all of them. Shared referrals are found
        # from the sharing decisions, which reading keys first passes once rather than twice.
        if self.reach == ReachKind.SHARED_WITH_YOUR_AGENCY:
            return KeysFirstPaginator
        return BoundedCountPaginator

    def restrict(self, queryset):
        if self.reach not in permissions.reaches(Referral, self.request.user):
            raise Http404("You cannot see referrals of this kind.")
        return permissions.restrict_to_reach(queryset, self.request.user, self.reach)

    def get_queryset(self):
        # The columns the table shows: not each referral's concerns, notes and decision, nor
        # every column of its front door and the referrer's agency, which it does not show.
        return selectors.with_categories(
            super()
            .get_queryset()
            .select_related("front_door")
            .only("status", "decision", "immediate_danger", "received_at", "front_door__name")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["reach"] = ReachKind(self.reach)
        context["reaches"] = [
            (ReachKind(reach), reach_url(reach))
            for reach in permissions.reaches(Referral, self.request.user)
        ]
        return context


def reach_url(reach: str) -> str:
    if reach == ReachKind.MADE_BY_YOU:
        return reverse("referrals:referral-list")
    return reverse(f"referrals:list-{reach}")


class ReferralStartView(LoginRequiredMixin, TemplateView):
    template_name = "referrals/referral_start.html"

    def post(self, request):
        referral = services.referral_draft_create(referrer=request.user)
        return redirect("referrals:referral-child", pk=referral.pk)


class DraftMixin(RestrictedViewMixin):
    """A page of the referral form: the draft is the referrer's alone (404 for anyone else)."""

    permission_action = permissions.CHANGE

    @cached_property
    def referral(self):
        queryset = self.get_queryset().filter(
            status=ReferralStatus.DRAFT, referrer=self.request.user
        )
        return get_object_or_404(queryset, pk=self.kwargs["pk"])

    def get_queryset(self):
        return permissions.restrict(REFERRALS, self.request.user, self.permission_action)


class ReferralPageView(DraftMixin, FormView):
    """One page of the multi-page referral form. Every valid page is saved to the draft at
    once; what was typed on a page that failed its checks is kept too."""

    template_name = "referrals/referral_page.html"
    page = ""
    title = ""
    next_url_name = ""

    @property
    def draft_key(self):
        return self.page

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kept = self.referral.draft_answers.get(self.draft_key)
        if self.request.method == "GET" and kept:
            kwargs["data"] = kept
        return kwargs

    def form_invalid(self, form):
        answers = {k: self.request.POST.getlist(k) for k in form.fields if k in self.request.POST}
        answers = {k: v if len(v) > 1 or k == "categories" else v[0] for k, v in answers.items()}
        services.referral_draft_answers_keep(
            referral=self.referral, by=self.request.user, page=self.draft_key, answers=answers
        )
        return super().form_invalid(form)

    def form_valid(self, form):
        try:
            self.save(form)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        services.referral_draft_answers_clear(referral=self.referral, page=self.draft_key)
        if self.request.GET.get("return") == "check":
            return redirect("referrals:referral-check", pk=self.referral.pk)
        return redirect(self.next_url_name, pk=self.referral.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(referral=self.referral, title=self.title, page=self.page)
        return context


class ReferralChildView(ReferralPageView):
    form_class = ChildForm
    page = "child"
    title = "About the child"
    next_url_name = "referrals:referral-household"

    @cached_property
    def child(self):
        if "child_pk" in self.kwargs:
            return get_object_or_404(self.referral.children, pk=self.kwargs["child_pk"])
        if self.kwargs.get("add"):
            return None
        return self.referral.children.first()

    @property
    def draft_key(self):
        return f"child-{self.child.pk if self.child else 'new'}"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.child
        if self.child:
            record_access(self.request, [self.child])
        return kwargs

    def save(self, form):
        services.referral_child_save(
            referral=self.referral, by=self.request.user, child=self.child, **form.cleaned_data
        )


class ReferralHouseholdView(ReferralPageView):
    form_class = HouseholdForm
    page = "household"
    title = "Parents, carers and household"
    next_url_name = "referrals:referral-local-authority"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        household = ReferralHousehold.objects.filter(referral=self.referral).first()
        if household:
            record_access(self.request, [household])
        kwargs["instance"] = household
        return kwargs

    def save(self, form):
        services.referral_draft_update(
            referral=self.referral, by=self.request.user, household=form.cleaned_data
        )


class ReferralLocalAuthorityView(ReferralPageView):
    form_class = LocalAuthorityForm
    page = "local-authority"
    title = "Where the child lives"
    next_url_name = "referrals:referral-concerns"

    def get_initial(self):
        return {"local_authority": self.referral.front_door_id}

    def save(self, form):
        services.referral_draft_update(
            referral=self.referral,
            by=self.request.user,
            local_authority=form.cleaned_data["local_authority"],
        )


class ReferralConcernsView(ReferralPageView):
    form_class = ConcernsForm
    page = "concerns"
    title = "What you are worried about"
    next_url_name = "referrals:referral-consent"

    def get_initial(self):
        referral = self.referral
        initial = {"concerns": referral.concerns, "categories": referral.category_values}
        if referral.concerns:
            initial["immediate_danger"] = "yes" if referral.immediate_danger else "no"
        return initial

    def save(self, form):
        data = form.cleaned_data
        danger = data["immediate_danger"] == "yes"
        services.referral_draft_update(
            referral=self.referral,
            by=self.request.user,
            concerns=data["concerns"],
            categories=data["categories"],
            immediate_danger=danger,
        )
        if danger:
            messages.warning(
                self.request,
                "If you have not already, call 999 now. Your referral is flagged as immediate "
                "danger and goes to the top of the front door's queue.",
            )


class ReferralConsentView(ReferralPageView):
    form_class = ConsentForm
    page = "consent"
    title = "Consent"
    next_url_name = "referrals:referral-check"

    def get_initial(self):
        return {
            "consent": self.referral.consent,
            "reason_without_consent": self.referral.reason_without_consent,
        }

    def save(self, form):
        services.referral_draft_update(
            referral=self.referral,
            by=self.request.user,
            consent=form.cleaned_data["consent"],
            reason_without_consent=form.cleaned_data["reason_without_consent"],
        )


class ReferralChildRemoveView(DraftMixin, View):
    def post(self, request, pk, child_pk):
        child = get_object_or_404(self.referral.children, pk=child_pk)
        services.referral_child_remove(referral=self.referral, by=request.user, child=child)
        messages.success(request, "Child removed from the referral.")
        return redirect("referrals:referral-check", pk=self.referral.pk)


class ReferralCheckView(DraftMixin, TemplateView):
    """Check your answers, then send the referral."""

    template_name = "referrals/referral_check.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        referral = self.referral
        children = list(referral.children.all())
        household = ReferralHousehold.objects.filter(referral=referral).first()
        record_access(self.request, [*children, *([household] if household else [])])
        context.update(
            referral=referral,
            children=children,
            household=household,
            problems=services.referral_check(referral),
        )
        return context

    def post(self, request, pk):
        try:
            referral = services.referral_submit(referral=self.referral, by=request.user)
        except ValidationError as error:
            context = self.get_context_data()
            # What the check found, and anything sending refused besides it.
            refused = (
                error.message_dict if hasattr(error, "error_dict") else {"send": error.messages}
            )
            for field, problems in refused.items():
                context["problems"].setdefault(field, problems)
            context["show_problems"] = True
            return self.render_to_response(context)
        messages.success(
            request,
            f"Referral {referral.reference} sent to {referral.front_door}. They will decide by "
            f"{referral.decision_due_on:%A %-d %B %Y}.",
        )
        return redirect(referral)


# ---------------------------------------------------------------------------
# Referrals: the front door, feedback and sharing


def decision_deadline(referral, calendar: WorkingDayCalendar) -> WorkingDayCount | None:
    """How the stored decision deadline was worked out: it stands once set."""
    if referral.decision_due_on is None:
        return None
    return calendar.explain(
        timezone.localdate(referral.received_at),
        services.DECISION_WORKING_DAYS,
        referral.decision_due_on,
    )


class ReferralDetailView(RestrictedViewMixin, DetailView):
    template_name = "referrals/referral_detail.html"
    queryset = REFERRALS

    def get_queryset(self):
        return selectors.with_categories(
            super().get_queryset().exclude(status=ReferralStatus.DRAFT)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        referral = self.object
        user = self.request.user
        children = list(referral.children.all())
        household = ReferralHousehold.objects.filter(referral=referral).first()
        record_access(self.request, [*children, *([household] if household else [])])
        is_front_door = selectors.is_front_door_for(user, referral)
        calendar = WorkingDayCalendar.for_partnership(referral.partnership)
        today = timezone.localdate()
        context.update(
            children=children,
            household=household,
            is_front_door=is_front_door,
            deadline=decision_deadline(referral, calendar),
            breached=referral.is_past_decision_deadline(today),
            timescales=selectors.outcome_timescales(referral, calendar, today),
            duplicates=selectors.possible_duplicates(referral) if is_front_door else [],
            sharing=referral.sharing.select_related("agency", "recorded_by")
            if is_front_door
            else [],
            escalations=selectors.escalations_visible_to(user).filter(referral=referral),
        )
        # A form sent with mistakes comes back bound, as sent (ReferralOutcomeView).
        for view in ReferralOutcomeView.__subclasses__():
            context.setdefault(f"{view.prefix}_form", view.form_class(prefix=view.prefix))
        return context


class ReferralOutcomeView(LoginRequiredMixin, View):
    """A POST from the referral's page recording what followed the decision: the front door's
    alone (others who can see the referral get 403, the rest 404).

    Mistakes in what was typed draw the referral's page again, with the form as it was sent and
    an error summary; a step the referral no longer allows (recorded meanwhile from another
    page) is refused with a message."""

    form_class = None
    prefix = ""  # the form's prefix, and its name in the referral page's context
    success = ""

    def post(self, request, pk):
        referral = permissions.get_visible_or_404(
            REFERRALS.exclude(status=ReferralStatus.DRAFT), request.user, pk=pk
        )
        if not selectors.is_front_door_for(request.user, referral):
            raise PermissionDenied(
                "Only the front door of the child's local authority can record what followed "
                "its decision."
            )
        form = self.form_class(request.POST, prefix=self.prefix)
        if form.is_valid():
            try:
                self.record(referral=referral, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                if not hasattr(error, "error_dict"):
                    messages.error(request, " ".join(error.messages))
                    return redirect(referral)
                add_service_errors(form, error)
            else:
                messages.success(request, self.success)
                return redirect(referral)
        page = ReferralDetailView(request=request, kwargs=self.kwargs, object=referral)
        context = page.get_context_data(**{f"{self.prefix}_form": form, "failed_form": form})
        return page.render_to_response(context)


class AssessmentRecordView(ReferralOutcomeView):
    form_class = AssessmentForm
    prefix = "assessment"
    success = "The assessment's completion is recorded."
    record = staticmethod(services.referral_assessment_record)


class StrategyDiscussionRecordView(ReferralOutcomeView):
    form_class = StrategyDiscussionForm
    prefix = "strategy"
    success = "Strategy discussion recorded. The conference's due date is worked out from it."
    record = staticmethod(services.referral_strategy_discussion_record)


class ConferenceHeldView(ReferralOutcomeView):
    form_class = ConferenceHeldForm
    prefix = "conference"
    success = "Conference recorded."
    record = staticmethod(services.referral_conference_record)


class ConferenceNotNeededView(ReferralOutcomeView):
    form_class = ConferenceNotNeededForm
    prefix = "no_conference"
    success = "Recorded that no conference was needed."
    record = staticmethod(services.referral_conference_record)


class FrontDoorDecisionView(LoginRequiredMixin, FormView):
    """The front door's decision. Others who can see the referral get 403, the rest 404."""

    form_class = DecisionForm
    template_name = "referrals/form_page.html"

    @cached_property
    def referral(self):
        # A draft has not been sent: it has no decision page (404, as for its page), also for
        # the front-door worker who is writing it.
        referral = permissions.get_visible_or_404(
            REFERRALS.exclude(status=ReferralStatus.DRAFT), self.request.user, pk=self.kwargs["pk"]
        )
        if referral.status != ReferralStatus.SUBMITTED:
            raise PermissionDenied("This referral has already been decided.")
        if not permissions.can(self.request.user, permissions.CHANGE, referral):
            raise PermissionDenied(
                "Only the front door of the child's local authority can decide this referral."
            )
        return referral

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.referral  # noqa: B018 (404 or 403 before anything else)
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.referral_decide(
                referral=self.referral,
                by=self.request.user,
                decision=data["decision"],
                reasons=data["reasons"],
                quality_rating=data["quality_rating"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Decision recorded. The referrer has been told.")
        return redirect(self.referral)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=f"Decide on referral {self.referral.reference}",
            back=self.referral.get_absolute_url(),
            button="Record decision",
            keep_draft="referral-decision",
            **kwargs,
        )


class ReferralShareView(FrontDoorDecisionView):
    """Record an information-sharing decision: it gives the agency sight of the referral."""

    form_class = SharingForm

    @cached_property
    def referral(self):
        # A draft has not been sent: there is nothing to share yet (404, as for its page).
        referral = permissions.get_visible_or_404(
            REFERRALS.exclude(status=ReferralStatus.DRAFT), self.request.user, pk=self.kwargs["pk"]
        )
        if not selectors.is_front_door_for(self.request.user, referral):
            raise PermissionDenied("Only the front door can share this referral.")
        return referral

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["partnership_id"] = self.referral.partnership_id
        return kwargs

    def form_valid(self, form):
        try:
            services.information_sharing_record(
                referral=self.referral, by=self.request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Shared with {form.cleaned_data['agency']}.")
        return redirect(self.referral)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            title=f"Share referral {self.referral.reference}",
            button="Share",
            keep_draft="referral-sharing",
        )
        return context


class ReferralShareWithdrawView(LoginRequiredMixin, View):
    def post(self, request, pk, decision_pk):
        referral = permissions.get_visible_or_404(REFERRALS, request.user, pk=pk)
        decision = get_object_or_404(InformationSharingDecision, referral=referral, pk=decision_pk)
        services.information_sharing_withdraw(decision=decision, by=request.user)
        messages.success(request, f"No longer shared with {decision.agency}.")
        return redirect(referral)


# The front door's lists, as tabs: (label, URL name, its follow-up clock's name or "").
FRONT_DOOR_LISTS = (
    ("Waiting for a decision", "referrals:queue", ""),
    ("Assessments open", "referrals:queue-assessments", "assessments"),
    ("Conferences open", "referrals:queue-conferences", "conferences"),
)


def front_door_tabs(selected: str) -> list[tuple[str, str, bool]]:
    return [(label, reverse(name), clock == selected) for label, name, clock in FRONT_DOOR_LISTS]


class FrontDoorQueueView(RoleRequiredMixin, ListView):
    """Referrals waiting for a decision at the person's council: flagged first, then oldest."""

    required_roles = (Role.FRONT_DOOR_WORKER,)
    template_name = "referrals/queue.html"
    paginate_by = 50

    def get_queryset(self):
        return selectors.front_door_queue(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        selectors.decision_deadline_standing(context["object_list"], today)
        context.update(today=today, front_door_tabs=front_door_tabs(""))
        return context


class FrontDoorFollowUpView(RoleRequiredMixin, ListView):
    """Referrals sent to the person's council whose assessment (or conference) is still open,
    soonest due first, each with where it stands. Counted only so far past the page: open
    assessments run to thousands at a large front door."""

    required_roles = (Role.FRONT_DOOR_WORKER,)
    template_name = "referrals/follow_ups.html"
    paginate_by = 50
    paginator_class = BoundedCountPaginator
    descriptions = {
        "assessments": "Child and family assessments not yet completed: each is due 45 working "
        "days after the referral was received.",
        "conferences": "Initial child protection conferences not yet held or found not needed: "
        "each is due 15 working days after the strategy discussion.",
    }

    @cached_property
    def clock(self):
        return selectors.CLOCKS[self.kwargs["clock"]]

    def get_queryset(self):
        return selectors.front_door_follow_ups(self.request.user, self.clock)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        selectors.follow_up_standing(context["object_list"], self.clock, timezone.localdate())
        context.update(
            title=f"{self.clock.name}s open",
            description=self.descriptions[self.kwargs["clock"]],
            front_door_tabs=front_door_tabs(self.kwargs["clock"]),
        )
        return context


class PeriodFiguresView(RoleRequiredMixin, TemplateView):
    """Figures of the partnerships whose dashboards the person reads, for the period asked for
    (the last 12 months unless asked), with charts: never a child's or a family's details."""

    required_roles = selectors.DASHBOARD_ROLES
    count_figures = None  # (partnerships, period) -> the page's figures

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        partnerships = list(
            Partnership.objects.filter(
                pk__in=selectors.dashboard_partnership_ids(self.request.user)
            ).order_by("name")
        )
        form = PeriodForm.for_query(self.request.GET)
        context.update(form=form, partnerships=partnerships)
        if form.is_valid():
            context.update(self.count_figures(partnerships, form.period), period=form.period)
        return context


class ReferralDashboardView(PeriodFiguresView):
    """Referrals received in the period: counts and timeliness per front door."""

    template_name = "referrals/dashboard.html"
    count_figures = staticmethod(dashboards.referral_dashboard)


# ---------------------------------------------------------------------------
# Escalations


class EscalationListView(FilteredListView):
    model = Escalation
    filterset_class = EscalationFilterSet
    template_name = "referrals/escalation_list.html"
    paginator_class = KeysFirstPaginator
    paginate_by = 25

    def get_queryset(self):
        return super().get_queryset().select_related("against_agency", "raised_by_agency")


class EscalationCreateView(PartnershipFirstMixin, FormView):
    """Raise a disagreement: in the referral's partnership when it is about one; otherwise
    someone whose agency works in several partnerships first says which."""

    form_class = EscalationForm
    template_name = "referrals/form_page.html"
    choice_heading = "Which partnership is the disagreement in?"
    no_partnership_reason = "Disagreements are raised by staff of a partnership's agency."

    @cached_property
    def referral(self):
        pk = key_from(self.request.GET.get("referral", ""))
        if pk is None:
            return None
        # A draft has not been sent: there is no decision on it to disagree with (404).
        return permissions.get_visible_or_404(
            REFERRALS.exclude(status=ReferralStatus.DRAFT), self.request.user, pk=pk
        )

    def partnerships_offered(self):
        return selectors.escalation_partnerships(self.request.user, self.referral)

    def get_initial(self):
        referral = self.referral
        if referral and referral.decision:
            return {
                "against_agency": referral.front_door_id,
                "decision_disputed": f"{referral.get_decision_display()} on referral "
                f"{referral.reference}: {referral.decision_reasons}",
                "theme": EscalationTheme.THRESHOLD,
            }
        return {}

    def form_valid(self, form):
        try:
            escalation = services.escalation_create(
                raised_by=self.request.user,
                referral=self.referral,
                partnership=self.partnership,
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Escalation {escalation.reference} raised with {escalation.against_agency}. "
            f"They should respond by {escalation.stage_due_on:%A %-d %B %Y}.",
        )
        return redirect(escalation)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title="Raise a disagreement (escalation)",
            back=reverse("referrals:escalation-list"),
            button="Raise escalation",
            keep_draft="escalation",
            **kwargs,
        )


def stage_deadline(escalation, stage, calendar: WorkingDayCalendar) -> WorkingDayCount:
    """How the stage's stored response deadline was worked out: it stands once set, even when
    the partnership has changed the stage's working days since."""
    opened = "this escalation opened" if stage.number == 1 else "this escalation reached it"

    def rule_changed(then: int) -> str:
        return (
            f"Stage {stage.number} now allows {stage.response_working_days} working days; "
            f"{opened} when it allowed {then}."
        )

    return calendar.explain(
        escalation.stage_started_on,
        stage.response_working_days,
        escalation.stage_due_on,
        rule_changed=rule_changed,
    )


class EscalationDetailView(RestrictedViewMixin, DetailView):
    template_name = "referrals/escalation_detail.html"
    queryset = Escalation.objects.select_related(
        "partnership", "referral", "raised_by", "raised_by_agency", "against_agency"
    )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        escalation = self.object
        user = self.request.user
        stages = services.escalation_stages_for(escalation.partnership)
        calendar = WorkingDayCalendar.for_partnership(escalation.partnership)
        current = next((s for s in stages if s.number == escalation.stage), None)
        can_change = escalation.is_open and permissions.can(user, permissions.CHANGE, escalation)
        raiser_side = can_change and selectors.acts_for_the_raiser(user, escalation)
        context.update(
            stages=stages,
            current_stage=current,
            deadline=stage_deadline(escalation, current, calendar) if current else None,
            responses=escalation.responses.select_related("by", "agency"),
            good_practice=escalation.good_practice.select_related("agency", "recorded_by"),
            can_respond=can_change,
            can_resolve=raiser_side,
            can_escalate=raiser_side and current is not None and current.number < stages[-1].number,
        )
        # A form sent with mistakes comes back bound, as sent (EscalationActionView).
        context.setdefault("response_form", EscalationResponseForm())
        context.setdefault("resolve_form", EscalationResolveForm())
        context.setdefault(
            "good_practice_form", GoodPracticeForm(partnership_id=escalation.partnership_id)
        )
        return context


class EscalationActionView(LoginRequiredMixin, View):
    """A POST on an escalation the person can see: respond, resolve or record good practice.

    Mistakes in what was typed show the escalation's page again, with the form as it was sent
    and an error summary; a step the escalation no longer allows (resolved meanwhile) is refused
    with a message."""

    form_class = None
    form_name = ""  # the form's name in the escalation page's context
    success = ""

    def post(self, request, pk):
        escalation = permissions.get_visible_or_404(Escalation.objects.all(), request.user, pk=pk)
        form = self.make_form(escalation)
        if form.is_valid():
            try:
                self.act(escalation, form.cleaned_data)
            except ValidationError as error:
                if not hasattr(error, "error_dict"):
                    messages.error(request, " ".join(error.messages))
                    return redirect(escalation)
                add_service_errors(form, error)
            else:
                messages.success(request, self.success)
                return redirect(escalation)
        page = EscalationDetailView(request=request, kwargs=self.kwargs, object=escalation)
        return page.render_to_response(page.get_context_data(**{self.form_name: form}))

    def make_form(self, escalation):
        return self.form_class(self.request.POST)


class EscalationRespondView(EscalationActionView):
    form_class = EscalationResponseForm
    form_name = "response_form"
    success = "Response recorded."

    def act(self, escalation, data):
        services.escalation_respond(escalation=escalation, by=self.request.user, **data)


class EscalationResolveView(EscalationActionView):
    form_class = EscalationResolveForm
    form_name = "resolve_form"
    success = "Escalation resolved."

    def act(self, escalation, data):
        services.escalation_resolve(escalation=escalation, by=self.request.user, **data)


class EscalationEscalateView(EscalationActionView):
    form_class = forms.Form
    success = "Escalated to the next stage. Its people have been told."

    def act(self, escalation, data):
        services.escalation_escalate(escalation=escalation, by=self.request.user)


class GoodPracticeCreateView(EscalationActionView):
    form_class = GoodPracticeForm
    form_name = "good_practice_form"
    success = "Good practice recorded."

    def make_form(self, escalation):
        return GoodPracticeForm(self.request.POST, partnership_id=escalation.partnership_id)

    def act(self, escalation, data):
        services.good_practice_record(escalation=escalation, by=self.request.user, **data)


class EscalationStagesView(LoginRequiredMixin, FormView):
    """The partnership's escalation stages and their timescales, set by its business team."""

    form_class = EscalationStageFormSet
    template_name = "referrals/escalation_stages.html"

    def get_form_class(self):
        # Exactly one row per stage of the partnership: a row more or fewer is refused.
        count = len(services.escalation_stages_for(self.partnership))
        return forms.formset_factory(
            EscalationStageFormSet.form,
            extra=0,
            min_num=count,
            max_num=count,
            validate_min=True,
            validate_max=True,
        )

    def form_invalid(self, form):
        if form.non_form_errors():
            messages.error(
                self.request,
                "The stages sent did not match the partnership's stages, so nothing was saved. "
                "Check them and save again.",
            )
            return redirect("referrals:escalation-stages", pk=self.partnership.pk)
        return super().form_invalid(form)

    @cached_property
    def partnership(self):
        partnership = permissions.get_visible_or_404(
            Partnership.objects.all(), self.request.user, pk=self.kwargs["pk"]
        )
        permissions.require(self.request.user, permissions.CHANGE, partnership)
        return partnership

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.partnership  # noqa: B018 (404 or 403 before anything else)
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return [
            {"id": s.pk, "name": s.name, "response_working_days": s.response_working_days}
            for s in services.escalation_stages_for(self.partnership)
        ]

    def form_valid(self, form):
        try:
            services.escalation_stages_update(
                partnership=self.partnership,
                by=self.request.user,
                stages=[f.cleaned_data for f in form.forms],
            )
        except ValidationError as error:
            form.forms[0].add_error(None, error.messages)
            return self.form_invalid(form)
        messages.success(self.request, "Escalation stages saved.")
        return redirect("referrals:escalation-stages", pk=self.partnership.pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(partnership=self.partnership, **kwargs)


class EscalationDashboardView(PeriodFiguresView):
    """Escalations open now by stage and age; those raised in the period by outcome, theme and
    agency."""

    template_name = "referrals/escalation_dashboard.html"
    count_figures = staticmethod(dashboards.escalation_dashboard)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["stage_settings"] = Partnership.objects.filter(
            pk__in=permissions.partnership_ids_with_role(self.request.user, [Role.BUSINESS_TEAM])
        )
        return context
