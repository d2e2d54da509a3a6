from django.urls import path

from . import views
from .choices import ReachKind
from .selectors import CLOCKS

app_name = "referrals"

urlpatterns = [
    path("", views.ReferralListView.as_view(), name="referral-list"),
    *(
        path(f"{reach}/", views.ReferralListView.as_view(), {"reach": reach}, name=f"list-{reach}")
        for reach in ReachKind
        if reach != ReachKind.MADE_BY_YOU
    ),
    path("new/", views.ReferralStartView.as_view(), name="referral-start"),
    path("queue/", views.FrontDoorQueueView.as_view(), name="queue"),
    *(
        path(
            f"queue/{clock}/",
            views.FrontDoorFollowUpView.as_view(),
            {"clock": clock},
            name=f"queue-{clock}",
        )
        for clock in CLOCKS
    ),
    path("dashboard/", views.ReferralDashboardView.as_view(), name="dashboard"),
    path("<int:pk>/", views.ReferralDetailView.as_view(), name="referral-detail"),
    path("<int:pk>/child/", views.ReferralChildView.as_view(), name="referral-child"),
    path(
        "<int:pk>/child/add/",
        views.ReferralChildView.as_view(),
        {"add": True},
        name="referral-child-add",
    ),
    path(
        "<int:pk>/child/<int:child_pk>/",
        views.ReferralChildView.as_view(),
        name="referral-child-edit",
    ),
    path(
        "<int:pk>/child/<int:child_pk>/remove/",
        views.ReferralChildRemoveView.as_view(),
        name="referral-child-remove",
    ),
    path("<int:pk>/household/", views.ReferralHouseholdView.as_view(), name="referral-household"),
    path(
        "<int:pk>/local-authority/",
        views.ReferralLocalAuthorityView.as_view(),
        name="referral-local-authority",
    ),
    path("<int:pk>/concerns/", views.ReferralConcernsView.as_view(), name="referral-concerns"),
    path("<int:pk>/consent/", views.ReferralConsentView.as_view(), name="referral-consent"),
    path("<int:pk>/check/", views.ReferralCheckView.as_view(), name="referral-check"),
    path("<int:pk>/decision/", views.FrontDoorDecisionView.as_view(), name="referral-decide"),
    path(
        "<int:pk>/assessment/",
        views.AssessmentRecordView.as_view(),
        name="referral-assessment",
    ),
    path(
        "<int:pk>/strategy-discussion/",
        views.StrategyDiscussionRecordView.as_view(),
        name="referral-strategy-discussion",
    ),
    path("<int:pk>/conference/", views.ConferenceHeldView.as_view(), name="referral-conference"),
    path(
        "<int:pk>/conference/not-needed/",
        views.ConferenceNotNeededView.as_view(),
        name="referral-no-conference",
    ),
    path("<int:pk>/share/", views.ReferralShareView.as_view(), name="referral-share"),
    path(
        "<int:pk>/share/<int:decision_pk>/withdraw/",
        views.ReferralShareWithdrawView.as_view(),
        name="referral-share-withdraw",
    ),
    path("escalations/", views.EscalationListView.as_view(), name="escalation-list"),
    path("escalations/new/", views.EscalationCreateView.as_view(), name="escalation-create"),
    path(
        "escalations/dashboard/",
        views.EscalationDashboardView.as_view(),
        name="escalation-dashboard",
    ),
    path(
        "escalations/stages/<int:pk>/",
        views.EscalationStagesView.as_view(),
        name="escalation-stages",
    ),
    path("escalations/<int:pk>/", views.EscalationDetailView.as_view(), name="escalation-detail"),
    path(
        "escalations/<int:pk>/respond/",
        views.EscalationRespondView.as_view(),
        name="escalation-respond",
    ),
    path(
        "escalations/<int:pk>/resolve/",
        views.EscalationResolveView.as_view(),
        name="escalation-resolve",
    ),
    path(
        "escalations/<int:pk>/escalate/",
        views.EscalationEscalateView.as_view(),
        name="escalation-escalate",
    ),
    path(
        "escalations/<int:pk>/good-practice/",
        views.GoodPracticeCreateView.as_view(),
        name="escalation-good-practice",
    ),
]
