"""Platform glue for the HAI Treasury Assistant: settings, the app database, the service launcher.

Plain Python; imported by `actions/`, `api/`, `knowledge/` and `analytics/` only for settings.
"""
