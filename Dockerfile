# The scraper daemon: `scraper run`, serving the ops page and API on port 8080.
# Built and run by docker-compose.yml next to a PostgreSQL service.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    SCRAPER_DATA_DIR=/data SCRAPER_CONFIG=/app/sources.toml SCRAPER_HOST=0.0.0.0 SCRAPER_PORT=8080

WORKDIR /app
COPY setup.cfg pyproject.toml README.md ./
COPY scraper ./scraper
COPY spiders ./spiders
COPY db ./db
COPY sources.toml ./
# Editable: migrations and queries are read from /app/db, beside the package.
RUN pip install -e . && useradd --system --home-dir /data --create-home scraper
USER scraper
VOLUME /data
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/api/health', timeout=4)"

STOPSIGNAL SIGTERM
CMD ["scraper", "run"]
