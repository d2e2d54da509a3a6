from datetime import date

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView
from django.views.generic.detail import SingleObjectMixin

from partnerships.forms import PeriodForm
from partnerships.indicators import Period
from partnerships.models import Partnership
from partnerships.selectors import actions_visible_to
from partnerships.views import PartnershipFirstMixin
from safeguarding import permissions
from safeguarding.access_log import record_access
from safeguarding.downloads import file_download
from safeguarding.forms import add_service_errors
from safeguarding.pagination import KeysFirstPaginator
from safeguarding.views import FilteredListView, RestrictedViewMixin, RoleRequiredMixin
from safeguarding.working_days import calendars_for

from . import selectors, services
from .filtersets import PracticeReviewFilterSet, RapidReviewFilterSet, SeriousIncidentFilterSet
from .forms import (
    AgencyReturnForm,
    DecisionForm,
    ExtensionForm,
    IncidentChildFormSet,
    MeetingForm,
    MilestoneForm,
    NotificationForm,
    PracticeReviewForm,
    RecommendationForm,
    SeriousIncidentForm,
    SubmitForm,
)
from .models import AgencyReturn, Milestone, PracticeReview, RapidReview, SeriousIncident, SignOff


def _recordable_partnerships(user):
    visible = permissions.restrict(Partnership.objects.all(), user)
    return visible.filter(pk__in=[p.pk for p in visible if selectors.can_record_incident(user, p)])


# ---------------------------------------------------------------------------
# Serious incidents


class SeriousIncidentListView(FilteredListView):
    model = SeriousIncident
    filterset_class = SeriousIncidentFilterSet
    template_name = "reviews/incident_list.html"
    paginator_class = KeysFirstPaginator

    def get_queryset(self):
        return (
            super().get_queryset().select_related("partnership", "local_authority", "rapid_review")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_record"] = _recordable_partnerships(self.request.user).exists()
        return context


class SeriousIncidentCreateView(PartnershipFirstMixin, FormView):
    """Record a serious incident: the case record, then up to four children."""

    form_class = SeriousIncidentForm
    template_name = "reviews/incident_form.html"
    choice_heading = "Which partnership is the incident for?"
    no_partnership_reason = "Only the business team or the local authority records incidents."

    def partnerships_offered(self):
        return _recordable_partnerships(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault(
            "children", IncidentChildFormSet(self.request.POST or None, prefix="children")
        )
        return context

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        children = IncidentChildFormSet(request.POST, prefix="children")
        if form.is_valid() and children.is_valid():
            try:
                incident = services.incident_create(
                    by=request.user,
                    partnership=self.partnership,
                    children=[c for c in children.cleaned_data if c],
                    **form.cleaned_data,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Serious incident {incident.reference} recorded.")
                return redirect(incident)
        return self.render_to_response(self.get_context_data(form=form, children=children))


class SeriousIncidentDetailView(RestrictedViewMixin, DetailView):
    model = SeriousIncident
    template_name = "reviews/incident_detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related(
                "partnership", "local_authority", "home_local_authority", "rapid_review"
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        incident = self.object
        children = list(selectors.children_visible_to(self.request.user, incident))
        record_access(self.request, children)
        calendar = calendars_for([incident.partnership_id])[incident.partnership_id]
        context.update(
            children=children,
            notification_deadline=services.notification_deadline_explained(incident, calendar),
            notification_late_by=services.notification_late_by(incident, calendar),
            agencies=incident.agencies_involved.all(),
            can_change=permissions.can(self.request.user, permissions.CHANGE, incident),
            has_review=hasattr(incident, "rapid_review"),
            notification_form=kwargs.get("notification_form") or NotificationForm(),
        )
        return context


class IncidentStepView(RestrictedViewMixin, SingleObjectMixin, View):
    """A POST that moves an incident on; the business team's to make."""

    model = SeriousIncident

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        permissions.require(request.user, permissions.CHANGE, self.object)
        return self.perform(request)


class IncidentNotificationView(IncidentStepView):
    def perform(self, request):
        form = NotificationForm(request.POST)
        if form.is_valid():
            try:
                services.incident_record_notification(
                    incident=self.object, by=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Notification to the Panel recorded.")
                return redirect(self.object)
        view = SeriousIncidentDetailView(request=request, kwargs=self.kwargs, object=self.object)
        return view.render_to_response(view.get_context_data(notification_form=form))


class RapidReviewStartView(IncidentStepView):
    def perform(self, request):
        try:
            review = services.rapid_review_create(incident=self.object, by=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect(self.object)
        messages.success(
            request, "Rapid review started. Information requests are with the agencies."
        )
        return redirect(review)


# ---------------------------------------------------------------------------
# Rapid reviews


class RapidReviewListView(FilteredListView):
    model = RapidReview
    filterset_class = RapidReviewFilterSet
    template_name = "reviews/review_list.html"
    paginator_class = KeysFirstPaginator

    def get_queryset(self):
        return super().get_queryset().select_related("incident", "partnership")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["object_list"] = selectors.with_timing(context["object_list"])
        return context


class RapidReviewDetailView(RestrictedViewMixin, DetailView):
    model = RapidReview
    template_name = "reviews/review_detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("incident", "partnership", "practice_review")
            # Read once for the sign-off list and for what still blocks submission.
            .prefetch_related(
                Prefetch(
                    "sign_offs", queryset=SignOff.objects.select_related("signed_by", "agency")
                )
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, review = self.request.user, self.object
        calendars = calendars_for([review.partnership_id])
        calendar = calendars[review.partnership_id]
        selectors.with_timing([review], calendars=calendars)
        signed = {s.partner_kind: s for s in review.sign_offs.all()}
        kind = selectors.partner_kind_of(user, review.partnership)
        context.update(
            deadline=services.rapid_review_deadline(review, calendar),
            plan=services.rapid_review_plan(review, calendar),
            returns=selectors.returns_visible_to(user).filter(rapid_review=review),
            extensions=review.extensions.select_related("granted_by"),
            sign_offs=[(k, signed.get(k)) for k in ("local_authority", "health", "police")],
            can_sign_off=kind is not None and kind not in signed and review.status == "decided",
            partner_kind=kind,
            blockers=services.submission_blockers(review) if review.is_open else {},
            actions=actions_visible_to(user).filter(
                source_type=ContentType.objects.get_for_model(RapidReview), source_id=review.pk
            ),
            can_change=permissions.can(user, permissions.CHANGE, review),
            practice_review=getattr(review, "practice_review", None),
        )
        return context


class ReviewStepView(RestrictedViewMixin, SingleObjectMixin, FormView):
    """One step of a rapid review, as a form that calls a service."""

    model = RapidReview
    template_name = "reviews/step_form.html"
    title = ""
    success_message = ""
    permission = permissions.CHANGE

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = self.get_object()
            permissions.require(request.user, self.permission, self.object)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=self.title, **kwargs)

    def form_valid(self, form):
        try:
            self.perform(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        return redirect(self.get_success_url())

    def get_success_url(self):
        return self.object.get_absolute_url()


class MeetingView(ReviewStepView):
    form_class = MeetingForm
    title = "Record the rapid review meeting"
    success_message = "Meeting recorded."

    def get_initial(self):
        review = self.object
        return {
            "held_on": review.meeting_held_on,
            "attendees": review.meeting_attendees,
            "notes": review.meeting_notes,
            "immediate_safety_actions": review.immediate_safety_actions,
            "learning": review.learning,
        }

    def perform(self, data):
        services.rapid_review_record_meeting(review=self.object, by=self.request.user, **data)


class DecisionView(ReviewStepView):
    form_class = DecisionForm
    title = "Record the decision"
    success_message = "Decision recorded. The three partners can now sign off."

    def get_initial(self):
        return {"decision": self.object.decision, "reasons": self.object.decision_reasons}

    def perform(self, data):
        services.rapid_review_decide(review=self.object, by=self.request.user, **data)


class SubmitView(ReviewStepView):
    form_class = SubmitForm
    title = "Submit the rapid review to the Panel"
    success_message = "Rapid review submitted to the Panel."

    def get_initial(self):
        return {"submitted_on": timezone.localdate()}

    def perform(self, data):
        services.rapid_review_submit(review=self.object, by=self.request.user, **data)


class ExtensionView(ReviewStepView):
    form_class = ExtensionForm
    title = "Record an extension"
    success_message = "Extension recorded. The original deadline stays on the record."

    def perform(self, data):
        services.rapid_review_extend(review=self.object, by=self.request.user, **data)


class RecommendationView(ReviewStepView):
    form_class = RecommendationForm
    title = "Add a recommendation and the action that answers it"
    success_message = "Action added."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "partnership": self.object.partnership}

    def perform(self, data):
        services.recommendation_add(review=self.object, by=self.request.user, **data)


class ReviewActionView(RestrictedViewMixin, SingleObjectMixin, View):
    """A button on the review page (sign off, share returns)."""

    model = RapidReview
    permission = permissions.CHANGE

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        permissions.require(request.user, self.permission, self.object)
        try:
            message = self.perform(request)
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
        else:
            messages.success(request, message)
        return redirect(self.object)


class SignOffView(ReviewActionView):
    # The service decides whether this person speaks for a partner.
    permission = permissions.VIEW

    def perform(self, request):
        sign_off = services.rapid_review_sign_off(review=self.object, by=request.user)
        return f"Signed off for {sign_off.get_partner_kind_display().lower()}."


class ShareReturnsView(ReviewActionView):
    def perform(self, request):
        services.rapid_review_share_returns(review=self.object, by=request.user)
        return "Every involved agency can now read every return."


class AgencyReturnDetailView(RestrictedViewMixin, FormView, DetailView):
    """An agency's return: read it, or (its own agency) save a draft and submit it."""

    model = AgencyReturn
    form_class = AgencyReturnForm
    template_name = "reviews/return_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("agency", "rapid_review__incident")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data())

    def get_initial(self):
        return {"chronology": self.object.chronology, "summary": self.object.summary}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_edit"] = self.object.status != "submitted" and permissions.can(
            self.request.user, permissions.CHANGE, self.object
        )
        return context

    def form_valid(self, form):
        permissions.require(self.request.user, permissions.CHANGE, self.object)
        submit = self.request.POST.get("action") == "submit"
        try:
            services.agency_return_save(
                agency_return=self.object, by=self.request.user, submit=submit, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Return submitted." if submit else "Draft saved.")
        return redirect(self.object)


# ---------------------------------------------------------------------------
# Practice reviews


class PracticeReviewListView(FilteredListView):
    model = PracticeReview
    filterset_class = PracticeReviewFilterSet
    template_name = "reviews/practice_review_list.html"
    paginator_class = KeysFirstPaginator

    def get_queryset(self):
        return super().get_queryset().select_related("rapid_review__incident", "partnership")


class PracticeReviewDetailView(RestrictedViewMixin, FormView, DetailView):
    model = PracticeReview
    form_class = PracticeReviewForm
    template_name = "reviews/practice_review_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("rapid_review__incident", "partnership")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data())

    def get_initial(self):
        review = self.object
        return {
            "reviewer": review.reviewer,
            "terms_of_reference": review.terms_of_reference,
            "sent_to_panel_on": review.sent_to_panel_on,
            "published_on": review.published_on,
            "learning_briefing": review.learning_briefing,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, review = self.request.user, self.object
        context.update(
            can_change=permissions.can(user, permissions.CHANGE, review),
            milestones=review.milestones.all(),
            panel_warning=services.panel_notice_warning(review),
            actions=actions_visible_to(user).filter(
                source_type=ContentType.objects.get_for_model(PracticeReview), source_id=review.pk
            ),
            today=date.today(),
        )
        context.setdefault("milestone_form", MilestoneForm())  # bound when sent with mistakes
        return context

    def form_valid(self, form):
        permissions.require(self.request.user, permissions.CHANGE, self.object)
        try:
            _, warning = services.practice_review_update(
                practice_review=self.object, by=self.request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Practice review updated.")
        if warning:
            messages.warning(self.request, warning)
        return redirect(self.object)


class PracticeReviewReportView(RestrictedViewMixin, SingleObjectMixin, View):
    """The final report, for those who may see the practice review (the scrutineer: once it is
    published). Uploaded files are served only through views like this one: nothing serves
    MEDIA_ROOT, where a report not yet published would be open to anyone with its address."""

    model = PracticeReview

    def get(self, request, *args, **kwargs):
        review = self.get_object()
        response = file_download(review.final_report, f"practice-review-{review.pk}-final-report")
        record_access(request, [review])
        return response


class MilestoneAddView(RestrictedViewMixin, SingleObjectMixin, View):
    model = PracticeReview

    def post(self, request, *args, **kwargs):
        practice_review = self.get_object()
        permissions.require(request.user, permissions.CHANGE, practice_review)
        form = MilestoneForm(request.POST)
        if form.is_valid():
            services.milestone_add(
                practice_review=practice_review, by=request.user, **form.cleaned_data
            )
            messages.success(request, "Milestone added.")
            return redirect(practice_review)
        # The review's page again, the milestone as sent with its mistakes, the update form
        # as it stands (not bound to this POST, which is not its).
        page = PracticeReviewDetailView(request=request, kwargs=self.kwargs, object=practice_review)
        return page.render_to_response(
            page.get_context_data(
                form=PracticeReviewForm(initial=page.get_initial()), milestone_form=form
            )
        )


class MilestoneCompleteView(LoginRequiredMixin, View):
    """Mark a practice review milestone done today."""

    def post(self, request, pk):
        milestone = get_object_or_404(
            Milestone.objects.select_related("practice_review"),
            pk=pk,
            practice_review__in=selectors.practice_reviews_visible_to(request.user),
        )
        permissions.require(request.user, permissions.CHANGE, milestone.practice_review)
        try:
            services.milestone_complete(
                milestone=milestone, completed_on=timezone.localdate(), by=request.user
            )
        except ValidationError as error:
            for text in error.messages:
                messages.info(request, text)
        else:
            messages.success(request, f"{milestone.title}: marked as done.")
        return redirect(milestone.practice_review)


# ---------------------------------------------------------------------------
# Dashboard


class DashboardView(RoleRequiredMixin, TemplateView):
    """Open reviews against their deadlines, returns outstanding, timeliness, overdue actions.

    Scrutineers see the figures; the list of open reviews only shows reviews a person may open.
    """

    required_roles = selectors.DASHBOARD_ROLES
    template_name = "reviews/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        # This year so far unless asked; `from` and `to` as ISO text are the dates' old names.
        form = PeriodForm.for_query(
            self.request.GET,
            period=Period(today.replace(month=1, day=1), today),
            iso_names={"from": "date_from", "to": "date_to"},
        )
        period = form.period if form.is_valid() else None
        context.update(
            selectors.dashboard(self.request.user, period=period, today=today),
            form=form,
            period=period,
        )
        return context
