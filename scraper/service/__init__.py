"""The running service: the daemon and its scheduler, the ops page and API.

May import every layer below it; only the CLI imports it.
"""
