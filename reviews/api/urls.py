from rest_framework.routers import SimpleRouter

from .views import (
    AgencyReturnViewSet,
    PracticeReviewViewSet,
    RapidReviewViewSet,
    SeriousIncidentViewSet,
)

router = SimpleRouter()
router.register("incidents", SeriousIncidentViewSet)
router.register("rapid-reviews", RapidReviewViewSet)
router.register("agency-returns", AgencyReturnViewSet)
router.register("practice-reviews", PracticeReviewViewSet)

urlpatterns = router.urls
