"""Scrapy spiders: they discover and fetch; extraction and storage happen in the item pipeline."""
