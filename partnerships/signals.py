"""Keep the permission groups in step with agencies, memberships and roles, however edited."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from safeguarding import permissions

from .models import Membership, RoleAssignment, User


@receiver(post_save, sender=User)
def user_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        permissions.sync_user_groups(instance)


@receiver([post_save, post_delete], sender=RoleAssignment)
def role_assignment_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        permissions.sync_user_groups(instance.user)


@receiver(post_save, sender=Membership)
def membership_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        permissions.membership_changed(instance)


@receiver(post_delete, sender=Membership)
def membership_deleted(sender, instance, **kwargs):
    permissions.membership_removed(instance)
