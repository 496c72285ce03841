"""The conversation of a handoff as it is now: the transcript stored when the user asked for a person, plus what
the user, the assistant and agents have said since, read from the Rasa tracker.

The stored transcript is a snapshot taken by the bot's ``action_handoff``; the conversation goes on after it
(the queue number, the user's further messages, the agents' replies). :func:`merge` is plain: tracker events
in, transcript lines out, every text redacted by ``helpdesk.handoff.redact_transcript`` (the redaction the stored
transcript went through). :func:`live_transcript` fetches the tracker from Rasa's HTTP API and falls back to
the stored transcript, with a note, when Rasa cannot be reached.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from helpdesk.handoff import Handoff, event_line, redact_transcript
from hai.settings import Settings

# An agent waits on this when opening a request: a hung Rasa server must not hang the console for
# rasa_timeout_s (30 s, sized for the bot's answers).
TRACKER_TIMEOUT_S = 5.0
UNAVAILABLE_NOTE = ("Percakapan terbaru tidak dapat dimuat ({problem}); yang tampil adalah transkrip saat "
                    "permintaan dibuat ditambah balasan petugas.")


@dataclass(frozen=True)
class LiveTranscript:
    lines: list[dict]            # [{who: user|bot|agent, text (redacted), time (ISO, UTC)}], oldest first
    live: bool                   # True: read from the tracker (agent replies are among the lines)
    note: str | None = None      # why it is not live, for the agent


def tracker_lines(events: Iterable[Mapping]) -> list[dict]:
    """``[{who, text, time}]`` of the conversation since its last restart, redacted; bot utterances that an
    agent sent (``metadata.agent``, see ``helpdesk.agent_reply.bot_event``) are ``who="agent"``. Lines are written by
    ``helpdesk.handoff.event_line``, as the stored ones are, so the two can be lined up."""
    events = list(events)
    restart = max((i for i, e in enumerate(events) if e.get("event") == "restart"), default=-1)
    lines = []
    for event in events[restart + 1:]:
        line = event_line(event)
        if line is None:
            continue
        if line["who"] == "bot" and (event.get("metadata") or {}).get("agent"):
            line["who"] = "agent"
        lines.append(line)
    return redact_transcript(lines)


def since_stored(stored: list[dict], live: list[dict]) -> list[dict]:
    """The lines of ``live`` that come after the last line of ``stored``.

    Lined up on the last stored line (text and time; the stored one may call an agent's reply "bot"); when it
    is not among the live lines (it scrolled out of the kept window), every live line not older than it and
    not already stored."""
    if not stored:
        return list(live)
    last = stored[-1]
    for i in range(len(live) - 1, -1, -1):
        if (live[i]["text"], live[i]["time"]) == (last.get("text"), last.get("time")):
            return live[i + 1:]
    seen = {(line.get("text"), line.get("time")) for line in stored}
    after = last.get("time") or ""
    return [line for line in live if (line["text"], line["time"]) not in seen and (line["time"] or "") >= after]


def merge(stored: list[dict], events: Iterable[Mapping]) -> list[dict]:
    """The stored (redacted) transcript followed by the conversation's lines since, from tracker events."""
    return list(stored) + since_stored(stored, tracker_lines(events))


def tracker_url(settings: Settings, sender_id: str) -> str:
    return f"{settings.rasa_url}/conversations/{quote(sender_id, safe='')}/tracker"


async def live_transcript(client: httpx.AsyncClient, settings: Settings, handoff: Handoff) -> LiveTranscript:
    """The handoff's conversation now; the stored transcript and a note when the tracker cannot be read."""
    try:
        response = await client.get(tracker_url(settings, handoff.sender_id), timeout=TRACKER_TIMEOUT_S,
                                    params={"token": settings.rasa_api_token()})
        if response.status_code >= 300:
            problem = f"server asisten menjawab {response.status_code}"
        else:
            events = response.json().get("events")
            if isinstance(events, list):
                return LiveTranscript(merge(handoff.transcript, events), live=True)
            problem = "jawaban server asisten tidak memuat riwayat"
    except httpx.HTTPError as exc:
        problem = f"server asisten tidak dapat dihubungi ({type(exc).__name__})"
    except (ValueError, AttributeError):  # not JSON, or not an object
        problem = "jawaban server asisten tidak dapat dibaca"
    return LiveTranscript(list(handoff.transcript), live=False, note=UNAVAILABLE_NOTE.format(problem=problem))
