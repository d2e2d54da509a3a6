from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    name = "partnerships"
    verbose_name = "Partnerships, agencies and people"

    def ready(self):
        from safeguarding.navigation import Destination, register

        from . import signals  # noqa: F401
        from .choices import Role
        from .selectors import INDICATOR_ROLES

        register(Destination("Home", "home", order=0))
        register(
            Destination(
                "Partnerships",
                "partnerships:partnership-list",
                "Your partnerships: partners, relevant agencies, people and arrangements.",
                order=10,
            )
        )
        register(
            Destination(
                "Agencies",
                "partnerships:agency-list",
                "The directory of agencies and the partnerships they belong to.",
                order=11,
            )
        )
        register(
            Destination(
                "Safeguarding leads",
                "partnerships:dsl-list",
                "Designated safeguarding leads for schools, colleges and early years settings.",
                order=12,
            )
        )
        register(
            Destination(
                "Actions",
                "partnerships:action-list",
                "Actions agencies have agreed because of learning, and their progress.",
                order=40,
            )
        )
        register(
            Destination(
                "Access log",
                "access-log",
                "Who read a child's identifying details, when and where.",
                roles=(Role.BUSINESS_TEAM, Role.SYSTEM_ADMIN),
                order=90,
            )
        )
        # The independent scrutineer's home: aggregates only, never a child's identity.
        register(
            Destination(
                "Indicators",
                "partnerships:indicators",
                "How well agencies work together: figures, trends and targets for any period.",
                roles=INDICATOR_ROLES,
                order=5,
            )
        )
        register(
            Destination(
                "Benchmarking",
                "partnerships:benchmarking",
                "Your figures beside other partnerships' in the region (aggregates only).",
                roles=INDICATOR_ROLES,
                order=6,
                in_menu=False,
            )
        )

        from safeguarding import permissions

        from .models import (
            FinancialContribution,
            IndicatorTarget,
            ScrutinyChallenge,
            TrainingAttendance,
            TrainingEvent,
            YearlyReport,
        )
        from .services import SCRUTINY_RESPONDER_ROLES

        permissions.register(
            IndicatorTarget,
            permissions.PartnershipScoped(
                roles={
                    permissions.VIEW: INDICATOR_ROLES,
                    permissions.CHANGE: [Role.BUSINESS_TEAM],
                    permissions.ADD: [Role.BUSINESS_TEAM],
                }
            ),
        )
        # Scrutiny: the partnership's overseers read every challenge and the scrutineer raises
        # them; the addressed agency's partners (or safeguarding lead) read and answer theirs.
        permissions.register(
            ScrutinyChallenge,
            permissions.AnyOf(
                permissions.PartnershipScoped(
                    roles={
                        permissions.VIEW: INDICATOR_ROLES,
                        permissions.ADD: [Role.INDEPENDENT_SCRUTINEER],
                    }
                ),
                permissions.OwnAgency(
                    "addressed_to",
                    roles={
                        permissions.VIEW: SCRUTINY_RESPONDER_ROLES,
                        permissions.CHANGE: SCRUTINY_RESPONDER_ROLES,
                    },
                ),
            ),
        )
        register(
            Destination(
                "Scrutiny",
                "partnerships:scrutiny-list",
                "Findings and challenges from independent scrutiny, and the responses.",
                roles=(*INDICATOR_ROLES, Role.AGENCY_SAFEGUARDING_LEAD),
                order=7,
            )
        )
        # The yearly report: drafted and published by the business team, read by the partners
        # and the scrutineer. Signing off is decided by the service (lead partners only).
        permissions.register(
            YearlyReport,
            permissions.PartnershipScoped(
                roles={
                    permissions.VIEW: INDICATOR_ROLES,
                    permissions.CHANGE: [Role.BUSINESS_TEAM],
                    permissions.ADD: [Role.BUSINESS_TEAM],
                }
            ),
        )
        register(
            Destination(
                "Yearly reports",
                "partnerships:report-list",
                "The partnership's yearly report: drafted from the data, signed off, published.",
                roles=INDICATOR_ROLES,
                order=8,
            )
        )
        # What went into the yearly report: contributions and training, read by the report's
        # readers and recorded by the business team.
        report_records = permissions.PartnershipScoped(
            roles={
                permissions.VIEW: INDICATOR_ROLES,
                permissions.CHANGE: [Role.BUSINESS_TEAM],
                permissions.ADD: [Role.BUSINESS_TEAM],
            }
        )
        permissions.register(FinancialContribution, report_records)
        permissions.register(TrainingEvent, report_records)
        permissions.register(TrainingAttendance, permissions.ThroughRelated("event"))
        register(
            Destination(
                "Training",
                "partnerships:training-list",
                "Multi-agency training delivered: themes, attendance by agency, evaluations.",
                roles=INDICATOR_ROLES,
                order=9,
                in_menu=False,
            )
        )
