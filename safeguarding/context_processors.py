from django.utils.functional import SimpleLazyObject

from .navigation import menu_for


def navigation(request):
    def unread():
        return request.user.notifications.filter(read_at__isnull=True).count()

    if not request.user.is_authenticated:
        return {"nav": {}}
    return {
        "nav": {
            "items": SimpleLazyObject(lambda: menu_for(request)),
            "unread_notifications": SimpleLazyObject(unread),
        }
    }
