"""Widgets come from Django's Jinja2 templates; templates only Django's engine has still draw."""

import re

from partnerships.models import Agency
from referrals.selectors import local_authorities_with_front_door
from tests.personas import ADMIN, PRACTITIONER_HEALTH, sign_in


def chosen(options: str, value, label: str) -> bool:
    return bool(re.search(rf'<option value="{value}"\s+selected>{label}</option>', options))


def select(page: str, name: str) -> str:
    match = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert match, f"no <select name={name!r}> on the page"
    return match.group(1)


def test_a_filter_form_keeps_what_was_chosen_and_lists_every_choice(client, demo):
    hillford = Agency.objects.get(name="Hillford Council")
    sign_in(client, PRACTITIONER_HEALTH)

    page = client.get(
        "/referrals/", {"status": "submitted", "front_door": hillford.pk, "immediate_danger": ""}
    ).content.decode()

    status = select(page, "status")
    assert chosen(status, "submitted", "Waiting for a decision")
    assert len(re.findall(r"\bselected\b", status)) == 1
    front_doors = select(page, "front_door")
    assert chosen(front_doors, hillford.pk, "Hillford Council")
    assert front_doors.count("<option") == 1 + local_authorities_with_front_door().count()
    # An apostrophe in a label is escaped, so a choice cannot break out of its option.
    decision = select(page, "decision")
    assert re.search(r"children&#(39|x27);s social care", decision)
    assert "children's" not in decision


def test_admin_widgets_that_only_djangos_engine_draws_still_draw(client, demo):
    sign_in(client, ADMIN)

    page = client.get("/admin/partnerships/roleassignment/add/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "related-widget-wrapper" in html  # the admin's own widget template
    assert '<select name="role"' in html  # drawn from Django's Jinja2 select
