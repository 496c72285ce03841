"""rasa-sdk custom actions: thin adapters from the conversation to `knowledge/` and `analytics/`.

The action server imports this package (``python -m rasa_sdk --actions actions``); every module listed
here registers its actions on import.
"""
from actions import menu  # noqa: F401
