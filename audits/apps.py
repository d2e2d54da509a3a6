from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "audits"
    verbose_name = "Audits and self-assessments"

    def ready(self):
        from partnerships.choices import PARTNER_ROLES, Role
        from safeguarding import permissions
        from safeguarding.navigation import Destination, register

        from .models import (
            AuditAnswer,
            AuditCase,
            AuditQuestion,
            AuditSample,
            ChallengeEvent,
            SelfAssessmentRound,
            Standard,
            StandardRating,
        )

        # Audits, returns and self-assessments carry object permissions granted when created;
        # their parts follow the whole.
        for model, field in (
            (AuditQuestion, "audit"),
            (AuditSample, "audit"),
            (AuditCase, "audit"),
            (AuditAnswer, "audit_return"),
            (Standard, "round"),
            (StandardRating, "assessment"),
        ):
            permissions.register(model, permissions.ThroughRelated(field))
        business = [Role.BUSINESS_TEAM]
        permissions.register(
            SelfAssessmentRound,
            permissions.PartnershipScoped(
                roles={
                    permissions.VIEW: None,
                    permissions.ADD: business,
                    permissions.CHANGE: business,
                }
            ),
        )
        permissions.register(
            ChallengeEvent,
            permissions.AnyOf(
                permissions.PartnershipScoped(
                    "round__partnership",
                    roles={
                        permissions.VIEW: [*business, *PARTNER_ROLES],
                        permissions.ADD: business,
                    },
                ),
                permissions.OwnAgency(partnership_field="round__partnership"),
            ),
        )
        register(
            Destination(
                "Audits",
                "audits:audit-list",
                "Multi-agency case file audits: returns, moderation and results.",
                order=30,
            )
        )
        register(
            Destination(
                "Self-assessments",
                "audits:self-assessment-list",
                "Section 11 and Section 175 self-assessments and challenge events.",
                order=31,
            )
        )
