from datetime import date

import factory

from partnerships.choices import MembershipRole, Role, Sector, TrainingTheme
from partnerships.models import (
    Agency,
    DesignatedSafeguardingLead,
    FinancialContribution,
    Membership,
    Partnership,
    PublishedArrangement,
    Region,
    RoleAssignment,
    TrainingAttendance,
    TrainingEvent,
    User,
)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Region {n}")


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n}")
    sector = Sector.OTHER
    active_from = date(2019, 1, 1)


class CouncilFactory(AgencyFactory):
    name = factory.Sequence(lambda n: f"Council {n}")
    sector = Sector.LOCAL_AUTHORITY


class SchoolFactory(AgencyFactory):
    name = factory.Sequence(lambda n: f"School {n}")
    sector = Sector.SCHOOL
    urn = factory.Sequence(lambda n: f"{800000 + n}")


class PartnershipFactory(factory.django.DjangoModelFactory):
    """A partnership with no members: not constituted."""

    class Meta:
        model = Partnership

    name = factory.Sequence(lambda n: f"Partnership {n}")
    region = factory.SubFactory(RegionFactory, name="Midlands")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    partnership = factory.SubFactory(PartnershipFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = MembershipRole.RELEVANT_AGENCY
    joined_on = date(2019, 9, 29)


class ConstitutedPartnershipFactory(PartnershipFactory):
    """A partnership with a council, an ICB and a police force as its safeguarding partners."""

    class Meta:
        skip_postgeneration_save = True

    @factory.post_generation
    def partners(self, create, extracted, **kwargs):
        if not create:
            return
        for role, sector in (
            (MembershipRole.LOCAL_AUTHORITY_PARTNER, Sector.LOCAL_AUTHORITY),
            (MembershipRole.HEALTH_PARTNER, Sector.ICB),
            (MembershipRole.POLICE_PARTNER, Sector.POLICE),
        ):
            MembershipFactory(partnership=self, role=role, agency__sector=sector)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Sam"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    agency = factory.SubFactory(AgencyFactory)
    password = factory.django.Password("a-long-test-password")


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    partnership = factory.SubFactory(PartnershipFactory)
    role = Role.PRACTITIONER
    started_on = date(2019, 9, 29)  # held already on any day a test travels to


class PublishedArrangementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PublishedArrangement

    partnership = factory.SubFactory(PartnershipFactory)
    version = factory.Sequence(lambda n: n + 1)
    title = "Multi-agency safeguarding arrangements"
    published_on = date(2025, 1, 1)
    next_review_on = date(2027, 1, 1)


class DesignatedSafeguardingLeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DesignatedSafeguardingLead

    agency = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Lead {n}")
    email = factory.LazyAttribute(lambda d: f"{d.name.replace(' ', '.').lower()}@example.org")


class FinancialContributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FinancialContribution

    partnership = factory.SubFactory(PartnershipFactory)
    agency = factory.SubFactory(AgencyFactory)
    year_starting = date(2025, 4, 1)
    amount = 10000


class TrainingEventFactory(factory.django.DjangoModelFactory):
    """A training event; give `attending={agency: n}` for attendance by agency."""

    class Meta:
        model = TrainingEvent
        skip_postgeneration_save = True

    partnership = factory.SubFactory(PartnershipFactory)
    title = factory.Sequence(lambda n: f"Training session {n}")
    held_on = date(2025, 6, 1)
    theme = TrainingTheme.NEGLECT
    attendees = 20
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def attending(self, create, extracted, **kwargs):
        if create and extracted:
            TrainingAttendance.objects.bulk_create(
                TrainingAttendance(event=self, agency=agency, attendees=n)
                for agency, n in extracted.items()
            )
