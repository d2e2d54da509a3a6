import pytest

from audits.models import (
    Audit,
    AuditCase,
    AuditReturn,
    ChallengeEvent,
    SelfAssessment,
    SelfAssessmentRound,
)
from tests.personas import ADMIN, BUSINESS, check_access

MODELS = [Audit, AuditCase, AuditReturn, SelfAssessmentRound, SelfAssessment, ChallengeEvent]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_the_admin_lists_searches_and_shows_history(client, demo, model):
    meta = model._meta
    base = f"/admin/{meta.app_label}/{meta.model_name}/"
    check_access(client, base, {ADMIN: 200, BUSINESS: 302})
    check_access(client, f"{base}?q=neglect", {ADMIN: 200})
    record = model.objects.first()
    if record is not None:
        check_access(client, f"{base}{record.pk}/change/", {ADMIN: 200})
        check_access(client, f"{base}{record.pk}/history/", {ADMIN: 200})
