"""Sign-ins end when the account changes under them: access tokens must not outlive
the password they were issued for, the account's deactivation, or the account itself.

Receivers rather than code in views, because passwords change and accounts are
deactivated or deleted in many places (account page, admin, ``changepassword``, shell)
and a stolen token must survive none of them.
"""

from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver

from .models import User
from .services import user_revoke_all


@receiver(post_save, sender=User, dispatch_uid="accounts_revoke_on_password_or_deactivation")
def revoke_sign_ins_of_changed_user(sender, instance, created, raw=False, **kwargs):
    if raw:
        return  # loaddata: rows restored as they were, nothing changed by anybody
    # ``set_password`` keeps the new raw password in ``_password`` until the save has
    # finished (AbstractBaseUser.save clears it after this signal): a changed password.
    if not created and (instance._password is not None or not instance.is_active):
        user_revoke_all(user_id=instance.pk)


@receiver(pre_delete, sender=User, dispatch_uid="accounts_revoke_on_delete")
def revoke_sign_ins_of_deleted_user(sender, instance, **kwargs):
    # pre_delete also fires for queryset and cascade deletes, unlike Model.delete().
    user_revoke_all(user_id=instance.pk)
