"""Deleting a user ends their sign-ins; access tokens must not outlive the account."""

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from .models import User
from .services import user_revoke_all


@receiver(pre_delete, sender=User, dispatch_uid="accounts_revoke_on_delete")
def revoke_sign_ins_of_deleted_user(sender, instance, **kwargs):
    # pre_delete also fires for queryset and cascade deletes, unlike Model.delete().
    user_revoke_all(user_id=instance.pk)
