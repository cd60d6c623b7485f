from django.apps import AppConfig
from django.db.models.signals import pre_save


class PracticesConfig(AppConfig):
    name = "practices"
    verbose_name = "Practices"

    def ready(self):
        from taggit.models import Tag

        from practices import checks  # noqa: F401 - registers the system checks
        from practices.services.tags import tag_slug_ensure_ascii

        # taggit creates tags itself; see tag_slug_ensure_ascii for why this is a signal.
        pre_save.connect(tag_slug_ensure_ascii, sender=Tag, dispatch_uid="practices-tag-ascii-slug")
