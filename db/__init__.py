"""The SQL of the service (migrations, named queries), shipped inside the package as `scraper.sql`."""
