"""Support for tests and benchmarks, never imported by the service.

stack            starts the real Rasa server, action server and API on free loopback ports
telegram_standin a loopback stand-in of Telegram's Bot API that records what the bot sends
architecture     the import rules of the layout, checked from the source
"""
