// One event: the officer's decision (confirm or dismiss with a reason), a supervisor's revision,
// and "look now" (a fresh snapshot of the camera). Keyboard first: the dispatch room works fast.
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("page-config").textContent);
  const t = config.labels;
  const form = document.getElementById("decision");
  const decisionState = document.getElementById("decision-state");
  const lookButton = document.getElementById("look-now");

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": config.csrfToken },
      body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const detail =
        typeof data.detail === "string"
          ? data.detail
          : Array.isArray(data.detail)
            ? data.detail.map((error) => error.msg).join("; ")
            : JSON.stringify(data.detail || response.status);
      throw new Error(detail);
    }
    return data;
  }

  async function decide(status) {
    if (!form) return;
    const data = new FormData(form);
    const reason = data.get("reason");
    const note = String(data.get("note") || "");
    const revising = form.dataset.mode === "revise";
    if (!reason && (status === "dismissed" || revising)) {
      decisionState.textContent = t["event.need_reason"];
      form.querySelector("input[name=reason]").focus();
      return;
    }
    for (const button of form.querySelectorAll("button")) button.disabled = true;
    try {
      if (revising) await post(config.reviseUrl, { status, reason, note });
      else await post(status === "confirmed" ? config.confirmUrl : config.dismissUrl, reason ? { reason, note } : { note });
      decisionState.textContent = t["event.saved"];
      window.location.reload();
    } catch (error) {
      decisionState.textContent = error.message;
      for (const button of form.querySelectorAll("button")) button.disabled = false;
    }
  }

  async function lookNow() {
    if (!lookButton || lookButton.disabled) return;
    const stateLine = document.getElementById("snapshot-state");
    const figure = document.getElementById("snapshot");
    lookButton.disabled = true;
    stateLine.textContent = t["event.looking"];
    stateLine.className = "muted";
    try {
      const response = await fetch(`${config.snapshotUrl}?at=${Date.now()}`, { cache: "no-store" });
      if (!response.ok) {
        const data = await response.json().catch(() => ({ detail: `HTTP ${response.status}` }));
        throw new Error(data.detail);
      }
      const image = document.getElementById("snapshot-image");
      if (image.src) URL.revokeObjectURL(image.src);
      image.src = URL.createObjectURL(await response.blob());
      document.getElementById("snapshot-caption").textContent = `${t["event.snapshot_at"]} ${new Date().toLocaleTimeString(config.lang)}`;
      figure.hidden = false;
      stateLine.textContent = "";
    } catch (error) {
      stateLine.textContent = error.message;
      stateLine.className = "error";
    } finally {
      lookButton.disabled = false;
    }
  }

  if (form) {
    for (const button of form.querySelectorAll("button[data-status]")) {
      button.addEventListener("click", () => decide(button.dataset.status));
    }
  }
  if (lookButton) lookButton.addEventListener("click", lookNow);

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const typing = event.target.closest("input[type=text], textarea, select");
    if (event.key === "Escape") {
      if (typing) event.target.blur();
      else window.location.assign(config.dashboardUrl);
      return;
    }
    if (typing) return;
    const reasons = form ? [...form.querySelectorAll("input[name=reason]")] : [];
    const n = Number(event.key);
    if (n >= 1 && n <= reasons.length) { reasons[n - 1].checked = true; event.preventDefault(); }
    else if (event.key === "c") decide("confirmed");
    else if (event.key === "d") decide("dismissed");
    else if (event.key === "l") lookNow();
  });
})();
