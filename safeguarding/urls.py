from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token

from . import views
from .api import WorkingDaysView
from .health import HealthView

api_v1 = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("working-days/", WorkingDaysView.as_view(), name="api-working-days"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("partnerships.api.urls")),
    path("", include("reviews.api.urls")),
    path("", include("referrals.api.urls")),
    path("", include("audits.api.urls")),
]

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path(
        "sign-in/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path(
        "notifications/<int:pk>/read/",
        views.NotificationReadView.as_view(),
        name="notification-read",
    ),
    path("access-log/", views.AccessLogView.as_view(), name="access-log"),
    path("working-days/", views.WorkingDayCalculatorView.as_view(), name="working-days"),
    path("partnerships/", include("partnerships.urls")),
    path("reviews/", include("reviews.urls")),
    path("referrals/", include("referrals.urls")),
    path("audits/", include("audits.urls")),
    path("health/", HealthView.as_view(), name="health"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
]
