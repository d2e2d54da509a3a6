"""GET /health/: the state of the database, the cache and, with a broker, Redis and Celery."""

import datetime

from django.conf import settings
from health_check.checks import Cache, Database
from health_check.views import HealthCheckView

# One answering worker is enough to be healthy. Without a limit the ping waits out its whole
# timeout before the queue inspection starts, and the two together can overrun the library's
# cap of timeout + 1 s on a busy machine, reporting a live worker as unavailable.
CELERY_PING = {"limit": 1, "timeout": datetime.timedelta(seconds=2)}


def configured_checks():
    checks = [Database, Cache]
    if settings.REDIS_URL:
        from health_check.contrib.celery import Ping
        from health_check.contrib.redis import Redis
        from redis.asyncio import Redis as RedisClient

        url = settings.REDIS_URL
        checks += [
            (Redis, {"client_factory": lambda: RedisClient.from_url(url)}),
            (Ping, CELERY_PING),
        ]
    return checks


class HealthView(HealthCheckView):
    """200 when everything answers; 503 (not 500) when a service it depends on does not."""

    def get_checks(self):
        self.checks = configured_checks()
        return super().get_checks()

    async def get(self, request, *args, **kwargs):
        response = await super().get(request, *args, **kwargs)
        if response.status_code == 500:
            response.status_code = 503
        return response
