from rest_framework.routers import SimpleRouter

from .views import ActionViewSet, AgencyViewSet, PartnershipViewSet

router = SimpleRouter()
router.register("partnerships", PartnershipViewSet)
router.register("agencies", AgencyViewSet)
router.register("actions", ActionViewSet)

urlpatterns = router.urls
