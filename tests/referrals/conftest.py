import pytest

from referrals.models import Escalation, Referral


@pytest.fixture(autouse=True)
def without_demo_referrals(request):
    """These tests count what they make: clear the demo referrals `seed_demo` loads."""
    for name in ("transactional_demo", "demo"):
        if name in request.fixturenames:
            request.getfixturevalue(name)
            Escalation.objects.all().delete()
            Referral.objects.all().delete()
            return
