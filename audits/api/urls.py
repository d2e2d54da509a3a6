from rest_framework.routers import SimpleRouter

from .views import (
    AuditReturnViewSet,
    AuditViewSet,
    SelfAssessmentRoundViewSet,
    SelfAssessmentViewSet,
)

router = SimpleRouter()
router.register("audits", AuditViewSet)
router.register("audit-returns", AuditReturnViewSet)
router.register("self-assessments", SelfAssessmentViewSet)
router.register("self-assessment-rounds", SelfAssessmentRoundViewSet)

urlpatterns = router.urls
