/* Asisten HAI DJPb chat widget for other sites. One tag on the host page:

     <script src="https://ASISTEN/widget.js" defer
             data-title="Asisten HAI DJPb" data-color="#0b3a6f"
             data-greeting="Halo! Ada yang bisa kami bantu?" data-position="right"></script>

   It draws a floating button in its own shadow DOM (the host's CSS cannot restyle it, its CSS never leaks
   out) and opens the assistant's chat in an iframe (/widget-frame: the web chat page in embed mode, so the
   conversation, buttons and charts work as on /chat and are kept across pages and reloads of the host
   site). It loads nothing but the assistant's own files. Whether this site may embed it is the server's
   decision (/widget/config, HAI_WIDGET_ORIGINS): a site that is not allowed gets a console message for its
   developer and no button. A server that cannot be reached shows as such on the button, never as a spinner.
   data-server: the assistant's address when it differs from where widget.js was loaded from. */
(() => {
  "use strict";

  const script = document.currentScript;
  if (!script || window.__haiWidgetLoaded) return;
  window.__haiWidgetLoaded = true;

  const CONFIG_TIMEOUT_MS = 8000;
  const OPEN_KEY = "hai.widget.open";
  const data = script.dataset;
  const server = (data.server || new URL(".", script.src).href).replace(/\/+$/, "");
  const serverOrigin = (() => { try { return new URL(server).origin; } catch (e) { return ""; } })();
  const title = (data.title || "Asisten HAI DJPb").slice(0, 60);
  const color = /^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$/.test(data.color || "") ? data.color : "#0b3a6f";
  const greeting = (data.greeting || "").slice(0, 500);
  const left = data.position === "left";

  const TEXT = {
    open: `Buka obrolan ${title}`,
    close: "Tutup obrolan",
    label: "Tanya HAI",
    unreachableLabel: "Asisten tidak dapat dihubungi",
    unreachable: "Layanan Asisten HAI DJPb tidak dapat dihubungi saat ini. Coba lagi sebentar lagi, atau hubungi "
      + "Call Center HAI DJPb 14090.",
    retry: "Coba lagi",
    frameTitle: `Obrolan ${title}`,
  };

  const CSS = `
    * { box-sizing: border-box; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial,
        sans-serif; }
    .launcher { position: fixed; bottom: 20px; ${left ? "left" : "right"}: 20px; z-index: 2147483000;
      display: inline-flex; align-items: center; gap: 8px; min-height: 52px; padding: 0 18px 0 14px;
      border: 0; border-radius: 26px; background: ${color}; color: #fff; font-size: 15px; font-weight: 600;
      cursor: pointer; box-shadow: 0 6px 20px rgba(0, 0, 0, 0.25); }
    .launcher:focus-visible, .close:focus-visible, .retry:focus-visible { outline: 3px solid #f2b705;
      outline-offset: 2px; }
    .launcher svg { width: 24px; height: 24px; flex: none; }
    .launcher[data-state="unreachable"] { background: #5b6675; }
    .launcher[data-state="loading"] { opacity: 0.85; }
    .launcher[aria-expanded="true"] .label { display: none; }
    .panel { position: fixed; bottom: 84px; ${left ? "left" : "right"}: 20px; z-index: 2147483001;
      width: 380px; height: min(620px, calc(100vh - 110px)); display: flex; flex-direction: column;
      background: #eef2f7; border-radius: 14px; overflow: hidden; box-shadow: 0 12px 40px rgba(0, 0, 0, 0.3); }
    .panel[hidden] { display: none; }
    .head { display: flex; align-items: center; justify-content: space-between; gap: 8px; padding: 10px 12px;
      background: ${color}; color: #fff; }
    .head h2 { margin: 0; font-size: 16px; font-weight: 600; }
    .close { width: 36px; height: 36px; border: 0; border-radius: 8px; background: transparent; color: #fff;
      font-size: 24px; line-height: 1; cursor: pointer; }
    .close:hover { background: rgba(255, 255, 255, 0.15); }
    iframe { flex: 1; width: 100%; border: 0; background: #eef2f7; }
    .problem { margin: 20px 16px; color: #1b2430; font-size: 15px; line-height: 1.5; }
    .retry { margin: 0 16px; padding: 10px 16px; border: 0; border-radius: 8px; background: ${color};
      color: #fff; font-size: 15px; cursor: pointer; }
    @media (max-width: 480px) {
      .panel { inset: 0; width: 100%; height: 100%; border-radius: 0; }
      .launcher[aria-expanded="true"] { display: none; }
    }`;

  const ICON = '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M4 4h16a2'
    + ' 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6a1.25 1.25 0 1 0 0 2.5A1.25'
    + ' 1.25 0 0 0 7 10zm5 0a1.25 1.25 0 1 0 0 2.5A1.25 1.25 0 0 0 12 10zm5 0a1.25 1.25 0 1 0 0 2.5A1.25 1.25 0'
    + ' 0 0 17 10z"/></svg>';

  const session = {  // the open/closed state follows the visitor across the host site's pages
    get() { try { return window.sessionStorage.getItem(OPEN_KEY) === "1"; } catch (e) { return false; } },
    set(open) { try { window.sessionStorage.setItem(OPEN_KEY, open ? "1" : "0"); } catch (e) { /* not kept */ } },
  };

  // Its own element name (host rules for div, section ... never match it), inline !important styles (they
  // beat the host's !important rules) and a shadow root: the host page cannot restyle or move the widget.
  const host = document.createElement("hai-widget");
  host.setAttribute("data-hai-widget", "");
  for (const [name, value] of [["all", "initial"], ["position", "fixed"], ["width", "0"], ["height", "0"],
                               ["top", "0"], ["left", "0"], ["z-index", "2147483000"]]) {
    host.style.setProperty(name, value, "important");
  }
  const root = host.attachShadow({ mode: "open" });
  const styles = [];
  try {  // a constructed style sheet is allowed under a host page's strict CSP, a <style> element is not
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } catch (e) {
    const style = document.createElement("style");
    style.textContent = CSS;
    styles.push(style);
  }

  const launcher = document.createElement("button");
  launcher.type = "button";
  launcher.className = "launcher";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "hai-panel");
  launcher.setAttribute("aria-label", TEXT.open);
  launcher.dataset.state = "loading";
  launcher.innerHTML = ICON;  // a constant, not data
  const labelEl = document.createElement("span");
  labelEl.className = "label";
  labelEl.textContent = TEXT.label;
  launcher.append(labelEl);

  const panel = document.createElement("section");
  panel.id = "hai-panel";
  panel.className = "panel";
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", title);
  const head = document.createElement("div");
  head.className = "head";
  const heading = document.createElement("h2");
  heading.textContent = title;
  const closeBtn = document.createElement("button");
  closeBtn.type = "button";
  closeBtn.className = "close";
  closeBtn.setAttribute("aria-label", TEXT.close);
  closeBtn.textContent = "×";
  head.append(heading, closeBtn);
  panel.append(head);
  root.append(...styles, panel, launcher);

  const state = { status: "loading", frameUrl: null, frame: null, problem: null };

  function setStatus(status) {
    state.status = status;
    launcher.dataset.state = status;
    const unreachable = status === "unreachable";
    labelEl.textContent = unreachable ? TEXT.unreachableLabel : TEXT.label;
    launcher.setAttribute("aria-label", unreachable ? `${title}: ${TEXT.unreachableLabel}` : TEXT.open);
    launcher.title = unreachable ? TEXT.unreachable : "";
  }

  function showProblem() {
    if (state.frame) { state.frame.remove(); state.frame = null; }
    if (state.problem) return;
    const box = document.createElement("div");
    const text = document.createElement("p");
    text.className = "problem";
    text.setAttribute("role", "alert");
    text.textContent = TEXT.unreachable;
    const retry = document.createElement("button");
    retry.type = "button";
    retry.className = "retry";
    retry.textContent = TEXT.retry;
    retry.addEventListener("click", () => { loadConfig(true); });
    box.append(text, retry);
    panel.append(box);
    state.problem = box;
  }

  function showFrame() {
    if (state.problem) { state.problem.remove(); state.problem = null; }
    if (state.frame) return;
    const url = new URL(server + state.frameUrl);
    url.searchParams.set("embed", "1");
    if (greeting) url.searchParams.set("greeting", greeting);
    url.searchParams.set("color", color);
    const frame = document.createElement("iframe");
    frame.src = url.href;
    frame.title = TEXT.frameTitle;
    frame.setAttribute("allow", "clipboard-write");
    panel.append(frame);
    state.frame = frame;
  }

  function open(focus) {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    session.set(true);
    if (state.status === "ready") showFrame();
    else if (state.status === "unreachable") showProblem();  // still loading: the answer fills the panel
    if (focus) (state.frame || closeBtn).focus();
  }

  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    session.set(false);
    launcher.focus();
  }

  launcher.addEventListener("click", () => {
    if (launcher.getAttribute("aria-expanded") === "true") close(); else open(true);
  });
  closeBtn.addEventListener("click", close);
  root.addEventListener("keydown", (event) => { if (event.key === "Escape" && !panel.hidden) close(); });
  window.addEventListener("message", (event) => {
    if (event.origin === serverOrigin && event.data && event.data.type === "hai-widget-close" && !panel.hidden) {
      close();
    }
  });

  function loadConfig(openAfter) {
    setStatus("loading");
    const controller = typeof AbortController === "function" ? new AbortController() : null;
    const timer = setTimeout(() => { if (controller) controller.abort(); }, CONFIG_TIMEOUT_MS);
    fetch(`${server}/widget/config`, { cache: "no-store", credentials: "omit",
                                       signal: controller ? controller.signal : undefined })
      .then((resp) => {
        if (!resp.ok) throw new Error(`HTTP ${resp.status}`);
        return resp.json();
      })
      .then((cfg) => {
        clearTimeout(timer);
        if (!cfg || cfg.allowed !== true || typeof cfg.frame_url !== "string") {
          // eslint-disable-next-line no-console
          console.error(`[Asisten HAI DJPb] ${(cfg && cfg.message) || "widget tidak diizinkan di situs ini."}`);
          host.remove();
          return;
        }
        state.frameUrl = cfg.frame_url;
        setStatus("ready");
        if (openAfter || session.get() || !panel.hidden) open(openAfter);
      })
      .catch(() => {
        clearTimeout(timer);
        // eslint-disable-next-line no-console
        console.warn(`[Asisten HAI DJPb] server ${server} tidak dapat dihubungi (periksa data-server).`);
        setStatus("unreachable");
        if (!panel.hidden || openAfter) open(openAfter); // keep showing why, with a retry button
      });
  }

  function mount() {
    document.body.append(host);
    loadConfig(false);
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
