"""The Scrapy edge: one crawl run in this process, its item pipeline, middlewares and extensions.

May import storage, configuration, policy and extraction; never the service above it.
"""
