from rest_framework.routers import SimpleRouter

from .views import EscalationViewSet, ReferralViewSet

router = SimpleRouter()
router.register("referrals", ReferralViewSet)
router.register("escalations", EscalationViewSet)

urlpatterns = router.urls
