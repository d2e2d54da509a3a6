from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    name = "partnerships"
    verbose_name = "Partnerships, agencies and people"

    def ready(self):
        from safeguarding.navigation import Destination, register

        from . import signals  # noqa: F401
        from .choices import Role

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
