import pytest

from tests.reviews.factories import remove_demo_reviews


@pytest.fixture(autouse=True)
def no_demo_review(request):
    """Each test counts only the reviews it makes (test_demo.py checks the demo's own)."""
    if "demo" in request.fixturenames:
        request.getfixturevalue("demo")
        remove_demo_reviews()
