"""News-aggregation scraper service: crawl news sites into PostgreSQL."""

__version__ = "0.1.0"
