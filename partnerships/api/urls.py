from rest_framework.routers import SimpleRouter

from .views import AgencyViewSet, PartnershipViewSet

router = SimpleRouter()
router.register("partnerships", PartnershipViewSet)
router.register("agencies", AgencyViewSet)

urlpatterns = router.urls
