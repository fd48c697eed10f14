"""`python -m scraper` is the `scraper` command (the daemon starts crawls this way)."""

from scraper.cli import main

raise SystemExit(main())
