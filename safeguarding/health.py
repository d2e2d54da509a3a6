"""GET /health/: the state of the database, the cache and, with a broker, Redis and Celery."""

from django.conf import settings
from health_check.checks import Cache, Database
from health_check.views import HealthCheckView


def configured_checks():
    checks = [Database, Cache]
    if settings.REDIS_URL:
        from health_check.contrib.celery import Ping
        from health_check.contrib.redis import Redis
        from redis.asyncio import Redis as RedisClient

        url = settings.REDIS_URL
        checks += [(Redis, {"client_factory": lambda: RedisClient.from_url(url)}), Ping]
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
