"""Shared pages and the base classes every app's views build on."""

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from partnerships.choices import Role

from . import drafts, permissions
from .filtersets import AccessLogEntryFilterSet
from .forms import DATE_HINT, GovukDateField
from .models import AccessLogEntry, Notification
from .navigation import destinations_for
from .notifications import notification_mark_read, notification_resend, undelivered_notifications
from .pagination import PositionPaginatedMixin, PositionPagination
from .working_days import MAX_DAYS, WorkingDayCalendar, check_start_in_range


def key_from(value: str) -> int | None:
    """A record's key from a query or form value: ASCII digits that fit one, else None.

    `str.isdigit()` also takes '²' and '٣', which `int()` then refuses."""
    return int(value) if re.fullmatch(r"[0-9]{1,18}", value) else None


class RestrictedViewMixin(LoginRequiredMixin):
    """Reads go through the permission layer: unseen objects are 404; anonymous people sign in."""

    permission_action = permissions.VIEW

    def get_queryset(self):
        return self.restrict(super().get_queryset())

    def restrict(self, queryset):
        return permissions.restrict(queryset, self.request.user, self.permission_action)


class RoleRequiredMixin(LoginRequiredMixin):
    """Pages for people holding one of `required_roles` in some partnership; others get 403."""

    required_roles: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not (
            bool(permissions.partnership_ids_with_role(request.user, self.required_roles))
        ):
            roles = " or ".join(Role(role).label.lower() for role in self.required_roles)
            raise PermissionDenied(f"This page is for the partnership's {roles}.")
        return super().dispatch(request, *args, **kwargs)


class FilteredListView(RestrictedViewMixin, ListView):
    """A paginated list of the rows a person may see, narrowed by a django-filter FilterSet."""

    filterset_class = None
    paginate_by = 50

    def get_queryset(self):
        self.filterset = self.filterset_class(
            self.request.GET or None, queryset=super().get_queryset(), request=self.request
        )
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filterset.form
        return context


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "safeguarding/home.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        context = super().get_context_data(**kwargs)
        context["assignments"] = (
            user.role_assignments.current().select_related("partnership").order_by("partnership")
        )
        context["destinations"] = [d for d in destinations_for(user) if d.url_name != "home"]
        context["recent_notifications"] = user.notifications.all()[:5]
        context["undelivered_count"] = undelivered_notifications(user).count()
        return context


class NotificationListView(RestrictedViewMixin, ListView):
    model = Notification
    template_name = "safeguarding/notification_list.html"
    paginate_by = 25


class NotificationReadView(LoginRequiredMixin, View):
    def post(self, request, pk):
        notification = permissions.get_visible_or_404(
            Notification.objects.all(), request.user, pk=pk
        )
        notification_mark_read(notification=notification)
        target = notification.url or "notifications"
        if notification.url and not url_has_allowed_host_and_scheme(
            notification.url, allowed_hosts={request.get_host()}
        ):
            target = "notifications"
        return redirect(target)


class UndeliveredNotificationListView(RoleRequiredMixin, ListView):
    """The emails given up in the partnerships a person looks after, to be sent again."""

    required_roles = (Role.BUSINESS_TEAM, Role.SYSTEM_ADMIN)
    template_name = "safeguarding/notification_undelivered.html"
    paginate_by = 25

    def get_queryset(self):
        return undelivered_notifications(self.request.user).select_related(
            "recipient", "partnership"
        )


class NotificationResendView(LoginRequiredMixin, View):
    def post(self, request, pk):
        notification = get_object_or_404(
            permissions.restrict(Notification.objects.all(), request.user, permissions.CHANGE),
            pk=pk,
        )
        try:
            notification_resend(notification=notification)
        except ValidationError as error:
            messages.info(request, error.message)
        else:
            messages.success(request, f"The email to {notification.recipient} will be sent again.")
        return redirect("notifications-undelivered")


class NewestReadFirst(PositionPagination):
    ordering = ("-at", "-pk")


class AccessLogView(RoleRequiredMixin, PositionPaginatedMixin, FilteredListView):
    """Every read of a child's details in the partnerships a person oversees, newest first.

    The log only grows, by a few entries each time a child's record is opened, so it is paged by
    position: counting a partnership's entries on every page would grow with it.
    """

    required_roles = (Role.BUSINESS_TEAM, Role.SYSTEM_ADMIN)
    model = AccessLogEntry
    filterset_class = AccessLogEntryFilterSet
    position_pagination = NewestReadFirst
    template_name = "safeguarding/access_log.html"

    # The columns the table shows and no more: the reader's name and agency, not every column
    # of the person, the agency, the partnership and the record type joined to each entry.
    shown = (
        "at",
        "record",
        "channel",
        "path",
        "user__first_name",
        "user__last_name",
        "user__username",
        "agency__name",
    )

    def get_queryset(self):
        return super().get_queryset().select_related("user", "agency").only(*self.shown)


class WorkingDayForm(forms.Form):
    start = GovukDateField(
        label="Start date", help_text=f"The day the clock starts from. {DATE_HINT}"
    )
    days = forms.IntegerField(label="Number of working days", min_value=0, max_value=MAX_DAYS)

    def clean_start(self):
        start = self.cleaned_data["start"]
        try:
            check_start_in_range(start)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        return start


class WorkingDayCalculatorView(LoginRequiredMixin, FormView):
    """Shows how a deadline is worked out, day by day."""

    form_class = WorkingDayForm
    template_name = "safeguarding/working_days.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if "days" in self.request.GET:
            kwargs["data"] = self.request.GET
        return kwargs

    def get(self, request, *args, **kwargs):
        form = self.get_form()
        context = self.get_context_data(form=form)
        if form.is_bound and form.is_valid():
            context["result"] = WorkingDayCalendar().add(
                form.cleaned_data["start"], form.cleaned_data["days"]
            )
        return self.render_to_response(context)


def csrf_failure(request, reason=""):
    """A form sent from a page drawn before the person last signed in (their session ended and
    they signed in again in another tab) carries a security token that no longer holds. Say so
    plainly and lead back to the form, where keep-drafts.js puts back what was typed."""
    return render(request, "403_csrf.html", {"form_page": drafts.form_page(request)}, status=403)


def server_error(request):
    """A clear answer instead of a traceback: JSON for the API, the GOV.UK page otherwise."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": "Sorry, there is a problem with the service. Try again later."},
            status=500,
        )
    return render(request, "500.html", status=500)
