/* Agent console (single page) over the JSON API under /api/v1/console. The session is an HttpOnly cookie
   set at login; every request that changes something also sends the session's CSRF token (X-CSRF-Token),
   which the page gets from GET /session. Every text from the server is put into the page as text
   (textContent), never as HTML: transcripts hold what users typed. */
(() => {
  "use strict";
  const API = "api/v1/console";
  const POLL_MS = 10000;   // the queue refreshes itself while it is shown
  const $ = (id) => document.getElementById(id);
  const state = { csrf: "", handoff: null, opened: null, category: null, batch: null, editing: null, tab: "queue",
                  teams: null };
  const CHANNELS = { socketio: "web chat", telegram: "Telegram", rest: "REST" };
  const STATUS = { open: "menunggu", assigned: "ditangani", closed: "ditutup", active: "aktif",
                   retired: "pensiun", pending: "belum diputuskan", accepted: "diterima", rejected: "ditolak" };
  const WHO = { user: "Pengguna", bot: "Asisten", agent: "Petugas" };

  function notice(text, el = $("notice")) {
    el.textContent = text || "";
    el.hidden = !text;
  }

  async function api(method, path, body) {
    const options = { method, credentials: "same-origin", headers: {} };
    if (method !== "GET") options.headers["X-CSRF-Token"] = state.csrf;
    if (body instanceof FormData) options.body = body;
    else if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const resp = await fetch(`${API}${path}`, options);
    if (resp.status === 401) { window.location.assign("console/login"); throw new Error("Sesi berakhir."); }
    const data = await resp.json().catch(() => ({}));
    if (!resp.ok) throw new Error(data.detail || `Permintaan gagal (${resp.status}).`);
    return data;
  }

  function node(tag, text, className) {
    const el = document.createElement(tag);
    if (text !== undefined && text !== null) el.textContent = text;
    if (className) el.className = className;
    return el;
  }

  function button(label, onClick, className) {
    const b = node("button", label, className);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  const when = (iso) => new Date(iso).toLocaleString("id-ID", { dateStyle: "short", timeStyle: "short" });

  /* ---------- tabs ---------- */
  function showTab(name) {
    state.tab = name;
    for (const b of document.querySelectorAll("[data-tab]")) {
      if (b.dataset.tab === name) b.setAttribute("aria-current", "page"); else b.removeAttribute("aria-current");
      $(`tab-${b.dataset.tab}`).hidden = b.dataset.tab !== name;
    }
    notice("");
    const load = { queue: loadQueue, kb: loadEntries, unanswered: loadUnanswered, import: loadBatches,
                   admin: loadAdmin }[name];
    load().catch((e) => notice(e.message));
  }

  /* ---------- handoff queue ---------- */
  // "L2 - SAKTI KOMITMEN (87%)": the team now responsible, with the model's confidence while it is its choice
  function teamText(h) {
    if (!h.team) return "tim belum ditentukan";
    const sure = h.team === h.predicted_team && h.team_confidence != null;
    return sure ? `${h.team} (${Math.round(h.team_confidence * 100)}%)` : h.team;
  }

  async function loadTeams() {
    if (state.teams) return state.teams;
    state.teams = await api("GET", "/handoff-teams");
    const filter = $("team-filter");
    filter.append(...state.teams.map((t) => { const o = node("option", t); o.value = t; return o; }));
    return state.teams;
  }

  async function loadQueue() {
    const list = $("queue");
    await loadTeams();
    const team = $("team-filter").value;
    const items = await api("GET", team ? `/handoffs?team=${encodeURIComponent(team)}` : "/handoffs");
    list.replaceChildren();
    if (!items.length) list.append(node("li", "Tidak ada permintaan yang menunggu.", "muted"));
    for (const h of items) {
      const li = node("li", null, "card");
      li.append(node("strong", `#${h.id} · ${CHANNELS[h.channel] || h.channel} · ${STATUS[h.status] || h.status}`));
      li.append(node("p", h.last_user_text || "(tanpa pesan)"));
      li.append(node("p", `${h.reason_text} · ${teamText(h)} · ${when(h.created_at)}${h.agent ? " · " + h.agent : ""}`,
                     "muted"));
      li.append(button("Buka", () => openHandoff(h.id)));
      list.append(li);
    }
    if (state.handoff) openHandoff(state.handoff, false);
  }

  // the handoff card: structured fields first, then the transcript
  function fieldRows(h, category) {
    const rows = [["Status", `${STATUS[h.status] || h.status} · ${CHANNELS[h.channel] || h.channel}`],
                  ["Tim", teamText(h)]];
    if (h.predicted_team && h.predicted_team !== h.team) {
      rows.push(["Tim menurut model", `${h.predicted_team} (${Math.round((h.team_confidence || 0) * 100)}%)`]);
    }
    rows.push(["Alasan", h.reason_text], ["Kategori", category || "belum diketahui"]);
    for (const d of h.details || []) rows.push([d.label, d.value]);
    rows.push(["Dibuat", when(h.created_at)]);
    if (h.agent) rows.push(["Petugas", h.agent]);
    return rows;
  }

  function showFields(h, category) {
    $("handoff-fields").replaceChildren(...fieldRows(h, category).flatMap(([k, v]) => [node("dt", k), node("dd", v)]));
  }

  async function openHandoff(id, scroll = true) {
    const h = await api("GET", `/handoffs/${id}`);
    const reopened = state.opened && state.opened.id === h.id;
    state.handoff = h.status === "closed" ? null : h.id;
    state.opened = h;
    $("handoff").hidden = false;
    $("handoff-title").textContent = `Permintaan #${h.id}`;
    showFields(h, reopened ? state.category : null);
    const teams = await loadTeams();
    $("team-select").replaceChildren(...teams.map((t) => {
      const o = node("option", t);
      o.value = t;
      o.selected = t === h.team;
      return o;
    }));
    $("team-form").hidden = h.status === "closed";
    // live: the transcript is the conversation as Rasa has it, delivered agent replies included; only the
    // replies that never reached the user are added. Otherwise it is the snapshot taken at the handoff.
    const replies = h.live ? h.replies.filter((r) => !r.delivered) : h.replies;
    const lines = h.transcript.map((l) => ({ who: l.who, text: l.text }))
      .concat(replies.map((r) => ({ who: "agent", text: r.text + (r.delivered ? "" : " (belum terkirim)") })));
    notice(h.transcript_note || "", $("transcript-note"));
    const list = $("transcript");
    list.replaceChildren(...lines.map((l) => {
      const li = node("li", null, `line line--${l.who}`);
      li.append(node("span", `${WHO[l.who] || l.who}: `, "line__who"), node("span", l.text));
      return li;
    }));
    const closed = h.status === "closed";
    $("reply-form").hidden = closed;
    $("assist").hidden = closed;
    $("closed-actions").hidden = !closed;
    if (!closed && !reopened) loadAssist(h).catch((e) => notice(e.message, $("assist-note")));
    if (scroll) $("handoff").scrollIntoView({ block: "start" });
  }

  /* ---------- agent assist: suggestions beside the reply box; one click puts a text into it ---------- */
  function suggestionItem(s) {
    const li = node("li", null, "suggestion");
    li.append(node("strong", s.question), node("p", s.text, "clamp"),
              node("p", `${s.source} · kemiripan ${Math.round(s.score * 100)}%`, "muted"));
    li.append(button("Pakai", () => {
      $("reply").value = s.text;  // the agent edits it and sends as usual
      $("reply").focus();
    }));
    return li;
  }

  async function loadAssist(h) {
    state.category = null;
    for (const id of ["assist-entries", "assist-tickets"]) $(id).replaceChildren(node("li", "Memuat saran…", "muted"));
    notice("", $("assist-note"));
    const a = await api("GET", `/handoffs/${h.id}/assist`);
    if (!state.opened || state.opened.id !== h.id) return;  // another request was opened meanwhile
    state.category = a.category_title;
    showFields(state.opened, a.category_title);
    notice(a.message, $("assist-note"));
    $("assist-entries").replaceChildren(...(a.entries.length ? a.entries.map(suggestionItem)
      : [node("li", "Tidak ada entri yang cocok.", "muted")]));
    $("assist-tickets").replaceChildren(...(a.tickets.length ? a.tickets.map(suggestionItem)
      : [node("li", "Tidak ada tiket serupa dari ekspor yang diimpor.", "muted")]));
  }

  async function makeCandidate() {
    try {
      const batch = await api("POST", `/handoffs/${state.opened.id}/candidate`);
      showTab("import");
      await showBatch(batch.id, batch);
      notice(`Kandidat entri dari permintaan #${state.opened.id} dibuat dan menunggu review di bawah.`);
    } catch (e) { notice(e.message); }
  }

  async function sendReply(event) {
    event.preventDefault();
    const text = $("reply").value.trim();
    if (!text) return notice("Balasan masih kosong.");
    try {
      await api("POST", `/handoffs/${state.handoff}/reply`, { text });
      $("reply").value = "";
      notice("Balasan terkirim ke pengguna.");
      await loadQueue();  // the request is now "ditangani" in the list too; reopens the detail
    } catch (e) { notice(e.message); }
  }

  async function rerouteHandoff(event) {
    event.preventDefault();
    try {
      const team = $("team-select").value;
      await api("POST", `/handoffs/${state.handoff}/team`, { team });
      notice(`Permintaan #${state.handoff} dialihkan ke ${team}.`);
      await loadQueue();
    } catch (e) { notice(e.message); }
  }

  async function closeHandoff() {
    try {
      const id = state.handoff;
      await api("POST", `/handoffs/${id}/close`);
      state.handoff = null;
      notice(`Permintaan #${id} ditutup. Jadikan kandidat entri bila jawabannya berguna untuk pengguna lain.`);
      await loadQueue();
      await openHandoff(id, false);
    } catch (e) { notice(e.message); }
  }

  /* ---------- knowledge base ---------- */
  async function loadCategories() {
    const cats = await api("GET", "/categories");
    $("categories").replaceChildren(...cats.map((c) => {
      const o = document.createElement("option");
      o.value = c.id;
      o.label = c.title;
      return o;
    }));
  }

  async function loadEntries(event) {
    if (event) event.preventDefault();
    const params = new URLSearchParams({ q: $("q").value, include_retired: $("retired").checked, limit: 100 });
    const page = await api("GET", `/entries?${params}`);
    $("kb-count").textContent = `${page.total} entri cocok` + (page.total > page.entries.length
      ? ` (ditampilkan ${page.entries.length})` : "");
    $("entries").replaceChildren(...page.entries.map((e) => {
      const li = node("li", null, "card");
      li.append(node("strong", `${e.id} · ${e.category_title}${e.status === "retired" ? " · pensiun" : ""}`));
      li.append(node("p", e.question), node("p", e.answer, "muted clamp"));
      li.append(button("Ubah", () => openEditor({ kind: "edit", id: e.id }, e)));
      if (e.status === "active") li.append(button("Pensiunkan", () => retire(e.id), "danger"));
      return li;
    }));
  }

  async function retire(id) {
    if (!window.confirm(`Pensiunkan entri ${id}? Entri tidak dipakai menjawab lagi.`)) return;
    try {
      await api("POST", `/entries/${encodeURIComponent(id)}/retire`);
      notice(`Entri ${id} dipensiunkan.`);
      await loadEntries();
    } catch (e) { notice(e.message); }
  }

  const FIELDS = { category: "f-category", category_title: "f-category-title", id: "f-id", question: "f-question",
                   answer: "f-answer", reference: "f-reference" };

  function openEditor(mode, draft = {}) {
    state.editing = mode;
    const titles = { new: "Entri baru", edit: `Ubah entri ${mode.id}`, unanswered: "Jadikan entri",
                     candidate: "Terima kandidat" };
    $("editor-title").textContent = titles[mode.kind];
    for (const [key, id] of Object.entries(FIELDS)) $(id).value = draft[key] || "";
    $("f-id").disabled = mode.kind === "edit";
    $("f-variants").value = (draft.training_questions || []).join("\n");
    $("f-keywords").value = (draft.keywords || []).join(", ");
    notice("", $("editor-notice"));
    $("editor").showModal();
  }

  function formDraft() {
    const draft = {};
    for (const [key, id] of Object.entries(FIELDS)) draft[key] = $(id).value.trim();
    draft.training_questions = $("f-variants").value.split("\n").map((s) => s.trim()).filter(Boolean);
    draft.keywords = $("f-keywords").value.split(",").map((s) => s.trim()).filter(Boolean);
    return draft;
  }

  async function saveEntry(event) {
    event.preventDefault();
    const mode = state.editing;
    const draft = formDraft();
    const path = { new: "/entries", edit: `/entries/${encodeURIComponent(mode.id)}`,
                   unanswered: `/unanswered/${mode.id}/entry`,
                   candidate: `/imports/${mode.batch}/candidates/${mode.id}/accept` }[mode.kind];
    try {
      const saved = await api(mode.kind === "edit" ? "PUT" : "POST", path, draft);
      $("editor").close();
      notice(`Entri ${saved.id} disimpan dan langsung dipakai menjawab.`
        + (saved.warnings.length ? ` Saran: ${saved.warnings.join("; ")}.` : ""));
      if (mode.kind === "unanswered") await loadUnanswered();
      else if (mode.kind === "candidate") await showBatch(mode.batch);
      else await loadEntries();
    } catch (e) { notice(e.message, $("editor-notice")); }
  }

  /* ---------- unanswered questions ---------- */
  async function loadUnanswered() {
    const items = await api("GET", "/unanswered");
    const list = $("unanswered");
    list.replaceChildren();
    if (!items.length) list.append(node("li", "Tidak ada pertanyaan yang belum terjawab.", "muted"));
    for (const q of items) {
      const li = node("li", null, "card");
      li.append(node("p", q.text), node("p", `${CHANNELS[q.channel] || q.channel} · ${when(q.created_at)}`, "muted"));
      li.append(button("Jadikan entri", async () => {
        try { openEditor({ kind: "unanswered", id: q.id }, await api("GET", `/unanswered/${q.id}/draft`)); }
        catch (e) { notice(e.message); }
      }));
      list.append(li);
    }
  }

  /* ---------- import of a ticket export ---------- */
  async function upload(event) {
    event.preventDefault();
    const file = $("file").files[0];
    if (!file) return notice("Pilih berkas ekspor tiket HAI terlebih dahulu.");
    const form = new FormData();
    form.append("file", file);
    try {
      const batch = await api("POST", "/imports", form);
      notice(`Impor selesai: ${batch.candidates.length} kandidat, ${batch.row_errors.length} baris rusak.`);
      await showBatch(batch.id, batch);
    } catch (e) { notice(e.message); }
  }

  async function loadBatches() {
    const batches = await api("GET", "/imports");
    $("batches").replaceChildren(...(batches.length ? batches.map((b) => {
      const li = node("li", null, "card");
      li.append(node("strong", b.filename), node("p", `${b.pending} dari ${b.candidates} kandidat belum diputuskan · `
        + `${b.created_by} · ${when(b.created_at)}`, "muted"));
      li.append(button("Buka", () => showBatch(b.id).catch((e) => notice(e.message))));
      return li;
    }) : [node("li", "Belum ada impor.", "muted")]));
  }

  async function showBatch(id, batch) {
    batch = batch || await api("GET", `/imports/${id}`);
    $("batch").hidden = false;
    if (state.tab === "import") loadBatches().catch(() => {});  // pending counts change with each decision
    const c = batch.counts;
    $("batch-counts").textContent = batch.source === "permintaan-petugas"
      ? `${batch.filename}: kandidat dari pertanyaan pengguna dan balasan petugas (disamarkan).`
      : `${batch.filename}: ${c.rows_read} baris dibaca, ${c.tickets_used} tiket `
        + `dipakai, ${c.tickets_skipped} dilewati, ${c.malformed_rows} rusak.`;
    $("row-errors").replaceChildren(...(batch.row_errors.length ? batch.row_errors.map(
      (e) => node("li", `Baris ${e.line}: ${e.message}`)) : [node("li", "Tidak ada.", "muted")]));
    $("candidates").replaceChildren(...batch.candidates.map((cand) => {
      const li = node("li", null, "card");
      li.append(node("strong", `${cand.id} · ${cand.category || "kategori belum diisi"} · ${cand.ticket_count} tiket · `
        + `${STATUS[cand.status]}${cand.entry_id ? " → " + cand.entry_id : ""}`));
      li.append(node("p", cand.question), node("p", cand.answer, "muted clamp"));
      if (cand.status === "pending") {
        li.append(button("Terima", async () => {
          try {
            const draft = await api("GET", `/imports/${batch.id}/candidates/${cand.id}/draft`);
            openEditor({ kind: "candidate", batch: batch.id, id: cand.id }, draft);
          } catch (e) { notice(e.message); }
        }));
        li.append(button("Tolak", async () => {
          try { await api("POST", `/imports/${batch.id}/candidates/${cand.id}/reject`); await showBatch(batch.id); }
          catch (e) { notice(e.message); }
        }, "danger"));
      }
      return li;
    }));
  }

  /* ---------- admin: API keys and staff accounts (admins only; the server refuses everyone else) ---------- */
  async function loadAdmin() {
    const [keys, users] = await Promise.all([api("GET", "/admin/keys"), api("GET", "/admin/users")]);
    $("keys").replaceChildren(...keys.map((k) => {
      const li = node("li", null, "card");
      li.append(node("strong", `#${k.id} · ${k.name} · ${k.role}`));
      li.append(node("p", `${k.prefix}… · dibuat ${when(k.created_at)}`
        + (k.revoked_at ? ` · dicabut ${when(k.revoked_at)}` : " · aktif"), "muted"));
      if (!k.revoked_at) li.append(button("Cabut", () => revokeKey(k), "danger"));
      return li;
    }));
    $("users").replaceChildren(...users.map((u) => {
      const li = node("li", null, "card");
      li.append(node("strong", `${u.username} · ${u.role}`));
      li.append(node("p", `dibuat ${when(u.created_at)}`
        + (u.disabled_at ? ` · nonaktif sejak ${when(u.disabled_at)}` : " · aktif"), "muted"));
      if (!u.disabled_at && u.username !== state.username) {
        li.append(button("Nonaktifkan", () => disableUser(u), "danger"));
      }
      return li;
    }));
  }

  async function createKey(event) {
    event.preventDefault();
    const name = $("key-name").value.trim();
    if (!name) return notice("Isi nama pemakai kunci terlebih dahulu.");
    try {
      const created = await api("POST", "/admin/keys", { name, role: $("key-role").value });
      $("key-name").value = "";
      $("new-key-value").value = created.key;  // shown this once: the server keeps only a hash
      $("new-key").hidden = false;
      notice(`Kunci #${created.id} untuk ${created.name} dibuat. Salin sekarang; kunci tidak ditampilkan lagi.`);
      await loadAdmin();
    } catch (e) { notice(e.message); }
  }

  async function copyKey() {
    $("new-key-value").select();
    try {
      await navigator.clipboard.writeText($("new-key-value").value);
      notice("Kunci disalin ke papan klip.");
    } catch (e) { notice("Kunci sudah dipilih: tekan Ctrl+C untuk menyalin."); }
  }

  async function revokeKey(k) {
    if (!window.confirm(`Cabut kunci #${k.id} (${k.name})? Aplikasi yang memakainya langsung ditolak.`)) return;
    try {
      await api("POST", `/admin/keys/${k.id}/revoke`);
      notice(`Kunci #${k.id} dicabut.`);
      await loadAdmin();
    } catch (e) { notice(e.message); }
  }

  async function createUser(event) {
    event.preventDefault();
    const body = { username: $("user-name").value.trim(), password: $("user-password").value,
                   role: $("user-role").value };
    if (!body.username || !body.password) return notice("Isi nama pengguna dan kata sandi awal.");
    try {
      const user = await api("POST", "/admin/users", body);
      $("user-name").value = "";
      $("user-password").value = "";
      notice(`Akun ${user.username} (${user.role}) dibuat.`);
      await loadAdmin();
    } catch (e) { notice(e.message); }
  }

  async function disableUser(u) {
    if (!window.confirm(`Nonaktifkan akun ${u.username}? Sesinya langsung berakhir.`)) return;
    try {
      await api("POST", `/admin/users/${u.id}/disable`);
      notice(`Akun ${u.username} dinonaktifkan.`);
      await loadAdmin();
    } catch (e) { notice(e.message); }
  }

  /* ---------- start ---------- */
  async function start() {
    for (const b of document.querySelectorAll("[data-tab]")) b.addEventListener("click", () => showTab(b.dataset.tab));
    $("reply-form").addEventListener("submit", sendReply);
    $("close-handoff").addEventListener("click", closeHandoff);
    $("make-candidate").addEventListener("click", makeCandidate);
    $("team-form").addEventListener("submit", rerouteHandoff);
    $("team-filter").addEventListener("change", () => loadQueue().catch((e) => notice(e.message)));
    $("search").addEventListener("submit", (e) => loadEntries(e).catch((err) => notice(err.message)));
    $("new-entry").addEventListener("click", () => openEditor({ kind: "new" }));
    $("entry-form").addEventListener("submit", saveEntry);
    $("cancel-entry").addEventListener("click", () => $("editor").close());
    $("upload").addEventListener("submit", upload);
    $("key-form").addEventListener("submit", createKey);
    $("copy-key").addEventListener("click", copyKey);
    $("user-form").addEventListener("submit", createUser);
    $("logout").addEventListener("click", async () => {
      await api("POST", "/logout").catch(() => {});
      window.location.assign("console/login");
    });
    const session = await api("GET", "/session");
    state.csrf = session.csrf_token;
    state.username = session.username;
    $("who").textContent = `${session.username} (${session.role})`;
    // only a convenience: the admin routes themselves refuse every role but admin
    document.querySelector('[data-tab="admin"]').hidden = session.role !== "admin";
    await loadCategories();
    await loadQueue();
    window.setInterval(() => { if (state.tab === "queue") loadQueue().catch(() => {}); }, POLL_MS);
  }

  start().catch((e) => notice(e.message));
})();
