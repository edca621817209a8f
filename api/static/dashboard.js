// The wall screen: a live feed (server-sent events) of new and changed events, counts and camera
// health. Vanilla JS, no build step and nothing fetched from elsewhere: the dispatch room is offline.
// The events table's rows come from the server (event_rows.html), the one place that renders them.
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("page-config").textContent);
  const t = config.labels;
  const body = document.getElementById("events");
  const countCell = document.getElementById("count");
  const state = document.getElementById("state");
  const banner = document.getElementById("banner");
  const filters = document.getElementById("filters");
  const soundButton = document.getElementById("sound");
  let known = new Set([...body.querySelectorAll("tr[data-event-id]")].map((tr) => Number(tr.dataset.eventId)));
  let soundOn = window.localStorage.getItem("patrol.sound") === "on";
  let audio = null;
  let fallbackTimer = null;
  let bannerTimer = null;
  // The latest row asked for each event: an older answer arriving late is dropped.
  const asked = new Map();

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Filters --------------------------------------------------------------------------------

  function currentFilters() {
    const data = new FormData(filters);
    return {
      school: data.get("school") || "",
      type: data.get("type") || "",
      status: data.get("status") || "",
      hours: data.get("hours") || "",
    };
  }

  function matches(event) {
    const f = currentFilters();
    if (f.school && event.school_id !== f.school) return false;
    if (f.type && event.type !== f.type) return false;
    if (f.status && event.status !== f.status) return false;
    if (f.hours && new Date(event.last_seen) < new Date(Date.now() - Number(f.hours) * 3600e3)) return false;
    return true;
  }

  function rowsUrl() {
    const params = new URLSearchParams(Object.entries(currentFilters()).filter(([, value]) => value));
    return `${config.rowsUrl}?${params}`;
  }

  // Rows -----------------------------------------------------------------------------------

  function label(group, value) {
    return t[`${group}.${value}`] || value;
  }

  // The rows as the server rendered them, and how many events match (X-Total-Count).
  async function getRows(url) {
    const response = await fetch(url, { headers: { Accept: "text/html" }, cache: "no-store" });
    if (response.status === 401) window.location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    const template = document.createElement("template");
    template.innerHTML = await response.text();
    return { rows: [...template.content.querySelectorAll("tr")], count: response.headers.get("X-Total-Count") };
  }

  function showRows(rows) {
    const selected = body.querySelector("tr.selected");
    const selectedId = selected ? selected.dataset.eventId : null;
    body.replaceChildren(...rows);
    if (selectedId) select(body.querySelector(`tr[data-event-id="${selectedId}"]`));
    for (const tr of rows) if (tr.dataset.eventId) known.add(Number(tr.dataset.eventId));
  }

  async function upsert(event) {
    const fresh = !known.has(event.id);
    known.add(event.id);
    const ask = (asked.get(event.id) || 0) + 1;
    asked.set(event.id, ask);
    if (!matches(event)) {
      body.querySelector(`tr[data-event-id="${event.id}"]`)?.remove();
      return;
    }
    let tr;
    try {
      [tr] = (await getRows(`${config.rowsUrl}/${event.id}`)).rows;
    } catch (error) {
      console.error(error);
      return;
    }
    if (asked.get(event.id) !== ask || !tr) return;
    const existing = body.querySelector(`tr[data-event-id="${event.id}"]`);
    if (existing) {
      if (existing.classList.contains("selected")) tr.classList.add("selected");
      existing.replaceWith(tr);
    } else {
      body.querySelector("tr.empty")?.remove();
      body.prepend(tr);
      countCell.textContent = String(Number(countCell.textContent) + 1);
    }
    if (fresh) arrived(tr, event);
  }

  // The cue: the row flashes, a banner names the event, and a tone sounds if switched on.
  function arrived(tr, event) {
    tr.classList.add("arrived");
    const school = config.schools[event.school_id] || event.school_id;
    banner.textContent = `${t["dash.new_event"]}: ${label("type", event.type)} · ${school} · ${config.cameras[event.camera_id] || event.camera_id}`;
    banner.hidden = false;
    window.clearTimeout(bannerTimer);
    bannerTimer = window.setTimeout(() => { banner.hidden = true; }, 15000);
    if (soundOn) beep();
  }

  function beep() {
    try {
      audio = audio || new AudioContext();
      for (const [offset, frequency] of [[0, 880], [0.25, 660]]) {
        const oscillator = audio.createOscillator();
        const gain = audio.createGain();
        oscillator.frequency.value = frequency;
        gain.gain.setValueAtTime(0.25, audio.currentTime + offset);
        gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + offset + 0.22);
        oscillator.connect(gain).connect(audio.destination);
        oscillator.start(audio.currentTime + offset);
        oscillator.stop(audio.currentTime + offset + 0.23);
      }
    } catch (error) {
      console.error(error);
    }
  }

  function showSound() {
    soundButton.textContent = soundOn ? t["dash.sound_on"] : t["dash.sound_off"];
    soundButton.setAttribute("aria-pressed", String(soundOn));
  }

  function toggleSound() {
    soundOn = !soundOn;
    window.localStorage.setItem("patrol.sound", soundOn ? "on" : "off");
    showSound();
    if (soundOn) beep(); // a click is the gesture browsers want before they play sound
  }

  // Overview -------------------------------------------------------------------------------

  function showOverview(overview) {
    document.getElementById("open-total").textContent = String(overview.open_total);
    for (const tile of document.querySelectorAll(".tile[data-type]")) {
      const n = overview.open_by_type[tile.dataset.type] || 0;
      tile.querySelector(".n").textContent = String(n);
      tile.classList.toggle("hot", n > 0);
    }
    const health = document.getElementById("health");
    health.replaceChildren(...overview.schools.map((school) => {
      const box = element("div", `school${school.unreachable ? " down" : ""}`);
      box.dataset.school = school.id;
      const cams = element("div", "cams");
      for (const camera of school.cameras) {
        const chip = element("a", `cam state-${camera.state}`, `${camera.name} · ${t[`health.${camera.state}`]}`);
        chip.href = `/cameras/${encodeURIComponent(camera.id)}`;
        chip.dataset.camera = camera.id;
        cams.append(chip);
      }
      box.append(element("div", "school-name", school.name), cams);
      return box;
    }));
  }

  // Loading and the live feed ---------------------------------------------------------------

  async function reload() {
    try {
      const page = await getRows(rowsUrl());
      showRows(page.rows);
      countCell.textContent = page.count;
    } catch (error) {
      console.error(error);
    }
  }

  function setState(text, className) {
    state.textContent = text;
    state.className = `state ${className}`;
  }

  function connect() {
    const source = new EventSource(config.streamUrl);
    source.addEventListener("ready", () => {
      setState(t["dash.live"], "live");
      window.clearInterval(fallbackTimer);
      fallbackTimer = null;
      reload();
    });
    source.addEventListener("event", (message) => upsert(JSON.parse(message.data)));
    source.addEventListener("overview", (message) => showOverview(JSON.parse(message.data)));
    source.addEventListener("logout", () => window.location.assign("/login"));
    source.onerror = () => {
      setState(t["dash.lost"], "lost");
      // The browser reconnects by itself; until then the list is polled.
      if (fallbackTimer === null) fallbackTimer = window.setInterval(reload, config.refreshMs);
    };
  }

  // Keyboard -------------------------------------------------------------------------------

  function rows() {
    return [...body.querySelectorAll("tr[data-event-id]")];
  }

  function select(tr) {
    for (const other of body.querySelectorAll("tr.selected")) other.classList.remove("selected");
    if (!tr) return;
    tr.classList.add("selected");
    tr.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    const all = rows();
    if (!all.length) return;
    const index = all.findIndex((tr) => tr.classList.contains("selected"));
    select(all[Math.min(Math.max(index + step, 0), all.length - 1)]);
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input, textarea, select") && event.key !== "Escape") return;
    const selected = body.querySelector("tr.selected");
    if (event.key === "j" || event.key === "ArrowDown") { move(1); event.preventDefault(); }
    else if (event.key === "k" || event.key === "ArrowUp") { move(-1); event.preventDefault(); }
    else if (event.key === "Enter" && selected) window.location.assign(selected.dataset.href);
    else if (event.key === "/") { filters.querySelector("select").focus(); event.preventDefault(); }
    else if (event.key === "m") toggleSound();
    else if (event.key === "Escape") { document.activeElement.blur(); select(null); }
  });

  body.addEventListener("click", (event) => {
    const tr = event.target.closest("tr[data-href]");
    if (tr && !event.target.closest("a")) window.location.assign(tr.dataset.href);
  });

  filters.addEventListener("change", () => {
    const f = currentFilters();
    const params = new URLSearchParams(Object.entries(f).filter(([, value]) => value));
    window.history.replaceState(null, "", params.toString() ? `?${params}` : location.pathname);
    reload();
  });

  soundButton.addEventListener("click", toggleSound);
  showSound();
  connect();
})();
