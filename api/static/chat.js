/* Asisten HAI DJPb web chat: talks to the Rasa server over its socket.io channel (credentials.yml `socketio`,
   session_persistence: true). The session id and the rendered history are kept in localStorage, so a reload
   shows the same conversation and continues the same Rasa session.
   Safety: every text from the bot or the user is put into the page as text nodes (textContent), never as
   HTML; links and images are only made from http(s) URLs. */
(() => {
  "use strict";

  const STORE_SESSION = "hai.webchat.session";
  const STORE_HISTORY = "hai.webchat.history";
  const HISTORY_LIMIT = 100;        // messages kept across reloads (oldest dropped first)
  const REPLY_WAIT_MS = 45000;      // after this long without a reply the typing indicator gives up
  const CONFIG_URL = "chat/config"; // relative to the page, so it also works under a proxy's sub-path
  const number = new Intl.NumberFormat("id-ID");

  const TEXT = {
    connecting: "Menghubungkan…",
    online: "Terhubung",
    reconnecting: "Menghubungkan ulang…",
    offline: "Tidak terhubung",
    welcome: "Selamat datang di layanan Asisten HAI DJPb. Silakan tulis pertanyaan Anda seputar SAKTI, SPAN, "
      + "SP2D, DIPA, rekonsiliasi, LPJ, gaji, atau tagihan listrik satker, atau buka menu layanan.",
    menuButton: "Lihat menu layanan",
    empty: "Pesan masih kosong. Tulis pertanyaan Anda terlebih dahulu.",
    tooLong: (n, max) => `Pesan terlalu panjang (${number.format(n)} karakter; paling banyak `
      + `${number.format(max)} karakter). Mohon ringkas pertanyaan Anda. Untuk laporan yang panjang atau `
      + "disertai lampiran, silakan buat tiket di layanan HAI DJPb atau hubungi Call Center 14090.",
    notConnected: "Belum terhubung ke server, pesan belum terkirim. Tunggu hingga status \"Terhubung\", "
      + "lalu kirim kembali.",
    unreachable: "Server Asisten HAI DJPb belum dapat dihubungi. Kami terus mencoba menghubungkan ulang; "
      + "bila berlanjut, hubungi Call Center HAI DJPb 14090 atau portal https://hai.kemenkeu.go.id",
    noReply: "Balasan belum diterima. Silakan kirim ulang pertanyaan Anda, atau hubungi Call Center HAI DJPb "
      + "14090.",
    imageAlt: "Grafik dari Asisten HAI DJPb",
    imageFailed: "Gambar tidak dapat dimuat. Buka gambar",
    you: "Anda: ",
    bot: "Asisten: ",
    choices: "Pilihan jawaban",
  };

  const el = {
    list: document.getElementById("messages"),
    typing: document.getElementById("typing"),
    status: document.getElementById("status"),
    notice: document.getElementById("notice"),
    form: document.getElementById("composer"),
    input: document.getElementById("input"),
    counter: document.getElementById("counter"),
    reset: document.getElementById("reset"),
  };

  const state = {
    config: null,
    socket: null,
    sessionId: null,
    confirmed: false,   // true between session_confirm and the next disconnect: only then can we send
    history: [],
    waitTimer: null,
    lastBotText: "",
  };

  // localStorage may be missing or full (private mode, quotas): the chat still works, it just forgets.
  const store = {
    get(key) { try { return window.localStorage.getItem(key); } catch (e) { return null; } },
    set(key, value) { try { window.localStorage.setItem(key, value); } catch (e) { /* not kept */ } },
    remove(key) { try { window.localStorage.removeItem(key); } catch (e) { /* nothing to do */ } },
  };

  /* ---------- rendering (DOM nodes only) ---------- */

  function safeUrl(raw) {
    if (typeof raw !== "string" || !raw) return null;
    try {
      const url = new URL(raw, window.location.href);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  const URL_PATTERN = /https?:\/\/[^\s<>"']+/g;

  /** Text with its URLs as links; everything else stays a text node. */
  function textWithLinks(text) {
    const frag = document.createDocumentFragment();
    let last = 0;
    for (const match of text.matchAll(URL_PATTERN)) {
      let raw = match[0];
      const trailing = raw.match(/[.,;:!?)\]]+$/); // sentence punctuation is not part of the address
      if (trailing) raw = raw.slice(0, -trailing[0].length);
      const href = safeUrl(raw);
      if (!href) continue;
      frag.append(document.createTextNode(text.slice(last, match.index)));
      const a = document.createElement("a");
      a.href = href;
      a.textContent = raw;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      frag.append(a);
      last = match.index + raw.length;
    }
    frag.append(document.createTextNode(text.slice(last)));
    return frag;
  }

  function speakerLabel(from) {
    const span = document.createElement("span");
    span.className = "visually-hidden";
    span.textContent = from === "user" ? TEXT.you : TEXT.bot;
    return span;
  }

  function renderChoices(entry) {
    const group = document.createElement("div");
    group.className = "choices";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", TEXT.choices);
    entry.choices.forEach((choice, index) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "choice";
      button.textContent = choice.title;
      if (entry.chosen !== undefined && entry.chosen !== null) {
        button.disabled = true;
        if (index === entry.chosen) {
          button.classList.add("choice--chosen");
          button.setAttribute("aria-pressed", "true");
        }
      }
      button.addEventListener("click", () => choose(entry, index, group));
      group.append(button);
    });
    return group;
  }

  function renderImage(image) {
    const img = document.createElement("img");
    img.className = "msg__image";
    img.src = image.src;
    img.alt = image.alt;
    img.decoding = "async";
    img.addEventListener("load", scrollToEnd);
    img.addEventListener("error", () => {
      const p = document.createElement("p");
      p.className = "msg__bubble";
      const a = document.createElement("a");
      a.href = image.src;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      a.textContent = `${TEXT.imageFailed}: ${image.alt}`;
      p.append(a);
      img.replaceWith(p);
    });
    return img;
  }

  function render(entry) {
    const row = document.createElement("div");
    row.className = `msg msg--${entry.from}`;
    if (entry.text) {
      const bubble = document.createElement("p");
      bubble.className = "msg__bubble";
      bubble.append(speakerLabel(entry.from), textWithLinks(entry.text));
      row.append(bubble);
    }
    if (entry.image) row.append(renderImage(entry.image));
    if (entry.choices && entry.choices.length) row.append(renderChoices(entry));
    el.list.append(row);
    scrollToEnd();
  }

  function scrollToEnd() {
    el.list.scrollTop = el.list.scrollHeight;
  }

  /* ---------- history ---------- */

  function validEntry(e) {
    if (!e || typeof e !== "object" || (e.from !== "user" && e.from !== "bot")) return false;
    if (e.text !== undefined && typeof e.text !== "string") return false;
    if (e.image !== undefined && !(e.image && safeUrl(e.image.src) && typeof e.image.alt === "string")) return false;
    if (e.choices !== undefined && !(Array.isArray(e.choices) && e.choices.every(
      (c) => c && typeof c.title === "string" && typeof c.payload === "string"))) return false;
    return Boolean(e.text || e.image || (e.choices && e.choices.length));
  }

  function loadHistory() {
    try {
      const parsed = JSON.parse(store.get(STORE_HISTORY) || "[]");
      return Array.isArray(parsed) ? parsed.filter(validEntry).slice(-HISTORY_LIMIT) : [];
    } catch (e) {
      return []; // a damaged history is dropped, not fatal
    }
  }

  function saveHistory() {
    state.history = state.history.slice(-HISTORY_LIMIT);
    store.set(STORE_HISTORY, JSON.stringify(state.history));
  }

  function add(entry) {
    state.history.push(entry);
    saveHistory();
    render(entry);
  }

  /* ---------- status, notices, typing indicator ---------- */

  function setStatus(name) {
    el.status.dataset.state = name;
    el.status.textContent = TEXT[name];
  }

  function showNotice(text) {
    el.notice.textContent = text;
    el.notice.hidden = false;
  }

  function clearNotice() {
    el.notice.hidden = true;
    el.notice.textContent = "";
  }

  function startWaiting() {
    el.typing.hidden = false;
    clearTimeout(state.waitTimer);
    state.waitTimer = setTimeout(() => {
      el.typing.hidden = true;
      showNotice(TEXT.noReply);
    }, REPLY_WAIT_MS);
  }

  function stopWaiting() {
    clearTimeout(state.waitTimer);
    el.typing.hidden = true;
  }

  /* ---------- sending ---------- */

  const charCount = (text) => Array.from(text).length; // code points, as the server counts them

  /** Send ``payload`` to Rasa and show ``shown`` as the user's message; false when not connected. */
  function send(payload, shown) {
    if (!state.confirmed || !state.socket) {
      showNotice(TEXT.notConnected);
      return false;
    }
    state.socket.emit(state.config.user_message_evt, { message: payload, session_id: state.sessionId });
    clearNotice();
    add({ from: "user", text: shown });
    startWaiting();
    return true;
  }

  function choose(entry, index, group) {
    if (entry.chosen !== undefined && entry.chosen !== null) return;
    const choice = entry.choices[index];
    if (!send(choice.payload, choice.title)) return;
    entry.chosen = index;
    saveHistory();
    group.querySelectorAll("button").forEach((b, i) => {
      b.disabled = true;
      if (i === index) {
        b.classList.add("choice--chosen");
        b.setAttribute("aria-pressed", "true");
      }
    });
    el.input.focus();
  }

  function maxChars() {
    return state.config ? state.config.max_message_chars : Infinity;
  }

  function onSubmit(event) {
    event.preventDefault();
    const text = el.input.value.trim();
    if (!text) {
      showNotice(TEXT.empty);
      el.input.focus();
      return;
    }
    const n = charCount(text);
    if (n > maxChars()) {
      showNotice(TEXT.tooLong(n, maxChars()));
      el.input.focus();
      return;
    }
    if (send(text, text)) {
      el.input.value = "";
      onInput();
    }
    el.input.focus();
  }

  function onInput() {
    // grow the field with its text (up to the CSS max-height), then show the count near the limit
    el.input.style.height = "auto";
    el.input.style.height = `${el.input.scrollHeight + 3}px`;
    const n = charCount(el.input.value.trim());
    const max = maxChars();
    const near = Number.isFinite(max) && n > max * 0.8;
    el.counter.hidden = !near;
    el.counter.textContent = near ? `${number.format(n)} / ${number.format(max)} karakter` : "";
    el.counter.classList.toggle("counter--over", n > max);
    if (!el.notice.hidden && n > 0 && n <= max && state.confirmed) clearNotice();
  }

  function onKeyDown(event) {
    // Enter sends, Shift+Enter starts a new line; never while an input method is composing a word
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      el.form.requestSubmit();
    }
  }

  /* ---------- receiving ---------- */

  function toChoices(list) {
    if (!Array.isArray(list)) return [];
    return list
      .filter((c) => c && typeof c.title === "string" && c.title && typeof c.payload === "string")
      .map((c) => ({ title: c.title, payload: c.payload }));
  }

  function imageAlt(payload) {
    if (payload && typeof payload.alt === "string" && payload.alt) return payload.alt;
    // Rasa sends no alt text: describe the chart by the message it illustrates
    const first = state.lastBotText.split("\n")[0].trim();
    return first ? `${TEXT.imageAlt}: ${first.slice(0, 160)}` : TEXT.imageAlt;
  }

  function onBotMessage(message) {
    if (!message || typeof message !== "object") return;
    stopWaiting();
    const entry = { from: "bot" };
    if (typeof message.text === "string" && message.text.trim()) entry.text = message.text;
    const choices = toChoices(message.quick_replies).concat(toChoices(message.buttons));
    if (choices.length) entry.choices = choices;
    const attachment = message.attachment;
    if (attachment && attachment.type === "image" && attachment.payload) {
      const src = safeUrl(attachment.payload.src);
      if (src) entry.image = { src, alt: imageAlt(attachment.payload) };
    }
    if (!validEntry(entry)) return; // custom payloads this page does not display
    if (entry.text) state.lastBotText = entry.text;
    add(entry);
  }

  /* ---------- connection ---------- */

  function connect() {
    const cfg = state.config;
    const socket = window.io(cfg.socket_url, {
      path: cfg.socket_path,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 10000,
    });
    state.socket = socket;
    socket.on("connect", () => {
      setStatus("connecting");
      // null lets Rasa choose a new id; a stored id continues that conversation
      socket.emit("session_request", { session_id: state.sessionId });
    });
    socket.on("session_confirm", (data) => {
      const id = typeof data === "string" ? data : data && data.session_id;
      if (!id) return;
      state.sessionId = id;
      store.set(STORE_SESSION, id);
      state.confirmed = true;
      setStatus("online");
      if (el.notice.textContent === TEXT.unreachable || el.notice.textContent === TEXT.notConnected) clearNotice();
    });
    socket.on(cfg.bot_message_evt, onBotMessage);
    socket.on("disconnect", () => {
      state.confirmed = false;
      stopWaiting();
      setStatus("reconnecting");
    });
    socket.on("connect_error", () => {
      state.confirmed = false;
      setStatus("reconnecting");
      showNotice(TEXT.unreachable);
    });
  }

  function startNewConversation() {
    state.history = [];
    state.sessionId = null;
    state.lastBotText = "";
    store.remove(STORE_SESSION);
    store.remove(STORE_HISTORY);
    el.list.replaceChildren();
    stopWaiting();
    clearNotice();
    addWelcome();
    if (state.socket) {
      // a new socket: the old one stays in the previous session's room and would get its messages
      state.confirmed = false;
      state.socket.disconnect();
      state.socket.connect();
    }
    el.input.focus();
  }

  function addWelcome() {
    add({ from: "bot", text: TEXT.welcome, choices: [{ title: TEXT.menuButton, payload: "/help" }] });
  }

  /* ---------- embed mode: the page inside the widget's iframe (api/routes/widget.py, static/widget.js) ----- */

  function applyEmbedOptions() {
    const params = new URLSearchParams(window.location.search);
    if (params.get("embed") !== "1") return;
    document.documentElement.classList.add("embed");
    const greeting = (params.get("greeting") || "").trim();
    if (greeting) TEXT.welcome = greeting.slice(0, 500);
    const color = params.get("color") || "";
    if (/^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$/.test(color)) {
      document.documentElement.style.setProperty("--navy", color);
      document.documentElement.style.setProperty("--user", color);
    }
    // Escape inside the frame closes the widget: tell the page that embeds it (widget.js checks our origin)
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && window.parent !== window) {
        window.parent.postMessage({ type: "hai-widget-close" }, "*");
      }
    });
  }

  function start() {
    applyEmbedOptions();
    el.form.addEventListener("submit", onSubmit);
    el.input.addEventListener("input", onInput);
    el.input.addEventListener("keydown", onKeyDown);
    el.reset.addEventListener("click", startNewConversation);

    state.sessionId = store.get(STORE_SESSION);
    state.history = loadHistory();
    state.history.forEach(render);
    const lastBot = state.history.filter((e) => e.from === "bot" && e.text).pop();
    state.lastBotText = lastBot ? lastBot.text : "";
    if (!state.history.length) addWelcome();

    if (typeof window.io !== "function") {
      setStatus("offline");
      showNotice(TEXT.unreachable);
      return;
    }
    fetch(CONFIG_URL, { cache: "no-store" })
      .then((resp) => {
        if (!resp.ok) throw new Error(`HTTP ${resp.status}`);
        return resp.json();
      })
      .then((cfg) => {
        state.config = cfg;
        onInput();
        connect();
      })
      .catch(() => {
        setStatus("offline");
        showNotice(TEXT.unreachable);
      });
  }

  start();
})();
