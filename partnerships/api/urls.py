from rest_framework.routers import SimpleRouter

from .views import (
    ActionViewSet,
    AgencyViewSet,
    PartnershipViewSet,
    ScrutinyChallengeViewSet,
    YearlyReportViewSet,
)

router = SimpleRouter()
router.register("partnerships", PartnershipViewSet)
router.register("agencies", AgencyViewSet)
router.register("actions", ActionViewSet)
router.register("scrutiny-challenges", ScrutinyChallengeViewSet)
router.register("yearly-reports", YearlyReportViewSet)

urlpatterns = router.urls
