from django.apps import AppConfig


class PracticesConfig(AppConfig):
    name = "practices"
    verbose_name = "Practices"

    def ready(self):
        from practices import checks  # noqa: F401 - registers the system checks
