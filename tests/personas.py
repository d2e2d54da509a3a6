"""The permission harness: check a page or endpoint as each demo persona.

Every app's tests use it for every view and endpoint:

    check_access(client, url, {
        "business.riverside": 200,   # the owning partnership's business team
        "practitioner.police": 404,  # another agency
        "business.northgate": 404,   # another partnership
        "scrutineer.riverside": 404, # a scrutineer
        ANONYMOUS: 302,              # sent to sign in (401 from the API)
    })

All mismatches are reported together, as a table, so one run shows the whole picture.
"""

from __future__ import annotations

from dataclasses import dataclass

from partnerships.management.commands.seed_demo import NORTHGATE, RIVERSIDE
from partnerships.models import Agency, Partnership, User

ANONYMOUS = "anonymous"

# The demo personas by what they stand for in permission tests.
BUSINESS = "business.riverside"
OTHER_PARTNERSHIP = "business.northgate"
FRONT_DOOR_RIVERSIDE = "frontdoor.riverside"
FRONT_DOOR_HILLFORD = "frontdoor.hillford"
LEAD_LA = "lead.la"
LEAD_HEALTH = "lead.health"
LEAD_POLICE = "lead.police"
PRACTITIONER_POLICE = "practitioner.police"
PRACTITIONER_HEALTH = "practitioner.health"
DSL_SCHOOL = "dsl.school"
SCRUTINEER = "scrutineer.riverside"
ADMIN = "admin"

DEMO_USERNAMES = (
    ADMIN,
    BUSINESS,
    OTHER_PARTNERSHIP,
    FRONT_DOOR_RIVERSIDE,
    FRONT_DOOR_HILLFORD,
    LEAD_LA,
    LEAD_HEALTH,
    LEAD_POLICE,
    PRACTITIONER_POLICE,
    PRACTITIONER_HEALTH,
    DSL_SCHOOL,
    SCRUTINEER,
)


@dataclass
class Demo:
    """Handles on the demo data loaded by `seed_demo`."""

    def user(self, username: str) -> User:
        return User.objects.get(username=username)

    def agency(self, name: str) -> Agency:
        return Agency.objects.get(name=name)

    @property
    def riverside(self) -> Partnership:
        return Partnership.objects.get(name=RIVERSIDE)

    @property
    def northgate(self) -> Partnership:
        return Partnership.objects.get(name=NORTHGATE)


def staff(demo, agency_name: str, *roles: str) -> str:
    """A new person working for the agency, holding `roles` in Riverside: their username."""
    from tests.partnerships.factories import RoleAssignmentFactory, UserFactory

    user = UserFactory(agency=Agency.objects.get(name=agency_name))
    for role in roles:
        RoleAssignmentFactory(user=user, partnership=demo.riverside, role=role)
    return user.username


def sign_in(client, persona: str):
    client.logout()
    if persona != ANONYMOUS:
        client.force_login(User.objects.get(username=persona))
    return client


def check_access(
    client, url: str, expected: dict[str, int], *, method: str = "get", data=None, **request_kwargs
) -> dict[str, object]:
    """Request `url` as each persona and assert the status each one gets.

    Returns the responses by persona, for further checks on what each one saw.
    """
    responses, mismatches = {}, []
    for persona, status in expected.items():
        sign_in(client, persona)
        response = getattr(client, method)(url, data=data, **request_kwargs)
        responses[persona] = response
        if response.status_code != status:
            mismatches.append(f"  {persona:<24} expected {status}, got {response.status_code}")
    client.logout()
    assert not mismatches, f"{method.upper()} {url}:\n" + "\n".join(mismatches)
    return responses
