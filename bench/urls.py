from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import JsonResponse
from django.urls import include, path
from django.views.generic import TemplateView
from rest_framework.response import Response
from rest_framework.views import APIView


def floor(request):
    """The framework floor: the full middleware stack and a small JSON body, no database."""
    return JsonResponse({"status": "ok", "service": "safeguarding"})


class SignedInFrame(LoginRequiredMixin, TemplateView):
    """What any signed-in page pays before its own work: the session, the person, their second
    factor and agency, the navigation's roles and unread count, and the GOV.UK page around an
    empty body."""

    template_name = "bench/frame.html"


class SignedInApiFrame(APIView):
    """What any API endpoint pays before its own work: the API's own authentication (the token
    read with its person) and permission."""

    def get(self, request):
        return Response({"status": "ok"})


urlpatterns = [
    path("bench/floor/", floor),
    path("bench/frame/", SignedInFrame.as_view()),
    path("bench/api-frame/", SignedInApiFrame.as_view()),
    path("", include("safeguarding.urls")),
]

handler500 = "safeguarding.views.server_error"
