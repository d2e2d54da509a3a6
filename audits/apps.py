from django.apps import AppConfig

AUDIT_RETENTION_YEARS = 6


class AuditsConfig(AppConfig):
    name = "audits"
    verbose_name = "Audits and self-assessments"

    def ready(self):
        from partnerships.choices import PARTNER_ROLES, Role
        from safeguarding import permissions, retention
        from safeguarding.navigation import Destination, register

        from .models import (
            AuditAnswer,
            AuditCase,
            AuditQuestion,
            AuditReturn,
            AuditSample,
            ChallengeEvent,
            SelfAssessmentRound,
            Standard,
            StandardRating,
        )
        from .policies import AuditReturnReach

        # Audits and self-assessments carry object permissions granted when created; who
        # reaches a return follows from its own columns (policies.py). Their parts follow the
        # whole.
        permissions.register(AuditReturn, AuditReturnReach())
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
        # Cases are known by pseudonymised references, but what the agencies wrote about a case
        # can still name the child: it is replaced when the retention period ends. Grades,
        # dates and whether the child's voice was heard stay, so the results still add up.
        removed = retention.REMOVED_TEXT
        retention.register(
            retention.RetentionRule(
                model=AuditCase,
                counted_from="audit__created_at",
                default_years=AUDIT_RETENTION_YEARS,
                replacements={"findings": removed},
                related=(
                    retention.Related(
                        AuditReturn,
                        "case",
                        {
                            "worked_well": removed,
                            "worries": removed,
                            "family_feedback": removed,
                            "immediate_concern_details": removed,
                        },
                    ),
                    retention.Related(AuditAnswer, "audit_return__case", {"answer": removed}),
                ),
            )
        )
