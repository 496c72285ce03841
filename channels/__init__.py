"""Input channels loaded by the Rasa server (they run in Rasa's environment, .venv/rasa), and the Telegram
polling worker (``telegram_polling``, a process of its own in .venv/app) that feeds the Telegram channel."""
