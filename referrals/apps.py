from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals and escalations"

    def ready(self):
        from partnerships.choices import Role
        from safeguarding.navigation import Destination, register

        from .selectors import DASHBOARD_ROLES

        # Referrals and escalations use the default policy (django-guardian object
        # permissions granted by their services); their parts are only read through them.
        referrers = (
            Role.PRACTITIONER,
            Role.AGENCY_SAFEGUARDING_LEAD,
            Role.FRONT_DOOR_WORKER,
            Role.LEAD_SAFEGUARDING_PARTNER,
            Role.DELEGATED_SAFEGUARDING_PARTNER,
        )
        register(
            Destination(
                "Referrals",
                "referrals:referral-list",
                "Refer a worry about a child to the front door, and see what was decided.",
                roles=referrers,
                order=30,
            )
        )
        register(
            Destination(
                "Front door",
                "referrals:queue",
                "Referrals waiting for your decision, flagged and oldest first.",
                roles=(Role.FRONT_DOOR_WORKER,),
                order=31,
            )
        )
        register(
            Destination(
                "Referral figures",
                "referrals:dashboard",
                "Referrals, decisions and timeliness across the partnership (no names).",
                roles=DASHBOARD_ROLES,
                in_menu=False,
                order=32,
            )
        )
        register(
            Destination(
                "Escalations",
                "referrals:escalation-list",
                "Disagree with another agency's decision and resolve it, stage by stage.",
                roles=referrers,
                order=33,
            )
        )
        register(
            Destination(
                "Escalation figures",
                "referrals:escalation-dashboard",
                "Open escalations by stage and age, outcomes, themes and agencies.",
                roles=DASHBOARD_ROLES,
                in_menu=False,
                order=34,
            )
        )
