/* Login of the agent console: POST the credentials, the server sets the HttpOnly session cookie; then on to
   the console. The page is at /console/login, so the API and the console are one level up. */
(() => {
  "use strict";
  const form = document.getElementById("login");
  const notice = document.getElementById("notice");

  function show(text) {
    notice.textContent = text;
    notice.hidden = !text;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const username = form.username.value.trim();
    const password = form.password.value;
    if (!username || !password) return show("Isi nama pengguna dan kata sandi.");
    show("");
    try {
      const resp = await fetch("../api/v1/console/login", {
        method: "POST", headers: { "Content-Type": "application/json" }, credentials: "same-origin",
        body: JSON.stringify({ username, password }),
      });
      const body = await resp.json().catch(() => ({}));
      if (!resp.ok) return show(body.detail || "Gagal masuk. Coba lagi.");
      window.location.assign("../console");
    } catch (e) {
      show("Server tidak dapat dihubungi. Periksa koneksi lalu coba lagi.");
    }
  });
})();
