"""The helpdesk domain: what happens when the assistant hands a conversation to people.

handoff          handoff requests: open, list, assign, close; transcripts from Rasa events, redacted
agent_reply      an agent's reply delivered into the user's conversation (through Rasa's tracker events)
live_transcript  the conversation as Rasa holds it now, redacted, for the console
unanswered       questions the assistant could not answer, kept (redacted) to become knowledge entries
feedback         answers given and the user's vote on each (one vote per answer, the last counts)
assist           suggestions for an agent's reply (entries, resolved tickets), the card's details, close -> candidate
triage/          which L2 team should take a handoff: a model trained on HAI exports' team labels

Plain Python: no Rasa, no FastAPI. Imports ``knowledge`` (redaction) and ``hai``; actions and the console
call it.
"""
