"""The console's handoff queue: open requests (all, or one team's), one request with the conversation read live
from Rasa and the identifiers it gave, take it, reply to the user on the channel they used (with suggestions from
the knowledge base and resolved tickets), move it to another team, close it, and turn a closed one into a
knowledge-base candidate. The work itself is in ``helpdesk.handoff``, ``helpdesk.agent_reply``,
``helpdesk.live_transcript`` and ``helpdesk.assist``; every take, reply, re-route, close and candidate is
audited."""
from __future__ import annotations

from datetime import datetime

import anyio
from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from api.audit import record_action
from api.deps import SettingsDep, knowledge
from api.errors import error_responses
from api.routes.console.deps import ConsoleUser, RasaClient
from hai.messages import MAX_MESSAGE_CHARS
from hai.settings import Settings
from helpdesk import agent_reply, assist, handoff, live_transcript
from knowledge import import_review as review

router = APIRouter()


class TranscriptLine(BaseModel):
    who: str = Field(description="user, bot atau agent")
    text: str
    time: float | str | None = None


class ReplyOut(BaseModel):
    id: int
    created_at: datetime
    agent: str
    text: str = Field(description="Teks balasan (data pribadi disamarkan)")
    delivered: bool


class HandoffSummary(BaseModel):
    id: int
    created_at: datetime
    channel: str
    status: str
    reason: str
    reason_text: str
    agent: str | None
    last_user_text: str = Field(description="Pesan terakhir pengguna (disamarkan)")
    team: str | None = Field(None, description="Tim L2 yang menangani sekarang")
    predicted_team: str | None = Field(None, description="Tim L2 menurut model rute (dari pesan pengguna)")
    team_confidence: float | None = Field(None, description="Keyakinan model atas tim itu, 0..1")


class RerouteOut(BaseModel):
    created_at: datetime
    agent: str
    from_team: str | None
    to_team: str


class HandoffDetail(HandoffSummary):
    closed_at: datetime | None
    transcript: list[TranscriptLine]
    replies: list[ReplyOut]
    reroutes: list[RerouteOut] = Field(default_factory=list, description="Riwayat pengalihan tim")
    live: bool = Field(False, description="true: transkrip memuat percakapan terbaru dari server asisten, "
                                          "termasuk balasan petugas yang terkirim")
    transcript_note: str | None = Field(None, description="Mengapa transkrip bukan yang terbaru")
    details: list[assist.Detail] = Field(default_factory=list,
                                         description="Data yang disebut pengguna: kode satker, periode, idpel")


class ReplyRequest(BaseModel):
    text: str = Field(..., min_length=1, max_length=MAX_MESSAGE_CHARS, description="Balasan untuk pengguna")


class RerouteRequest(BaseModel):
    team: str = Field(..., min_length=1, max_length=64, description="Tim L2 tujuan, mis. 'L2 - SAKTI KOMITMEN'")


def _summary(h: handoff.Handoff) -> dict:
    last = next((line.get("text", "") for line in reversed(h.transcript) if line.get("who") == "user"), "")
    return dict(id=h.id, created_at=h.created_at, channel=h.channel, status=h.status, reason=h.reason,
                reason_text=h.reason_text, agent=h.agent, last_user_text=last, team=h.team,
                predicted_team=h.predicted_team, team_confidence=h.team_confidence)


def _reply_out(r: agent_reply.Reply) -> ReplyOut:
    return ReplyOut(id=r.id, created_at=r.created_at, agent=r.agent, text=r.text, delivered=r.delivered)


def _detail(h: handoff.Handoff, settings: Settings,
            now: live_transcript.LiveTranscript | None = None) -> HandoffDetail:
    """``now``: the conversation read from Rasa (GET); the other routes answer with the stored transcript."""
    lines = now.lines if now is not None else h.transcript
    return HandoffDetail(**_summary(h), closed_at=h.closed_at, details=assist.conversation_details(lines),
                         transcript=[TranscriptLine(**{k: line.get(k) for k in ("who", "text", "time")})
                                     for line in lines],
                         replies=[_reply_out(r) for r in agent_reply.replies_of(h.id, settings)],
                         reroutes=[RerouteOut(created_at=r.created_at, agent=r.agent, from_team=r.from_team,
                                              to_team=r.to_team) for r in handoff.reroutes_of(h.id, settings)],
                         live=bool(now and now.live), transcript_note=now.note if now else None)


def _not_found(handoff_id: int) -> HTTPException:
    return HTTPException(404, f"Permintaan petugas #{handoff_id} tidak ditemukan.")


def _handoff(handoff_id: int, settings: Settings) -> handoff.Handoff:
    found = handoff.get(handoff_id, settings)
    if found is None:
        raise _not_found(handoff_id)
    return found


@router.get("/handoffs", response_model=list[HandoffSummary], summary="Antrean permintaan petugas yang belum ditutup")
def list_handoffs(settings: SettingsDep, team: str | None = Query(
        None, max_length=64, description="Hanya permintaan tim L2 ini, mis. 'L2 - SAKTI KOMITMEN'")
                  ) -> list[HandoffSummary]:
    return [HandoffSummary(**_summary(h)) for h in handoff.list_open(settings, team=team)]


@router.get("/handoff-teams", response_model=list[str], summary="Tim L2 yang dapat menerima permintaan petugas")
def list_teams(settings: SettingsDep) -> list[str]:
    return handoff.known_teams(settings)


@router.get("/handoffs/{handoff_id}", response_model=HandoffDetail, responses=error_responses(404),
            summary="Satu permintaan dengan percakapan terbaru (dari server asisten) dan balasan petugas")
async def get_handoff(handoff_id: int, settings: SettingsDep, client: RasaClient) -> HandoffDetail:
    found = await anyio.to_thread.run_sync(_handoff, handoff_id, settings)
    now = await live_transcript.live_transcript(client, settings, found)
    return await anyio.to_thread.run_sync(_detail, found, settings, now)


@router.post("/handoffs/{handoff_id}/assign", response_model=HandoffDetail, responses=error_responses(404),
             summary="Ambil permintaan (ditangani petugas ini)")
def assign_handoff(handoff_id: int, request: Request, settings: SettingsDep, who: ConsoleUser) -> HandoffDetail:
    _handoff(handoff_id, settings)
    record_action(request, "ambil", f"handoff-{handoff_id}")
    return _detail(handoff.assign(handoff_id, who.name, settings), settings)


@router.post("/handoffs/{handoff_id}/reply", response_model=HandoffDetail, responses=error_responses(404, 502),
             summary="Kirim balasan ke pengguna lewat kanal yang terakhir dipakainya (web chat, Telegram)")
async def reply_to_handoff(handoff_id: int, body: ReplyRequest, request: Request, settings: SettingsDep,
                           who: ConsoleUser, client: RasaClient) -> HandoffDetail:
    try:
        await agent_reply.send_reply(client, settings, handoff_id, body.text, who.name)
    except handoff.HandoffNotFoundError as exc:
        raise _not_found(handoff_id) from exc
    except agent_reply.ReplyError as exc:
        raise HTTPException(422, str(exc)) from exc
    except agent_reply.DeliveryError as exc:
        record_action(request, "balas-gagal", f"handoff-{handoff_id}", status=502)
        raise HTTPException(502, str(exc)) from exc
    record_action(request, "balas", f"handoff-{handoff_id}")
    return await anyio.to_thread.run_sync(_detail, _handoff(handoff_id, settings), settings)


@router.post("/handoffs/{handoff_id}/team", response_model=HandoffDetail, responses=error_responses(404, 409, 422),
             summary="Alihkan permintaan ke tim L2 lain (tercatat: siapa, kapan, dari, ke)")
def reroute_handoff(handoff_id: int, body: RerouteRequest, request: Request, settings: SettingsDep,
                    who: ConsoleUser) -> HandoffDetail:
    try:
        moved = handoff.reroute(handoff_id, body.team, who.name, settings)
    except handoff.HandoffNotFoundError as exc:
        raise _not_found(handoff_id) from exc
    except handoff.UnknownTeamError as exc:
        raise HTTPException(422, f"{str(exc)[0].upper()}{str(exc)[1:]}.") from exc
    except handoff.RerouteError as exc:
        raise HTTPException(409, f"{str(exc)[0].upper()}{str(exc)[1:]}.") from exc
    record_action(request, "alihkan-tim", f"handoff-{handoff_id}")
    return _detail(moved, settings)


@router.post("/handoffs/{handoff_id}/close", response_model=HandoffDetail, responses=error_responses(404),
             summary="Tutup permintaan (percakapan kembali dilayani asisten)")
def close_handoff(handoff_id: int, request: Request, settings: SettingsDep) -> HandoffDetail:
    _handoff(handoff_id, settings)
    record_action(request, "tutup", f"handoff-{handoff_id}")
    return _detail(handoff.close(handoff_id, settings), settings)


@router.get("/handoffs/{handoff_id}/assist", response_model=assist.AssistResult, responses=error_responses(404, 409),
            summary="Saran balasan: entri basis pengetahuan dan tiket selesai yang mirip dengan pertanyaan pengguna")
async def assist_handoff(handoff_id: int, settings: SettingsDep, client: RasaClient) -> assist.AssistResult:
    found = await anyio.to_thread.run_sync(_handoff, handoff_id, settings)
    if found.status == handoff.CLOSED:
        raise HTTPException(409, f"Permintaan #{handoff_id} sudah ditutup; saran hanya untuk permintaan yang "
                                 "masih terbuka.")
    now = await live_transcript.live_transcript(client, settings, found)
    # the knowledge search is built on first use (the model loads): in the thread pool, not the event loop
    return await anyio.to_thread.run_sync(lambda: assist.suggest(now.lines, knowledge(settings), settings))


def _final_reply(handoff_id: int, settings: Settings) -> str | None:
    delivered = [r.text for r in agent_reply.replies_of(handoff_id, settings) if r.delivered]
    return delivered[-1] if delivered else None


@router.post("/handoffs/{handoff_id}/candidate", response_model=review.ImportBatch, status_code=201,
             responses=error_responses(404, 409),
             summary="Jadikan pertanyaan pengguna dan balasan terakhir petugas kandidat entri (antrean review impor)")
async def handoff_to_candidate(handoff_id: int, request: Request, settings: SettingsDep, who: ConsoleUser,
                               client: RasaClient) -> review.ImportBatch:
    found = await anyio.to_thread.run_sync(_handoff, handoff_id, settings)
    now = await live_transcript.live_transcript(client, settings, found)
    reply = await anyio.to_thread.run_sync(_final_reply, handoff_id, settings)
    try:
        batch = await anyio.to_thread.run_sync(lambda: assist.handoff_candidate(
            found, now.lines, reply, knowledge(settings), review.batch_folder(settings.data_dir), who.name))
    except (assist.CandidateError, assist.AlreadyCandidate) as exc:
        raise HTTPException(409, str(exc)) from exc
    record_action(request, "jadikan-kandidat", f"handoff-{handoff_id}->impor/{batch.id}")
    return batch
