"""Input channels loaded by the Rasa server (they run in Rasa's environment, .venv/rasa)."""
