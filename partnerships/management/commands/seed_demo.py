"""Load the fictional demo partnerships, agencies and users. Safe to run again and again.

Other apps add their own demo records in `<app>/demo.py`, a `seed(partnerships=...)` function
that must be idempotent too; it is given the partnerships by name.
"""

import os
from datetime import date
from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from partnerships.choices import MembershipRole, Role, Sector
from partnerships.models import (
    Action,
    Agency,
    DesignatedSafeguardingLead,
    Membership,
    Partnership,
    PublishedArrangement,
    Region,
    RoleAssignment,
    User,
)

DEFAULT_DEMO_PASSWORD = "demo-pass-2026"

RIVERSIDE = "Riverside and Hillford Safeguarding Children Partnership"
NORTHGATE = "Northgate Safeguarding Children Partnership"

AGENCIES = {
    # name: (sector, identifiers)
    "Riverside Council": (Sector.LOCAL_AUTHORITY, {"gss_code": "E06000901"}),
    "Hillford Council": (Sector.LOCAL_AUTHORITY, {"gss_code": "E06000902"}),
    "Riverside and Hillford ICB": (Sector.ICB, {"ods_code": "QRH"}),
    "Midshire Police": (Sector.POLICE, {}),
    "St Anne's Primary School": (Sector.SCHOOL, {"urn": "990101"}),
    "Riverside College": (Sector.COLLEGE, {"urn": "990102"}),
    "Riverside Community Health NHS Trust": (Sector.NHS_TRUST, {"ods_code": "RRC"}),
    "Midshire Probation Service": (Sector.PROBATION, {}),
    "Riverside Homes": (Sector.HOUSING, {}),
    "Riverside Youth Trust": (Sector.VOLUNTARY, {}),
    "Northgate Council": (Sector.LOCAL_AUTHORITY, {"gss_code": "E06000903"}),
    "Northgate ICB": (Sector.ICB, {"ods_code": "QNG"}),
    "Northgate Academy": (Sector.SCHOOL, {"urn": "990201"}),
}

MEMBERSHIPS = {
    RIVERSIDE: [
        ("Riverside Council", MembershipRole.LOCAL_AUTHORITY_PARTNER),
        ("Hillford Council", MembershipRole.LOCAL_AUTHORITY_PARTNER),
        ("Riverside and Hillford ICB", MembershipRole.HEALTH_PARTNER),
        ("Midshire Police", MembershipRole.POLICE_PARTNER),
        ("St Anne's Primary School", MembershipRole.RELEVANT_AGENCY),
        ("Riverside College", MembershipRole.RELEVANT_AGENCY),
        ("Riverside Community Health NHS Trust", MembershipRole.RELEVANT_AGENCY),
        ("Midshire Probation Service", MembershipRole.RELEVANT_AGENCY),
        ("Riverside Homes", MembershipRole.RELEVANT_AGENCY),
        ("Riverside Youth Trust", MembershipRole.RELEVANT_AGENCY),
    ],
    NORTHGATE: [
        ("Northgate Council", MembershipRole.LOCAL_AUTHORITY_PARTNER),
        ("Northgate ICB", MembershipRole.HEALTH_PARTNER),
        ("Midshire Police", MembershipRole.POLICE_PARTNER),
        ("Northgate Academy", MembershipRole.RELEVANT_AGENCY),
    ],
}

# username: (first name, last name, job title, agency, [(partnership, role)])
USERS = {
    "business.riverside": (
        "Priya",
        "Shah",
        "Partnership business manager",
        "Riverside Council",
        [(RIVERSIDE, Role.BUSINESS_TEAM)],
    ),
    "business.northgate": (
        "Tom",
        "Baker",
        "Partnership business manager",
        "Northgate Council",
        [(NORTHGATE, Role.BUSINESS_TEAM)],
    ),
    "frontdoor.riverside": (
        "Amira",
        "Hassan",
        "MASH social worker",
        "Riverside Council",
        [(RIVERSIDE, Role.FRONT_DOOR_WORKER)],
    ),
    "frontdoor.hillford": (
        "Gareth",
        "Jones",
        "MASH social worker",
        "Hillford Council",
        [(RIVERSIDE, Role.FRONT_DOOR_WORKER)],
    ),
    "lead.la": (
        "Helen",
        "Carter",
        "Director of children's services",
        "Riverside Council",
        [
            (RIVERSIDE, Role.DELEGATED_SAFEGUARDING_PARTNER),
            (RIVERSIDE, Role.LEAD_SAFEGUARDING_PARTNER),
        ],
    ),
    "lead.health": (
        "Sanjay",
        "Patel",
        "Chief nurse",
        "Riverside and Hillford ICB",
        [
            (RIVERSIDE, Role.DELEGATED_SAFEGUARDING_PARTNER),
            (RIVERSIDE, Role.LEAD_SAFEGUARDING_PARTNER),
        ],
    ),
    "lead.police": (
        "Claire",
        "Morgan",
        "Detective chief superintendent",
        "Midshire Police",
        [
            (RIVERSIDE, Role.DELEGATED_SAFEGUARDING_PARTNER),
            (RIVERSIDE, Role.LEAD_SAFEGUARDING_PARTNER),
        ],
    ),
    "practitioner.police": (
        "Dan",
        "Okafor",
        "Police constable, public protection",
        "Midshire Police",
        [(RIVERSIDE, Role.PRACTITIONER)],
    ),
    "practitioner.health": (
        "Lucy",
        "Evans",
        "Health visitor",
        "Riverside Community Health NHS Trust",
        [(RIVERSIDE, Role.PRACTITIONER)],
    ),
    "dsl.school": (
        "Mark",
        "Wilson",
        "Deputy head and designated safeguarding lead",
        "St Anne's Primary School",
        [(RIVERSIDE, Role.AGENCY_SAFEGUARDING_LEAD), (RIVERSIDE, Role.PRACTITIONER)],
    ),
    "scrutineer.riverside": (
        "Ruth",
        "Adeyemi",
        "Independent scrutineer",
        None,
        [(RIVERSIDE, Role.INDEPENDENT_SCRUTINEER)],
    ),
}


class Command(BaseCommand):
    help = "Load the demo partnerships, agencies and users (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        password = os.environ.get("DEMO_PASSWORD", DEFAULT_DEMO_PASSWORD)
        midlands, _ = Region.objects.get_or_create(name="Midlands")
        agencies = {}
        for name, (sector, identifiers) in AGENCIES.items():
            agencies[name], _ = Agency.objects.update_or_create(
                name=name,
                defaults={"sector": sector, "active_from": date(2019, 9, 29), **identifiers},
            )
        partnerships = {}
        for name, members in MEMBERSHIPS.items():
            partnership, _ = Partnership.objects.get_or_create(
                name=name, defaults={"region": midlands}
            )
            partnerships[name] = partnership
            for agency_name, role in members:
                Membership.objects.update_or_create(
                    partnership=partnership,
                    agency=agencies[agency_name],
                    defaults={"role": role, "joined_on": date(2019, 9, 29)},
                )
        PublishedArrangement.objects.get_or_create(
            partnership=partnerships[RIVERSIDE],
            version=1,
            defaults={
                "title": "Riverside and Hillford multi-agency safeguarding arrangements",
                "published_on": date(2024, 12, 19),
                "next_review_on": date(2026, 12, 19),
            },
        )
        PublishedArrangement.objects.get_or_create(
            partnership=partnerships[NORTHGATE],
            version=1,
            defaults={
                "title": "Northgate safeguarding arrangements",
                "published_on": date(2025, 3, 31),
                "next_review_on": date(2027, 3, 31),
            },
        )
        admin, created = User.objects.get_or_create(
            username="admin",
            defaults={
                "is_staff": True,
                "is_superuser": True,
                "email": "admin@example.org",
                "is_demo_account": True,
            },
        )
        if created:
            admin.set_password(password)
            admin.save()
        for username, (first, last, title, agency_name, roles) in USERS.items():
            user, created = User.objects.update_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "job_title": title,
                    "email": f"{username}@example.org",
                    "agency": agencies.get(agency_name),
                    "is_demo_account": True,
                },
            )
            if created:
                user.set_password(password)
                user.save(update_fields=["password"])
            for partnership_name, role in roles:
                RoleAssignment.objects.get_or_create(
                    user=user,
                    partnership=partnerships[partnership_name],
                    role=role,
                    defaults={"started_on": date(2019, 9, 29)},
                )
        DesignatedSafeguardingLead.objects.update_or_create(
            agency=agencies["St Anne's Primary School"],
            email="dsl.school@example.org",
            defaults={
                "name": "Mark Wilson",
                "user": User.objects.get(username="dsl.school"),
                "phone": "01632 960123",
                "trained_on": date(2025, 9, 1),
            },
        )
        DesignatedSafeguardingLead.objects.update_or_create(
            agency=agencies["Northgate Academy"],
            email="dsl@northgate-academy.example.org",
            defaults={"name": "Joanne Price", "phone": "01632 960456"},
        )
        business = User.objects.get(username="business.riverside")
        for agency_name, title, due_on in (
            (
                "St Anne's Primary School",
                "Refresh whole-staff training on recognising neglect",
                date(2026, 10, 30),
            ),
            (
                "Midshire Police",
                "Attend every strategy discussion for children under two",
                date(2027, 3, 31),
            ),
        ):
            Action.objects.get_or_create(
                partnership=partnerships[RIVERSIDE],
                title=title,
                defaults={
                    "owner_agency": agencies[agency_name],
                    "due_on": due_on,
                    "created_by": business,
                },
            )
        for app_config in apps.get_app_configs():
            if module_has_submodule(app_config.module, "demo"):
                import_module(f"{app_config.name}.demo").seed(partnerships=partnerships)
        self.stdout.write(self.style.SUCCESS("Demo data is loaded."))
