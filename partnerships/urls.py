from django.urls import path

from . import views

app_name = "partnerships"

urlpatterns = [
    path("", views.PartnershipListView.as_view(), name="partnership-list"),
    path("<int:pk>/", views.PartnershipDetailView.as_view(), name="partnership-detail"),
    path(
        "arrangements/<int:pk>/document/",
        views.ArrangementDocumentView.as_view(),
        name="arrangement-document",
    ),
    path("agencies/", views.AgencyListView.as_view(), name="agency-list"),
    path("agencies/<int:pk>/", views.AgencyDetailView.as_view(), name="agency-detail"),
    path("actions/", views.ActionListView.as_view(), name="action-list"),
    path("actions/<int:pk>/", views.ActionDetailView.as_view(), name="action-detail"),
    path("indicators/", views.IndicatorDashboardView.as_view(), name="indicators"),
    path("<int:pk>/targets/", views.IndicatorTargetsView.as_view(), name="indicator-targets"),
    path("benchmarking/", views.BenchmarkingView.as_view(), name="benchmarking"),
    path("scrutiny/", views.ScrutinyListView.as_view(), name="scrutiny-list"),
    path("scrutiny/new/", views.ScrutinyCreateView.as_view(), name="scrutiny-create"),
    path("scrutiny/<int:pk>/", views.ScrutinyDetailView.as_view(), name="scrutiny-detail"),
    path("reports/", views.YearlyReportListView.as_view(), name="report-list"),
    path("reports/<int:pk>/", views.YearlyReportDetailView.as_view(), name="report-detail"),
    path("reports/<int:pk>/pdf/", views.YearlyReportPdfView.as_view(), name="report-pdf"),
    path(
        "reports/<int:pk>/contributions/",
        views.YearlyReportContributionsView.as_view(),
        name="report-contributions",
    ),
    path(
        "reports/<int:pk>/contributions/<int:contribution>/",
        views.YearlyReportContributionChangeView.as_view(),
        name="report-contribution-change",
    ),
    path("training/", views.TrainingListView.as_view(), name="training-list"),
    path("training/<int:pk>/", views.TrainingDetailView.as_view(), name="training-detail"),
    path("training/<int:pk>/change/", views.TrainingChangeView.as_view(), name="training-change"),
    path("<int:pk>/training/new/", views.TrainingCreateView.as_view(), name="training-create"),
    path(
        "reports/<int:pk>/young-people/",
        views.YearlyReportYoungPeopleView.as_view(),
        name="report-young-people",
    ),
    path(
        "safeguarding-leads/",
        views.DesignatedSafeguardingLeadListView.as_view(),
        name="dsl-list",
    ),
]
