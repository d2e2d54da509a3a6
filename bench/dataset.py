"""A national-scale dataset: 20 partnerships in 4 regions and five years of their work.

Built on top of the demo data (`seed_demo`), so the demo personas sign in to the biggest
partnership: Hillford is the largest local authority, and `practitioner.health` one of its
busiest referrers. Partnerships, agencies and people are made through the ORM (a few thousand
rows, so the permission groups are kept in step by the usual signals); the case records are
written with COPY, each with the object permissions its service would have granted (referrals,
audit returns and review records need none: who reaches them follows from their own columns).

Sizes are the issue's; `scale` shrinks all of them for a quick check.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from audits.choices import Grade
from audits.models import Audit, AuditAnswer, AuditCase, AuditQuestion, AuditReturn
from partnerships.choices import PARTNER_ROLES, ActionStatus, MembershipRole, Role, Sector
from partnerships.indicators import figures_changed
from partnerships.models import (
    Action,
    Agency,
    Membership,
    Partnership,
    Region,
    RoleAssignment,
    User,
)
from referrals.choices import (
    ASSESSMENT_DECISIONS,
    ASSESSMENT_WORKING_DAYS,
    CONFERENCE_WORKING_DAYS,
    Category,
    Consent,
    Decision,
    EscalationResolution,
    EscalationTheme,
    LawfulBasis,
)
from referrals.models import (
    Escalation,
    EscalationResponse,
    InformationSharingDecision,
    Referral,
    ReferralCategory,
    ReferralChild,
    ReferralHousehold,
)
from referrals.services import (
    _stage_groups,
    escalation_stages_for,
    referral_repeat_flags_recount,
)
from reviews.choices import AbuseCategory, IncidentType, PartnerKind
from reviews.choices import Decision as ReviewDecision
from reviews.models import (
    AgencyReturn,
    IncidentChild,
    PracticeReview,
    RapidReview,
    SeriousIncident,
    SignOff,
)
from safeguarding import permissions
from safeguarding.models import AccessLogEntry
from safeguarding.permissions import CHANGE, VIEW
from safeguarding.working_days import WorkingDayCalendar

from .bulk import CopyWriter

REGIONS = ["Midlands", "North West", "South East", "South West"]
TOWNS = [
    "Ashbourne", "Brackwell", "Calderford", "Dunmore", "Eastwick", "Fenbridge", "Greystone",
    "Harrowby", "Ingleby", "Kestrel Bay", "Lowmoor", "Marchfield", "Netherton", "Oakham Vale",
    "Pennington", "Queensferry", "Rushmere", "Stanwick",
]  # fmt: skip
FIRST_NAMES = [
    "Ava", "Ben", "Chloe", "Daniel", "Ella", "Finn", "Grace", "Harry", "Isla", "Jack", "Katie",
    "Leo", "Mia", "Noah", "Olivia", "Poppy", "Ruby", "Sam", "Theo", "Zara",
]  # fmt: skip
LAST_NAMES = [
    "Ahmed", "Brown", "Clarke", "Davies", "Evans", "Fox", "Green", "Hughes", "Iqbal", "Jones",
    "Khan", "Lewis", "Morris", "Nowak", "Owen", "Patel", "Roberts", "Smith", "Taylor", "Walker",
]  # fmt: skip
AUDIT_THEMES = ["neglect", "exploitation", "domestic abuse", "early help", "mental health"]
PRACTITIONERS_PER_AGENCY = 5
# The rest of a partnership's directory: its schools, GP practices, nurseries and the like, about
# 150 for a partnership of average size. Each has a safeguarding lead and two practitioners, who
# read records but make none of the generated referrals, so the referrals per referrer are those
# of the runs before the directory was added.
DIRECTORY = [
    ("Primary School", Sector.SCHOOL, 40),
    ("Academy", Sector.SCHOOL, 10),
    ("Medical Practice", Sector.GP_PRACTICE, 20),
    ("Nursery", Sector.EARLY_YEARS, 15),
    ("Community Project", Sector.VOLUNTARY, 10),
    ("College", Sector.COLLEGE, 3),
    ("Housing Association", Sector.HOUSING, 2),
]
DIRECTORY_PRACTITIONERS = 2
# Who opens a child's record, by share of the access log: the front door, the referrer's side,
# the business team; and through which channel.
READERS = [("front_door", 60), ("practitioner", 30), ("business", 10)]
CHANNELS = [("page", 94), ("api", 5), ("admin", 1)]
CHILDREN_PER_REFERRAL = 1.1
REPEAT_SHARE = 0.25  # of referrals about a child already referred to the same council
SHARED_SHARE = 0.02  # of referrals the front door shares with another agency
# What follows a decision that leads to an assessment (ASSESSMENT_DECISIONS), roughly England's
# shares: most assessments completed within their 45 working days, most initial child protection
# conferences held within their 15, and a good share of child protection enquiries ending without
# one. A few of each clock are never closed: past their due date they stay open, overdue.
ASSESSMENT_LATE_SHARE = 0.15
CONFERENCE_NOT_NEEDED_SHARE = 0.4
CONFERENCE_LATE_SHARE = 0.2  # of those held
LEFT_OPEN_SHARE = 0.05
STRATEGY_DISCUSSION_WORKING_DAYS = (0, 1, 1, 2, 3)  # after the decision
LA_PARTNER = MembershipRole.LOCAL_AUTHORITY_PARTNER
RELEVANT = MembershipRole.RELEVANT_AGENCY


@dataclass(frozen=True)
class Sizes:
    referrals: int = 1_000_000
    incidents: int = 20_000
    practice_reviews: int = 2_000
    audit_returns: int = 200_000
    actions: int = 100_000
    escalations: int = 50_000
    directory_agencies: int = 3_000
    access_log_entries: int = 3_000_000
    years: int = 5

    def scaled(self, factor: float) -> Sizes:
        return Sizes(
            **{
                name: max(1, round(getattr(self, name) * factor)) if name != "years" else self.years
                for name in self.__dataclass_fields__
            }
        )


@dataclass
class Place:
    """A partnership with its agencies and people, as the generators need them."""

    partnership: Partnership
    councils: list[Agency]
    agencies: list[Agency]  # every member agency
    partner_agencies: dict[str, Agency]  # PartnerKind -> agency
    practitioners: list[User]
    front_door_workers: dict[int, list[User]]  # council id -> workers
    business: User
    calendar: WorkingDayCalendar
    referral_ids: list[int]
    review_ids: list[int]
    children: list[tuple[int, int]]  # (child id, referral id)


class Generator:
    def __init__(self, sizes: Sizes, *, seed: int = 2026, today: date | None = None):
        self.sizes = sizes
        self.random = random.Random(seed)
        # The directory draws from its own stream, so the records drawn after it are the same
        # rows, seed for seed, as before it was added.
        self.directory_random = random.Random(seed + 1)
        # So do the clocks that follow the decisions, for the same reason.
        self.clocks_random = random.Random(seed + 2)
        self.today = today or timezone.localdate()
        self.start = self.today - timedelta(days=365 * sizes.years)
        # The repeat flags are worked out from the children's duplicate-match index.
        self.writer = CopyWriter(indexed_while_written=(ReferralChild,))
        self.places: list[Place] = []
        self.timings: dict[str, float] = {}
        self._groups: dict[str, int] = {}
        self._calendars: dict[tuple, WorkingDayCalendar] = {}
        self._due: dict[tuple[int, date, int], date] = {}
        self.zone = timezone.get_current_timezone()

    # -- helpers -------------------------------------------------------------------------------

    def _timed(self, name, function):
        started = time.perf_counter()
        function()
        self.timings[name] = round(time.perf_counter() - started, 1)

    def group_id(self, name: str) -> int:
        """A managed group's id by its name, the group made as the permission layer makes it."""
        if name not in self._groups:
            kind, key, *role = name.split(":")
            if kind == "partnership":
                group = permissions.partnership_group(Partnership(pk=int(key)), *role)
            else:
                group = permissions.agency_group(Agency(pk=int(key)), *role)
            self._groups[name] = group.pk
        return self._groups[name]

    def agency_group(self, agency_id: int, role=None) -> int:
        name = f"agency:{agency_id}" if role is None else f"agency:{agency_id}:{role}"
        return self.group_id(name)

    def partnership_group(self, partnership, role) -> int:
        return self.group_id(f"partnership:{partnership.pk}:{role}")

    def calendar(self, partnership: Partnership) -> WorkingDayCalendar:
        """The partnership's working-day calendar: one for all the partnerships with the same
        closure days, so that each due date is worked out once for all of them."""
        calendar = WorkingDayCalendar.for_partnership(partnership)
        return self._calendars.setdefault(tuple(sorted(calendar.closure_days.items())), calendar)

    def working_days_after(self, place: Place, day: date, days: int) -> date:
        key = (id(place.calendar), day, days)  # the calendars are kept, so their ids stand
        if key not in self._due:
            self._due[key] = place.calendar.add(day, days).due
        return self._due[key]

    def moment(self, day: date) -> datetime:
        at = clock(8 + self.random.randrange(10), self.random.randrange(60), tzinfo=self.zone)
        return datetime.combine(day, at)

    def days_spread(self, count: int) -> list[date]:
        """`count` dates over the period, oldest first, so ids grow with time as in real life."""
        span = (self.today - self.start).days
        return sorted(
            self.start + timedelta(days=self.random.randrange(span)) for _ in range(count)
        )

    def weighted_places(self, count: int, weights: list[float]) -> list[Place]:
        return self.random.choices(self.places, weights=weights, k=count)

    # -- the world -----------------------------------------------------------------------------

    def build_world(self) -> None:
        """Regions, partnerships, agencies and people: the demo two plus eighteen more."""
        regions = [Region.objects.get_or_create(name=name)[0] for name in REGIONS]
        police = {
            region.pk: Agency.objects.get_or_create(
                name=f"{region.name} Police", defaults={"sector": Sector.POLICE}
            )[0]
            for region in regions[1:]
        }
        police[regions[0].pk] = Agency.objects.get(name="Midshire Police")
        for index, town in enumerate(TOWNS):
            region = regions[index % len(regions)]
            self._make_partnership(town, region, police[region.pk], two_councils=index % 5 == 0)
        for partnership in Partnership.objects.order_by("pk"):
            self._add_staff(partnership)
            self.places.append(self._place(partnership))

    def _make_partnership(self, town, region, police, *, two_councils) -> None:
        partnership, created = Partnership.objects.get_or_create(
            name=f"{town} Safeguarding Children Partnership", defaults={"region": region}
        )
        if not created:
            return
        councils = [f"{town} Council"] + ([f"{town} North Council"] if two_councils else [])
        members = [(name, Sector.LOCAL_AUTHORITY, LA_PARTNER) for name in councils]
        members += [
            (f"{town} ICB", Sector.ICB, MembershipRole.HEALTH_PARTNER),
            (f"{town} Community Health NHS Trust", Sector.NHS_TRUST, RELEVANT),
            (f"{town} Primary School", Sector.SCHOOL, RELEVANT),
            (f"{town} Academy", Sector.SCHOOL, RELEVANT),
            (f"{town} Youth Trust", Sector.VOLUNTARY, RELEVANT),
        ]
        for name, sector, role in members:
            agency = Agency.objects.create(name=name, sector=sector)
            Membership.objects.create(partnership=partnership, agency=agency, role=role)
        Membership.objects.create(
            partnership=partnership, agency=police, role=MembershipRole.POLICE_PARTNER
        )

    def _add_staff(self, partnership: Partnership) -> None:
        """The people a partnership's work needs, beside any demo personas it already has."""
        prefix = f"bench.p{partnership.pk}"
        council = partnership.memberships.filter(role=LA_PARTNER).first().agency
        people = [
            ("business", council, [Role.BUSINESS_TEAM]),
            ("scrutineer", None, [Role.INDEPENDENT_SCRUTINEER]),
        ]
        for membership in partnership.memberships.select_related("agency"):
            agency, role = membership.agency, membership.role
            people.append((f"lead.{agency.pk}", agency, [Role.AGENCY_SAFEGUARDING_LEAD]))
            if role != RELEVANT:
                people.append((f"partner.{agency.pk}", agency, list(PARTNER_ROLES)))
            if role == LA_PARTNER:
                people += [
                    (f"frontdoor.{agency.pk}.{n}", agency, [Role.FRONT_DOOR_WORKER])
                    for n in range(2)
                ]
            else:
                people += [
                    (f"practitioner.{agency.pk}.{n}", agency, [Role.PRACTITIONER])
                    for n in range(PRACTITIONERS_PER_AGENCY)
                ]
        for name, agency, roles in people:
            user, created = User.objects.get_or_create(
                username=f"{prefix}.{name}",
                defaults={
                    "agency": agency,
                    "email": f"{prefix}.{name}@example.org",
                    "password": make_password(None),
                },
            )
            if created:
                for role in roles:
                    RoleAssignment.objects.create(user=user, partnership=partnership, role=role)

    def _place(self, partnership: Partnership) -> Place:
        memberships = list(partnership.memberships.select_related("agency"))
        by_role = {}
        for membership in memberships:
            by_role.setdefault(membership.role, []).append(membership.agency)
        assignments = list(
            RoleAssignment.objects.current().filter(partnership=partnership).select_related("user")
        )
        councils = by_role[MembershipRole.LOCAL_AUTHORITY_PARTNER]
        front_door = {c.pk: [] for c in councils}
        practitioners = []
        business = None
        for assignment in assignments:
            user = assignment.user
            if assignment.role == Role.FRONT_DOOR_WORKER and user.agency_id in front_door:
                front_door[user.agency_id].append(user)
            elif assignment.role == Role.PRACTITIONER:
                practitioners.append(user)
            elif assignment.role == Role.BUSINESS_TEAM:
                business = user
        return Place(
            partnership=partnership,
            councils=councils,
            agencies=[m.agency for m in memberships],
            partner_agencies={
                PartnerKind.LOCAL_AUTHORITY: councils[0],
                PartnerKind.HEALTH: by_role[MembershipRole.HEALTH_PARTNER][0],
                PartnerKind.POLICE: by_role[MembershipRole.POLICE_PARTNER][0],
            },
            practitioners=practitioners,
            front_door_workers=front_door,
            business=business,
            calendar=self.calendar(partnership),
            referral_ids=[],
            review_ids=[],
            children=[],
        )

    def council_weights(self) -> list[tuple[Place, Agency, float]]:
        """Zipf-like sizes: Hillford is the largest authority, Riverside third."""
        councils = [(place, council) for place in self.places for council in place.councils]
        councils.sort(key=lambda pc: (pc[1].name != "Hillford Council", pc[1].pk))
        riverside = next(i for i, (_, c) in enumerate(councils) if c.name == "Riverside Council")
        councils.insert(2, councils.pop(riverside))
        return [
            (place, council, 1 / (rank**0.8)) for rank, (place, council) in enumerate(councils, 1)
        ]

    def place_weights(self) -> list[float]:
        sizes = {}
        for place, _council, weight in self.council_weights():
            sizes[place.partnership.pk] = sizes.get(place.partnership.pk, 0) + weight
        return [sizes[place.partnership.pk] for place in self.places]

    # -- the rest of the directory -------------------------------------------------------------

    def directory(self) -> None:
        """Each partnership's schools, practices, nurseries and the like, in proportion to its
        size, each with a safeguarding lead and practitioners.

        Written in bulk, then given what saving them one by one would have: each agency's sight
        of its partnership, each person's groups, and figures counted afresh. One by one, the
        3,000 agencies and 9,000 people took three and a half minutes.
        """
        weights = self.place_weights()
        kinds = [(kind, sector) for kind, sector, _share in DIRECTORY]
        shares = [share for *_, share in DIRECTORY]
        members = []
        for place, weight in zip(self.places, weights, strict=True):
            town = place.councils[0].name.removesuffix(" Council")
            count = max(1, round(self.sizes.directory_agencies * weight / sum(weights)))
            numbers = Counter()
            for kind, sector in self.directory_random.choices(kinds, shares, k=count):
                numbers[kind] += 1
                name = f"{town} {kind} {numbers[kind]}"
                members.append((place, Agency(name=name, sector=sector)))
        Agency.objects.bulk_create([agency for _, agency in members])
        Membership.objects.bulk_create(
            Membership(partnership=place.partnership, agency=agency, role=RELEVANT)
            for place, agency in members
        )
        staff = [(Role.AGENCY_SAFEGUARDING_LEAD, "lead")]
        staff += [(Role.PRACTITIONER, f"practitioner.{n}") for n in range(DIRECTORY_PRACTITIONERS)]
        people = [
            (self._person(place, agency, name), place, role)
            for place, agency in members
            for role, name in staff
        ]
        User.objects.bulk_create([person for person, _, _ in people])
        RoleAssignment.objects.bulk_create(
            RoleAssignment(user=person, partnership=place.partnership, role=role)
            for person, place, role in people
        )
        User.groups.through.objects.bulk_create(
            User.groups.through(user_id=person.pk, group_id=self.group_id(name))
            for person, _, _ in people
            for name in permissions.desired_group_names(person)
        )
        figures_changed()

    def _person(self, place: Place, agency: Agency, name: str) -> User:
        username = f"bench.p{place.partnership.pk}.{agency.pk}.{name}"
        return User(
            username=username,
            agency=agency,
            first_name=self.directory_random.choice(FIRST_NAMES),
            last_name=self.directory_random.choice(LAST_NAMES),
            email=f"{username}@example.org",
            password=make_password(None),
        )

    # -- the access log ------------------------------------------------------------------------

    def access_log(self) -> None:
        """Reads of referred children's details, oldest first, each by someone of the child's
        partnership: its front door, the referrer's side or its business team."""
        count = self.sizes.access_log_entries
        child_type = ContentType.objects.get_for_model(ReferralChild).pk
        readers = {
            place.partnership.pk: {
                "front_door": [u for workers in place.front_door_workers.values() for u in workers],
                "practitioner": place.practitioners,
                "business": [place.business],
            }
            for place in self.places
        }
        paths = {
            "page": "/referrals/{}/",
            "api": "/api/v1/referrals/{}/",
            "admin": "/admin/referrals/referral/{}/change/",
        }
        kinds, kind_shares = zip(*READERS, strict=True)
        channels, channel_shares = zip(*CHANNELS, strict=True)
        moments = sorted(self.moment(day) for day in self.days_spread(count))
        for at, place, kind, channel in zip(
            moments,
            self.weighted_places(count, self.place_weights()),
            self.random.choices(kinds, kind_shares, k=count),
            self.random.choices(channels, channel_shares, k=count),
            strict=True,
        ):
            reader = self.random.choice(readers[place.partnership.pk][kind])
            child, referral = self.random.choice(place.children)
            self.writer.add(
                AccessLogEntry,
                at=at,
                user_id=reader.pk,
                agency_id=reader.agency_id,
                partnership_id=place.partnership.pk,
                content_type_id=child_type,
                object_id=child,
                record=f"Child {child} on referral R-{referral:06d}",  # its access_log_label()
                channel=channel,
                route="referrals:referral-detail",
                path=paths[channel].format(referral),
            )

    # -- referrals -----------------------------------------------------------------------------

    def referrals(self) -> None:
        councils = self.council_weights()
        chosen = self.random.choices(
            councils, weights=[w for *_, w in councils], k=self.sizes.referrals
        )
        seen_children: dict[int, list[tuple]] = {}
        writer = self.writer
        categories = list(Category.values)
        decisions, decision_weights = zip(
            (Decision.NO_FURTHER_ACTION, 30),
            (Decision.EARLY_HELP, 25),
            (Decision.CHILD_IN_NEED_ASSESSMENT, 20),
            (Decision.STRATEGY_DISCUSSION, 10),
            (Decision.ALREADY_OPEN, 10),
            (Decision.SIGNPOSTED, 5),
            strict=True,
        )
        for day, (place, council, _weight) in zip(
            self.days_spread(self.sizes.referrals), chosen, strict=True
        ):
            referrer = self.random.choice(place.practitioners)
            received = self.moment(day)
            due = self.working_days_after(place, day, 1)
            waiting = due >= self.today or self.random.random() < 0.0002
            decided_on = (
                due
                if self.random.random() < 0.85
                else due + timedelta(days=self.random.randint(1, 5))
            )
            # Drawn in the order they always were, so the seed gives the same referrals.
            immediate_danger = self.random.random() < 0.03
            consent = self.random.choice(Consent.values)
            decision = "" if waiting else self.random.choices(decisions, decision_weights)[0]
            referral = writer.add(
                Referral,
                partnership_id=place.partnership.pk,
                front_door_id=council.pk,
                referrer_id=referrer.pk,
                referrer_agency_id=referrer.agency_id,
                status="submitted" if waiting else "decided",
                received_at=received,
                decision_due_on=due,
                concerns="Bruising seen on the child's arm; the explanation given does not fit.",
                immediate_danger=immediate_danger,
                consent=consent,
                reason_without_consent="Asking would put the child at greater risk.",
                decision=decision,
                decision_reasons="" if waiting else "Threshold considered with the partners.",
                decided_at=None if waiting else self.moment(min(decided_on, self.today)),
                decided_by_id=None
                if waiting
                else self.random.choice(place.front_door_workers[council.pk]).pk,
                quality_rating="" if waiting else self.random.choice(["good", "adequate", "poor"]),
                created_at=received,
                **self.clocks(place, day, decision, min(decided_on, self.today)),
            )
            place.referral_ids.append(referral)
            known = seen_children.setdefault(council.pk, [])
            for _ in range(2 if self.random.random() < CHILDREN_PER_REFERRAL - 1 else 1):
                if known and self.random.random() < REPEAT_SHARE:
                    child = self.random.choice(known)
                else:
                    child = (
                        self.random.choice(FIRST_NAMES),
                        self.random.choice(LAST_NAMES),
                        day - timedelta(days=self.random.randrange(1, 17 * 365)),
                        f"HF{self.random.randint(1, 9)} {self.random.randint(1, 9)}AB",
                    )
                    if len(known) < 5_000:
                        known.append(child)
                first, last, born, postcode = child
                child_id = writer.add(
                    ReferralChild,
                    referral_id=referral,
                    first_name=first,
                    last_name=last,
                    date_of_birth=born,
                    address="1 High Street",
                    postcode=postcode,
                )
                place.children.append((child_id, referral))
            for category in self.random.sample(categories, self.random.choice((1, 1, 2))):
                writer.add(ReferralCategory, referral_id=referral, category=category)
            if self.random.random() < 0.2:
                writer.add(
                    ReferralHousehold,
                    referral_id=referral,
                    parents_and_carers="Mother and her partner.",
                    household_members="Two siblings.",
                )
            if self.random.random() < SHARED_SHARE:
                writer.add(
                    InformationSharingDecision,
                    referral_id=referral,
                    agency_id=self.random.choice(
                        [a for a in place.agencies if a not in place.councils]
                    ).pk,
                    reason="The school needs to know to keep the child safe in the day.",
                    lawful_basis=LawfulBasis.SAFEGUARDING,
                    recorded_by_id=self.random.choice(place.front_door_workers[council.pk]).pk,
                    recorded_at=received,
                )

    def clocks(self, place: Place, received_on: date, decision: str, decided_on: date) -> dict:
        """The dates that follow a decision, as the front door would have recorded them by today:
        the due dates worked out as `referral_decide` and `referral_strategy_discussion_record`
        work them out, each step on a day from the one before it to today, or not yet."""
        if decision not in ASSESSMENT_DECISIONS:
            return {}
        draw = self.clocks_random
        due = self.working_days_after(place, received_on, ASSESSMENT_WORKING_DAYS)
        clocks = {
            "assessment_due_on": due,
            "assessment_completed_on": self._done_by_today(
                decided_on, due, before=30, after=25 if draw.random() < ASSESSMENT_LATE_SHARE else 0
            ),
        }
        if decision != Decision.STRATEGY_DISCUSSION:
            return clocks
        held = self.working_days_after(
            place, decided_on, draw.choice(STRATEGY_DISCUSSION_WORKING_DAYS)
        )
        if held > self.today:
            return clocks
        due = self.working_days_after(place, held, CONFERENCE_WORKING_DAYS)
        clocks.update(strategy_discussion_on=held, conference_due_on=due)
        if draw.random() < CONFERENCE_NOT_NEEDED_SHARE:
            not_needed = self._done_by_today(held, due, before=15)
            if not_needed is not None:
                clocks.update(
                    conference_not_needed_on=not_needed,
                    conference_not_needed_reason="The enquiry found the threshold for a "
                    "conference was not met; the family accepted a child in need plan.",
                )
        else:
            late = draw.random() < CONFERENCE_LATE_SHARE
            clocks["conference_held_on"] = self._done_by_today(
                held, due, before=5, after=15 if late else 0
            )
        return clocks

    def _done_by_today(self, started: date, due: date, *, before: int, after: int = 0):
        """The day a clock due on `due` was done: late, up to `after` days after it, when `after`
        is given, else in time, up to `before` days before it (not before `started`). None when
        that is after today, and for the few left open."""
        draw = self.clocks_random
        if draw.random() < LEFT_OPEN_SHARE:
            return None
        if after:
            done = due + timedelta(days=draw.randint(1, after))
        else:
            done = max(started, due - timedelta(days=draw.randint(0, before)))
        return done if done <= self.today else None

    # -- escalations ---------------------------------------------------------------------------

    def escalations(self) -> None:
        writer = self.writer
        places = self.weighted_places(self.sizes.escalations, self.place_weights())
        themes = list(EscalationTheme.values)
        resolutions = list(EscalationResolution.values)
        stage_groups: dict[tuple[int, int, int], list[int]] = {}
        stages_of = {
            place.partnership.pk: escalation_stages_for(place.partnership) for place in self.places
        }
        for day, place in zip(self.days_spread(self.sizes.escalations), places, strict=True):
            stages = stages_of[place.partnership.pk]
            raiser = self.random.choice(place.practitioners)
            against = self.random.choice(place.councils)
            open_ = (self.today - day).days < 60 and self.random.random() < 0.5
            stage = self.random.choices(
                range(1, len(stages) + 1), weights=[70, 20, 7, 3][: len(stages)]
            )[0]
            started = day + timedelta(days=7 * (stage - 1))
            escalation = writer.add(
                Escalation,
                partnership_id=place.partnership.pk,
                referral_id=(
                    self.random.choice(place.referral_ids)
                    if place.referral_ids and self.random.random() < 0.6
                    else None
                ),
                raised_by_id=raiser.pk,
                raised_by_agency_id=raiser.agency_id,
                against_agency_id=against.pk,
                decision_disputed="Decision of no further action.",
                reason="New information shows the worry is greater than the referral said.",
                outcome_sought="A child and family assessment.",
                theme=self.random.choice(themes),
                stage=stage,
                stage_started_on=started,
                stage_due_on=self.working_days_after(
                    place, started, stages[stage - 1].response_working_days
                ),
                status="open" if open_ else "resolved",
                resolution="" if open_ else self.random.choice(resolutions),
                resolution_notes="" if open_ else "Agreed after a joint discussion.",
                resolved_at=None if open_ else self.moment(started + timedelta(days=3)),
                created_at=self.moment(day),
            )
            writer.add(
                EscalationResponse,
                escalation_id=escalation,
                stage=stage,
                by_id=self.random.choice(place.front_door_workers[against.pk]).pk,
                agency_id=against.pk,
                text="We have reviewed the decision with a manager.",
                created_at=self.moment(started + timedelta(days=1)),
            )
            leads = self.agency_group(raiser.agency_id, Role.AGENCY_SAFEGUARDING_LEAD)
            groups = [leads]
            for reached in stages[:stage]:
                key = (place.partnership.pk, against.pk, reached.number)
                if key not in stage_groups:
                    probe = Escalation(partnership=place.partnership, against_agency=against)
                    stage_groups[key] = [g.pk for g in _stage_groups(probe, reached)]
                groups += stage_groups[key]
            writer.grant(Escalation, escalation, [VIEW, CHANGE], users=[raiser.pk], groups=groups)

    # -- reviews -------------------------------------------------------------------------------

    def reviews(self) -> None:
        writer = self.writer
        places = self.weighted_places(self.sizes.incidents, self.place_weights())
        practice_share = self.sizes.practice_reviews / self.sizes.incidents
        through = SeriousIncident.agencies_involved.through
        categories = list(AbuseCategory.values)
        spread = self.days_spread(self.sizes.incidents)
        for number, (day, place) in enumerate(zip(spread, places, strict=True), start=1):
            council = self.random.choice(place.councils)
            involved = [
                council,
                place.partner_agencies[PartnerKind.HEALTH],
                place.partner_agencies[PartnerKind.POLICE],
            ]
            involved += self.random.sample([a for a in place.agencies if a not in involved], 1)
            notified = self.working_days_after(place, day, self.random.choice((3, 4, 5, 5, 6)))
            incident = writer.add(
                SeriousIncident,
                reference=f"BENCH-{number:06d}",
                partnership_id=place.partnership.pk,
                local_authority_id=council.pk,
                incident_type=self.random.choice(IncidentType.values),
                categories=self.random.sample(categories, 2),
                became_aware_on=day,
                summary="A serious injury to an infant known to several agencies.",
                notification_due_on=self.working_days_after(place, day, 5),
                notified_on=notified if notified <= self.today else None,
                created_by_id=place.business.pk,
                created_at=self.moment(day),
            )
            for agency in involved:
                writer.add(through, seriousincident_id=incident, agency_id=agency.pk)
            writer.add(
                IncidentChild,
                incident_id=incident,
                partnership_id=place.partnership.pk,
                position=1,
                first_name=self.random.choice(FIRST_NAMES),
                last_name=self.random.choice(LAST_NAMES),
                date_of_birth=day - timedelta(days=self.random.randrange(30, 16 * 365)),
            )
            due = self.working_days_after(place, day, 15)
            finished = due < self.today
            submitted_on = (
                due - timedelta(days=self.random.choice((0, 1, 2, 4)))
                if self.random.random() < 0.8
                else due + timedelta(days=self.random.randint(1, 10))
            )
            finished = finished and submitted_on <= self.today
            practice = finished and self.random.random() < practice_share
            review = writer.add(
                RapidReview,
                incident_id=incident,
                partnership_id=place.partnership.pk,
                clock_started_on=day,
                original_due_on=due,
                due_on=due,
                returns_due_on=self.working_days_after(
                    place, day, place.partnership.agency_return_working_days
                ),
                status="submitted" if finished else "gathering",
                returns_shared=finished,
                meeting_held_on=day + timedelta(days=10) if finished else None,
                learning="Information held by health was not shared with the front door."
                if finished
                else "",
                decision=(ReviewDecision.LCSPR if practice else ReviewDecision.NO_FURTHER_REVIEW)
                if finished
                else "",
                decision_reasons="The case meets the criteria." if finished else "",
                decided_on=day + timedelta(days=12) if finished else None,
                submitted_on=submitted_on if finished else None,
                created_by_id=place.business.pk,
                created_at=self.moment(day),
            )
            place.review_ids.append(review)
            for agency in involved:
                returned = finished or self.random.random() < 0.5
                writer.add(
                    AgencyReturn,
                    rapid_review_id=review,
                    partnership_id=place.partnership.pk,
                    agency_id=agency.pk,
                    due_on=due,
                    status="submitted" if returned else "not_started",
                    chronology="Contacts with the family over the last year." if returned else "",
                    summary="Seen at clinic twice; no concerns recorded." if returned else "",
                    submitted_on=day + timedelta(days=5) if returned else None,
                )
            if finished:
                for kind, agency in place.partner_agencies.items():
                    writer.add(
                        SignOff,
                        rapid_review_id=review,
                        partner_kind=kind,
                        agency_id=agency.pk,
                        signed_by_id=place.business.pk,
                        signed_at=self.moment(submitted_on),
                    )
            if practice:
                published = day + timedelta(days=self.random.randint(150, 260))
                writer.add(
                    PracticeReview,
                    rapid_review_id=review,
                    partnership_id=place.partnership.pk,
                    decided_on=day + timedelta(days=12),
                    target_publication_on=day + timedelta(days=12 + 182),
                    reviewer="An independent reviewer",
                    final_report="practice-reviews/final-report.pdf",
                    published_on=published if published <= self.today else None,
                    created_at=self.moment(day + timedelta(days=12)),
                )

    # -- audits --------------------------------------------------------------------------------

    def audits(self) -> None:
        writer = self.writer
        cases_per_audit, agencies_per_audit, questions = 20, 5, 4
        count = max(1, self.sizes.audit_returns // (cases_per_audit * agencies_per_audit))
        places = self.weighted_places(count, self.place_weights())
        grades = list(Grade.values)
        for day, place in zip(self.days_spread(count), places, strict=True):
            agencies = self.random.sample(
                place.agencies, min(agencies_per_audit, len(place.agencies))
            )
            audit = writer.add(
                Audit,
                partnership_id=place.partnership.pk,
                title=f"Multi-agency audit {day:%B %Y}",
                theme=self.random.choice(AUDIT_THEMES),
                scope="Children referred in the last six months.",
                return_due_on=day + timedelta(days=28),
                moderation_on=day + timedelta(days=42),
                created_by_id=place.business.pk,
                created_at=self.moment(day),
            )
            for agency in agencies:
                writer.add(Audit.agencies.through, audit_id=audit, agency_id=agency.pk)
            business = self.partnership_group(place.partnership, Role.BUSINESS_TEAM)
            partners = [self.partnership_group(place.partnership, role) for role in PARTNER_ROLES]
            scrutineer = self.partnership_group(place.partnership, Role.INDEPENDENT_SCRUTINEER)
            writer.grant(Audit, audit, [VIEW, CHANGE], groups=[business])
            writer.grant(
                Audit,
                audit,
                [VIEW],
                groups=[*partners, scrutineer, *(self.agency_group(a.pk) for a in agencies)],
            )
            question_ids = [
                writer.add(
                    AuditQuestion,
                    audit_id=audit,
                    position=n,
                    text=f"Question {n}: was the child seen and heard?",
                )
                for n in range(1, questions + 1)
            ]
            submitted = day + timedelta(days=28) <= self.today
            for number in range(1, cases_per_audit + 1):
                case = writer.add(
                    AuditCase,
                    audit_id=audit,
                    reference=f"CASE-{audit}-{number}",
                    agreed_grade=self.random.choice(grades) if submitted else "",
                    findings="Good multi-agency working; the plan was not reviewed."
                    if submitted
                    else "",
                )
                for agency in agencies:
                    audit_return = writer.add(
                        AuditReturn,
                        audit_id=audit,
                        case_id=case,
                        agency_id=agency.pk,
                        grade=self.random.choice(grades) if submitted else "",
                        worked_well="Information was shared quickly." if submitted else "",
                        worries="The father was not involved." if submitted else "",
                        status="submitted" if submitted else "draft",
                        submitted_at=self.moment(day + timedelta(days=20)) if submitted else None,
                    )
                    if submitted:
                        for question in question_ids:
                            writer.add(
                                AuditAnswer,
                                audit_return_id=audit_return,
                                question_id=question,
                                answer="Yes, seen alone.",
                            )

    # -- actions -------------------------------------------------------------------------------

    def actions(self) -> None:
        writer = self.writer
        source_type = ContentType.objects.get_for_model(RapidReview).pk
        places = self.weighted_places(self.sizes.actions, self.place_weights())
        for day, place in zip(self.days_spread(self.sizes.actions), places, strict=True):
            due = day + timedelta(days=self.random.choice((30, 60, 90, 180)))
            done = due < self.today and self.random.random() < 0.8
            late = self.random.random() < 0.2
            writer.add(
                Action,
                partnership_id=place.partnership.pk,
                owner_agency_id=self.random.choice(place.agencies).pk,
                source_type_id=source_type if place.review_ids else None,
                source_id=self.random.choice(place.review_ids) if place.review_ids else None,
                recommendation="Share health information with the front door the same day.",
                title="Update the information-sharing protocol",
                description="Agree and publish a revised protocol across the partnership.",
                due_on=due,
                status=ActionStatus.COMPLETED
                if done
                else (
                    ActionStatus.IN_PROGRESS
                    if due >= self.today - timedelta(days=365)
                    else ActionStatus.NOT_STARTED
                ),
                completed_on=(due + timedelta(days=10) if late else due - timedelta(days=5))
                if done
                else None,
                created_by_id=place.business.pk,
                created_at=self.moment(day),
            )

    # -- the lot -------------------------------------------------------------------------------

    def run(self) -> dict:
        # The agencies and people first, in a transaction of their own. Saving an agency through
        # the ORM replaces every partnership's row (its figures version), and until that is
        # committed each key checked against a partnership at the end walks past every earlier
        # version of its row: with the directory's 3,000 agencies, committing the records below
        # in the same transaction took over ten minutes.
        with transaction.atomic():
            self._timed("world", self.build_world)
            self._timed("directory", self.directory)
        with transaction.atomic():
            self._timed("referrals", self.referrals)
            self._timed("escalations", self.escalations)
            self._timed("reviews", self.reviews)
            self._timed("audits", self.audits)
            self._timed("actions", self.actions)
            self._timed("access_log", self.access_log)
            # Written as rows, so flagged as any referrals loaded in bulk are: before the
            # referrals' keys and indexes are back, so the flags are not checked against the
            # one or written into the other.
            rows = self.writer.finish(
                before_indexes=lambda: self._timed("repeat_flags", referral_repeat_flags_recount)
            )
            self.timings.update(self.writer.seconds)
            started = time.perf_counter()
        self.timings["commit"] = round(time.perf_counter() - started, 1)
        return {"rows": rows, "seconds": self.timings}
