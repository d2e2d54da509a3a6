import pytest
from django.utils import timezone

from audits.choices import Grade, ReturnStatus
from audits.models import AuditReturn
from partnerships.models import Agency
from tests.audits.factories import AuditFactory


@pytest.fixture
def audit(demo):
    """A neglect audit of two cases with the council, the police and the health trust."""
    return AuditFactory(references=["RH-101", "RH-102"])


@pytest.fixture
def big_audit(demo):
    """5,000 submitted returns: 500 cases, each graded by all ten of Riverside's agencies."""
    audit = AuditFactory(
        agencies=list(Agency.objects.filter(memberships__partnership=demo.riverside)),
        references=[f"BIG-{n:04d}" for n in range(500)],
    )
    grades = Grade.values
    for digit in range(10):
        AuditReturn.objects.filter(audit=audit, case__reference__endswith=str(digit)).update(
            status=ReturnStatus.SUBMITTED, submitted_at=timezone.now(), grade=grades[digit % 4]
        )
    assert audit.returns.count() == 5000
    return audit
