from django.http import JsonResponse
from django.urls import include, path


def floor(request):
    """The framework floor: the full middleware stack and a small JSON body, no database."""
    return JsonResponse({"status": "ok", "service": "safeguarding"})


urlpatterns = [
    path("bench/floor/", floor),
    path("", include("safeguarding.urls")),
]

handler500 = "safeguarding.views.server_error"
