from datetime import date

import pytest

from partnerships import services
from partnerships.models import (
    FinancialContribution,
    IndicatorTarget,
    ScrutinyChallenge,
    YearlyReport,
)
from tests.partnerships.test_scrutiny import challenge_for
from tests.personas import ADMIN, BUSINESS, check_access

MODELS = [FinancialContribution, IndicatorTarget, ScrutinyChallenge, YearlyReport]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_the_admin_lists_searches_and_shows_history(client, demo, model):
    challenge_for(demo)
    IndicatorTarget.objects.create(
        partnership=demo.riverside, indicator="actions_on_time", green_from=90, amber_from=70
    )
    FinancialContribution.objects.create(
        partnership=demo.riverside,
        agency=demo.agency("Midshire Police"),
        year_starting=date(2025, 4, 1),
        amount=1000,
    )
    services.yearly_report_start(
        partnership=demo.riverside, period_start=date(2025, 4, 1), by=demo.user(BUSINESS)
    )
    meta = model._meta
    base = f"/admin/{meta.app_label}/{meta.model_name}/"
    check_access(client, base, {ADMIN: 200, BUSINESS: 302})
    check_access(client, f"{base}?q=riverside", {ADMIN: 200})
    record = model.objects.get()
    check_access(client, f"{base}{record.pk}/change/", {ADMIN: 200})
    check_access(client, f"{base}{record.pk}/history/", {ADMIN: 200})
