# syntax=docker/dockerfile:1
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY monitor ./monitor
RUN pip install --no-cache-dir --upgrade "pip>=24" && pip install --no-cache-dir . \
    && useradd --create-home --uid 10001 monitor

COPY config ./config
COPY seeds ./seeds
RUN mkdir -p /app/data && chown monitor:monitor /app/data
USER monitor

HEALTHCHECK --interval=60s --timeout=10s --start-period=30s CMD ["monitor", "check-config"]
ENTRYPOINT ["monitor"]
CMD ["run"]
