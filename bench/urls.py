from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import JsonResponse
from django.urls import include, path
from django.views.generic import TemplateView


def floor(request):
    """The framework floor: the full middleware stack and a small JSON body, no database."""
    return JsonResponse({"status": "ok", "service": "safeguarding"})


class SignedInFrame(LoginRequiredMixin, TemplateView):
    """What any signed-in page pays before its own work: the session, the person, their second
    factor and agency, the navigation's roles and unread count, and the GOV.UK page around an
    empty body."""

    template_name = "bench/frame.html"


urlpatterns = [
    path("bench/floor/", floor),
    path("bench/frame/", SignedInFrame.as_view()),
    path("", include("safeguarding.urls")),
]

handler500 = "safeguarding.views.server_error"
