"""Keep derived state in step however records are edited: the permission groups with agencies
and roles, and the indicators' cache with the records they count. Memberships need nothing:
`permissions.PartnershipsSeen` reads them, with their dates, when asked."""

from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from audits.models import Audit, AuditReturn, SelfAssessment, SelfAssessmentRound, StandardRating
from referrals.models import Escalation, GoodPractice, Referral
from reviews.models import PracticeReview, RapidReview, SeriousIncident
from safeguarding import permissions

from .indicators import figures_changed
from .models import Action, Agency, Partnership, RoleAssignment, User


@receiver(post_save, sender=User)
def user_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        permissions.sync_user_groups(instance)


@receiver([post_save, post_delete], sender=RoleAssignment)
def role_assignment_changed(sender, instance, raw=False, origin=None, **kwargs):
    if raw or _deleting_the_person(origin, instance.user_id):
        return
    permissions.sync_user_groups(instance.user)


def _deleting_the_person(origin, user_id) -> bool:
    """Whether a role went with its holder: their groups go too, and putting them back in one
    would leave rows pointing at no one (the deletion then fails as it commits)."""
    if isinstance(origin, User):
        return origin.pk == user_id
    if isinstance(origin, QuerySet) and issubclass(origin.model, User):
        return origin.filter(pk=user_id).exists()
    return False


# Records counted in one partnership's indicators, or (a round) deciding which are counted.
COUNTED_IN_ONE_PARTNERSHIP = (
    Referral,
    SeriousIncident,
    RapidReview,
    PracticeReview,
    Escalation,
    Action,
    SelfAssessmentRound,
)


def counted_record_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    if sender is AuditReturn:
        figures_changed(Audit.objects.filter(pk=instance.audit_id).values("partnership_id"))
    elif sender is GoodPractice:
        figures_changed(
            Escalation.objects.filter(pk=instance.escalation_id).values("partnership_id")
        )
    elif sender is Partnership:
        # Its name labels the figures. A full save also wrote back the version it was read with,
        # which a change counted meanwhile may have replaced.
        figures_changed([instance.pk])
    elif sender in COUNTED_IN_ONE_PARTNERSHIP:
        if instance.partnership_id is not None:
            figures_changed([instance.partnership_id])
    else:
        # A self-assessment counts for every partnership that invited its agency, and agency
        # names label the figures: rare changes, so every partnership's figures are refreshed.
        figures_changed()


for model in (
    *COUNTED_IN_ONE_PARTNERSHIP,
    AuditReturn,
    GoodPractice,
    SelfAssessment,
    StandardRating,
    Agency,
):
    post_save.connect(counted_record_changed, sender=model)
    post_delete.connect(counted_record_changed, sender=model)
post_save.connect(counted_record_changed, sender=Partnership)


@receiver(m2m_changed, sender=SelfAssessmentRound.agencies.through)
def invitations_changed(sender, instance, **kwargs):
    if kwargs["action"] in ("post_add", "post_remove", "post_clear"):
        figures_changed()
