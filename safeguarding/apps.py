from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    name = "safeguarding"
    verbose_name = "Shared core"

    def ready(self):
        from . import permissions

        permissions.register_core_policies()
