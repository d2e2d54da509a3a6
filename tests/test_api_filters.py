"""API filters offer no choice of records outside the public directory.

A filter built on a foreign key offers every row of the related model, in the country, whoever
asks: the browsable API draws them all in its filter form, and an id outside permission answers
differently from one that does not exist. Only the directory (regions, partnerships, agencies)
is public; any other record is filtered by key.
"""

import pytest
from django_filters import ModelChoiceFilter, ModelMultipleChoiceFilter
from django_filters.rest_framework import DjangoFilterBackend

from audits.api.urls import router as audits_router
from partnerships.api.urls import router as partnerships_router
from partnerships.models import Agency, Partnership, Region
from referrals.api.urls import router as referrals_router
from reviews.api.urls import router as reviews_router

PUBLIC_DIRECTORY = {Region, Partnership, Agency}
ROUTERS = (partnerships_router, reviews_router, audits_router, referrals_router)
FILTERSETS = [
    (prefix, DjangoFilterBackend().get_filterset_class(viewset(), viewset.queryset))
    for router in ROUTERS
    for prefix, viewset, _ in router.registry
]


@pytest.mark.parametrize(
    ("prefix", "filterset"),
    [(prefix, filterset) for prefix, filterset in FILTERSETS if filterset],
    ids=[prefix for prefix, filterset in FILTERSETS if filterset],
)
def test_an_api_list_offers_choices_from_the_public_directory_only(prefix, filterset):
    offered = {
        name: f.queryset.model
        for name, f in filterset.base_filters.items()
        if isinstance(f, ModelChoiceFilter | ModelMultipleChoiceFilter)
    }

    assert set(offered.values()) <= PUBLIC_DIRECTORY, offered
