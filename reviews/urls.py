from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("", views.RapidReviewListView.as_view(), name="review-list"),
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("incidents/", views.SeriousIncidentListView.as_view(), name="incident-list"),
    path("incidents/new/", views.SeriousIncidentCreateView.as_view(), name="incident-create"),
    path("incidents/<int:pk>/", views.SeriousIncidentDetailView.as_view(), name="incident-detail"),
    path(
        "incidents/<int:pk>/notification/",
        views.IncidentNotificationView.as_view(),
        name="incident-notification",
    ),
    path(
        "incidents/<int:pk>/start-review/",
        views.RapidReviewStartView.as_view(),
        name="review-start",
    ),
    path("<int:pk>/", views.RapidReviewDetailView.as_view(), name="review-detail"),
    path("<int:pk>/meeting/", views.MeetingView.as_view(), name="review-meeting"),
    path("<int:pk>/decision/", views.DecisionView.as_view(), name="review-decision"),
    path("<int:pk>/sign-off/", views.SignOffView.as_view(), name="review-sign-off"),
    path("<int:pk>/submit/", views.SubmitView.as_view(), name="review-submit"),
    path("<int:pk>/extensions/new/", views.ExtensionView.as_view(), name="review-extend"),
    path("<int:pk>/share-returns/", views.ShareReturnsView.as_view(), name="review-share-returns"),
    path(
        "<int:pk>/recommendations/new/",
        views.RecommendationView.as_view(),
        name="review-recommendation",
    ),
    path("returns/<int:pk>/", views.AgencyReturnDetailView.as_view(), name="return-detail"),
    path(
        "practice-reviews/",
        views.PracticeReviewListView.as_view(),
        name="practice-review-list",
    ),
    path(
        "practice-reviews/<int:pk>/",
        views.PracticeReviewDetailView.as_view(),
        name="practice-review-detail",
    ),
    path(
        "practice-reviews/<int:pk>/final-report/",
        views.PracticeReviewReportView.as_view(),
        name="practice-review-report",
    ),
    path(
        "practice-reviews/<int:pk>/milestones/",
        views.MilestoneAddView.as_view(),
        name="practice-review-milestone",
    ),
    path(
        "practice-reviews/milestones/<int:pk>/done/",
        views.MilestoneCompleteView.as_view(),
        name="milestone-complete",
    ),
]
