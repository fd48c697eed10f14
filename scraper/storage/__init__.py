"""The PostgreSQL edge and the durable spool: the only layer where SQL runs.

May import configuration, policy and extraction; never crawling or the service.
"""
