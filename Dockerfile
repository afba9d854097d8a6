# syntax=docker/dockerfile:1
# The monitor daemon: slim, non-root, with a health check on /healthz.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MONITOR_CONFIG=/app/config/watchlist.yaml MONITOR_HEALTH_LISTEN=0.0.0.0:9108
WORKDIR /app

# Everything pyproject.toml names (readme, license-files) must be here before `pip install .`.
COPY pyproject.toml README.md LICENSE ./
COPY monitor ./monitor
RUN pip install --no-cache-dir --upgrade "pip>=24" && pip install --no-cache-dir . \
    && useradd --create-home --uid 10001 monitor

COPY config ./config
COPY seeds ./seeds
RUN mkdir -p /app/data && chown 10001:10001 /app/data
USER 10001

EXPOSE 9108
HEALTHCHECK --interval=60s --timeout=10s --start-period=60s \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:9108/healthz', timeout=5).status != 200)"]
ENTRYPOINT ["monitor", "--log-format", "json"]
CMD ["run"]
