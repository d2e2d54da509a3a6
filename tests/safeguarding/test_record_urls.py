import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from safeguarding.record_urls import record_url

RECORD_PAGES = [
    "referrals:referral-detail",
    "referrals:escalation-detail",
    "reviews:incident-detail",
    "reviews:review-detail",
    "reviews:return-detail",
    "reviews:practice-review-detail",
    "partnerships:partnership-detail",
    "partnerships:agency-detail",
    "partnerships:action-detail",
    "partnerships:scrutiny-detail",
    "partnerships:report-detail",
    "partnerships:training-detail",
    "audits:audit-detail",
    "audits:case-moderate",
    "audits:return-detail",
    "audits:round-detail",
    "audits:self-assessment-detail",
]


@pytest.mark.parametrize("name", RECORD_PAGES)
@pytest.mark.parametrize("pk", [0, 1, 7, 10, 918, 123_456_789, 2**63 - 1])
def test_a_record_page_is_where_reverse_puts_it(name, pk):
    assert record_url(name, pk) == reverse(name, args=[pk])


def test_a_record_page_follows_the_script_prefix_the_site_is_served_under():
    try:
        set_script_prefix("/safeguarding/")
        under_prefix = record_url("partnerships:action-detail", 5)
    finally:
        set_script_prefix("/")

    assert under_prefix == "/safeguarding/partnerships/actions/5/"
    assert record_url("partnerships:action-detail", 5) == "/partnerships/actions/5/"


@pytest.mark.parametrize("pk", [None, -1, "5/../../admin", True])
def test_anything_but_a_records_key_is_left_to_reverse(pk):
    with pytest.raises(NoReverseMatch):
        record_url("partnerships:action-detail", pk)
