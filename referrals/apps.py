from django.apps import AppConfig

# A default only: admins set each record type's period (RetentionSetting).
REFERRAL_RETENTION_YEARS = 6


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals and escalations"

    def ready(self):
        from partnerships.choices import Role
        from safeguarding import permissions, retention
        from safeguarding.navigation import Destination, register

        from .models import (
            Escalation,
            EscalationResponse,
            GoodPractice,
            InformationSharingDecision,
            Referral,
            ReferralChild,
            ReferralHousehold,
        )
        from .policies import ReferralReach
        from .selectors import DASHBOARD_ROLES

        # After the retention period (from when the referral was made) the children's and
        # household's identifying details are replaced; the case record and its figures stay.
        retention.register(
            retention.RetentionRule(
                model=ReferralChild,
                counted_from="referral__created_at__date",
                default_years=REFERRAL_RETENTION_YEARS,
                replacements={
                    "first_name": "Removed",
                    "last_name": "Removed",
                    "date_of_birth": None,
                    "expected_due_date": None,
                    "address": "",
                    "postcode": "",
                    "school": "",
                    "nhs_number": "",
                },
            )
        )
        retention.register(
            retention.RetentionRule(
                model=ReferralHousehold,
                counted_from="referral__created_at__date",
                default_years=REFERRAL_RETENTION_YEARS,
                replacements={"parents_and_carers": "", "household_members": ""},
            )
        )
        # The free text that can name the child goes at the same time: what the referrer was
        # worried about, why they shared without consent, the front door's reasons (and the
        # notifications quoting them), why no conference was needed, what was typed on
        # unfinished pages, and why it was shared. The referral's status, categories, dates and
        # decision stay, so it still counts.
        removed = retention.REMOVED_TEXT
        retention.register(
            retention.RetentionRule(
                model=Referral,
                counted_from="created_at",
                default_years=REFERRAL_RETENTION_YEARS,
                replacements={
                    "concerns": removed,
                    "reason_without_consent": removed,
                    "decision_reasons": removed,
                    "conference_not_needed_reason": removed,
                    "draft_answers": {},
                },
                related=(
                    retention.Related(InformationSharingDecision, "referral", {"reason": removed}),
                ),
            )
        )
        # Escalations (with or without a referral) are about a child's case: their reasons,
        # responses and good practice can name the child. Stage, status, theme and outcome stay.
        retention.register(
            retention.RetentionRule(
                model=Escalation,
                counted_from="created_at",
                default_years=REFERRAL_RETENTION_YEARS,
                replacements={
                    "decision_disputed": removed,
                    "reason": removed,
                    "outcome_sought": removed,
                    "resolution_notes": removed,
                },
                related=(
                    retention.Related(EscalationResponse, "escalation", {"text": removed}),
                    retention.Related(GoodPractice, "escalation", {"description": removed}),
                ),
            )
        )

        # Who reaches a referral follows from its own columns (see policies.py); escalations
        # use the default policy (django-guardian object permissions granted by their
        # services). Their parts are only read through them.
        permissions.register(Referral, ReferralReach())
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
