"""The ground floor of the HAI Treasury Assistant: settings, the app database (engine, ``Base``, models),
the messages a user sees when something is wrong, and the process launcher.

Plain Python; imports no other package of the project. Everything else stands on it.
"""
