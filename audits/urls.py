from django.urls import path

from . import views

app_name = "audits"

urlpatterns = [
    path("", views.AuditListView.as_view(), name="audit-list"),
    path("new/", views.AuditCreateView.as_view(), name="audit-create"),
    path("<int:pk>/", views.AuditDetailView.as_view(), name="audit-detail"),
    path("<int:pk>/cases/", views.AuditCasesAddView.as_view(), name="audit-cases-add"),
    path("<int:pk>/sample/", views.AuditSampleView.as_view(), name="audit-sample"),
    path("<int:pk>/follow-up/", views.AuditFollowUpView.as_view(), name="audit-follow-up"),
    path("<int:pk>/results/", views.AuditResultsView.as_view(), name="audit-results"),
    path(
        "<int:pk>/results.csv",
        views.AuditResultsExportView.as_view(),
        {"fmt": "csv"},
        name="audit-results-csv",
    ),
    path(
        "<int:pk>/results.xlsx",
        views.AuditResultsExportView.as_view(),
        {"fmt": "xlsx"},
        name="audit-results-xlsx",
    ),
    path("returns/", views.AuditReturnListView.as_view(), name="return-list"),
    path("returns/<int:pk>/", views.AuditReturnView.as_view(), name="return-detail"),
    path("returns/<int:pk>/reopen/", views.AuditReturnReopenView.as_view(), name="return-reopen"),
    path("cases/<int:pk>/", views.CaseModerationView.as_view(), name="case-moderate"),
    path("self-assessments/", views.SelfAssessmentListView.as_view(), name="self-assessment-list"),
    path(
        "self-assessments/<int:pk>/",
        views.SelfAssessmentView.as_view(),
        name="self-assessment-detail",
    ),
    path("rounds/new/", views.SelfAssessmentRoundCreateView.as_view(), name="round-create"),
    path("rounds/<int:pk>/", views.SelfAssessmentRoundView.as_view(), name="round-detail"),
    path(
        "rounds/<int:pk>/export.csv",
        views.SelfAssessmentRoundExportView.as_view(),
        name="round-export",
    ),
]
