"""The audit log: who did which security-relevant thing, when, from where (curators read it at /curate/audit/)."""

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        SIGNED_IN = "signed_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
        TWO_FACTOR_ON = "two_factor_on", "Two-factor authentication turned on"
        TWO_FACTOR_OFF = "two_factor_off", "Two-factor authentication turned off"
        RECOVERY_CODES = "recovery_codes", "Recovery codes made"
        ROLE_CHANGED = "role_changed", "Role changed"
        PUBLISHED = "published", "Published"
        RETURNED = "returned", "Returned to its council"
        RESTORED = "restored", "Earlier version restored"
        TAG_MERGED = "tag_merged", "Tags merged"
        TAG_RENAMED = "tag_renamed", "Tag renamed"
        DELETED = "deleted", "Deleted"

    at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=30, choices=Action.choices)
    # The account is kept by name too, so the entry survives the account's deletion.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=254, blank=True)
    target = models.CharField(max_length=300, blank=True)
    target_url = models.CharField(max_length=300, blank=True)
    detail = models.TextField(blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["-at", "-id"], name="audit_newest_first")]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.target or self.actor_label}"
