from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from knox.settings import CONSTANTS as KNOX

from . import account, views
from .api import WorkingDaysView
from .health import HealthView

admin.site.login_form = account.AdminSignInForm


class TokenKeyConverter:
    """An API token's key: its first few characters, letters and digits (knox makes tokens
    from hex and this project gives them no prefix). Anything else is no token's key and is
    simply not found, rather than sent to the database (which refuses a NUL character)."""

    regex = f"[A-Za-z0-9]{{{KNOX.TOKEN_KEY_LENGTH}}}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(TokenKeyConverter, "token_key")

api_v1 = [
    path("auth/token/", account.TokenObtainView.as_view(), name="api-token"),
    path("auth/tokens/", account.ApiTokenListView.as_view(), name="api-token-list"),
    path(
        "auth/tokens/<token_key:token_key>/",
        account.ApiTokenRevokeView.as_view(),
        name="api-token-revoke",
    ),
    path("working-days/", WorkingDaysView.as_view(), name="api-working-days"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("partnerships.api.urls")),
    path("", include("reviews.api.urls")),
    path("", include("referrals.api.urls")),
    path("", include("audits.api.urls")),
]

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path(
        "sign-in/",
        auth_views.LoginView.as_view(
            authentication_form=account.SignInForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", account.AccountView.as_view(), name="account"),
    path("account/two-factor/", account.TwoFactorView.as_view(), name="two-factor"),
    path(
        "account/recovery-codes/",
        account.RecoveryCodesView.as_view(),
        name="recovery-codes",
    ),
    path(
        "account/tokens/<token_key:token_key>/revoke/",
        account.TokenRevokeView.as_view(),
        name="token-revoke",
    ),
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path(
        "notifications/undelivered/",
        views.UndeliveredNotificationListView.as_view(),
        name="notifications-undelivered",
    ),
    path(
        "notifications/<int:pk>/resend/",
        views.NotificationResendView.as_view(),
        name="notification-resend",
    ),
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

handler500 = "safeguarding.views.server_error"
