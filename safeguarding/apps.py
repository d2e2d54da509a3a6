from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    name = "safeguarding"
    verbose_name = "Shared core"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import drafts, permissions, sessions

        permissions.register_core_policies()
        user_logged_in.connect(sessions.mark_renewed_at_sign_in)
        user_logged_in.connect(drafts.mark_sign_in)
