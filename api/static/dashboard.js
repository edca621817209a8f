// Refreshes the event table from the events API. Vanilla JS, no build step: the dispatch room is offline.
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("dashboard-config").textContent);
  const body = document.getElementById("events");
  const countCell = document.getElementById("count");
  const state = document.getElementById("state");
  const CAMERAS_EVERY = 20; // refreshes between re-reading camera names
  let cameras = new Map();
  let refreshes = 0;

  const timeFormat = new Intl.DateTimeFormat("zh-CN", {
    timeZone: config.timezone,
    year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  });

  function localTime(iso) {
    const parts = {};
    for (const part of timeFormat.formatToParts(new Date(iso))) parts[part.type] = part.value;
    return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function cell(...children) {
    const td = element("td");
    for (const child of children) td.append(child);
    return td;
  }

  function row(event) {
    const tr = element("tr", `status-${event.status}${event.ongoing ? " ongoing" : ""}`);
    tr.dataset.eventId = event.id;
    const camera = cameras.get(event.camera_id);

    const evidence = cell();
    evidence.className = "evidence";
    if (event.evidence_url) {
      const img = element("img");
      img.src = event.evidence_url;
      img.alt = `事件 ${event.id} 证据 (evidence)`;
      img.loading = "lazy";
      evidence.append(img);
    } else {
      evidence.append(element("span", "none", "无图像 (No image)"));
    }

    const type = cell(element("div", null, config.types[event.type] || event.type),
                      element("div", "summary", event.summary));
    type.className = "type";
    const first = cell(localTime(event.first_seen));
    first.className = "time";
    const last = cell(localTime(event.last_seen));
    last.className = "time";
    if (event.ongoing) last.append(" ", element("span", "live", "持续中 (Ongoing)"));
    const looks = cell(String(event.looks));
    looks.className = "looks";

    tr.append(
      evidence,
      type,
      cell(camera ? camera.name : event.camera_id),
      cell(camera ? camera.school_name : event.school_id),
      first,
      last,
      cell(element("span", "badge", config.statuses[event.status] || event.status)),
      looks,
    );
    return tr;
  }

  async function getJson(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return response.json();
  }

  async function loadCameras() {
    const page = await getJson(config.camerasUrl);
    cameras = new Map(page.data.map((camera) => [camera.id, camera]));
  }

  async function refresh() {
    try {
      if (refreshes % CAMERAS_EVERY === 0) await loadCameras();
      refreshes += 1;
      const page = await getJson(`${config.eventsUrl}?limit=${config.limit}`);
      const rows = page.data.map(row);
      if (rows.length === 0) {
        const empty = element("tr", "empty");
        const td = element("td", null, "暂无事件 (No events)");
        td.colSpan = 8;
        empty.append(td);
        rows.push(empty);
      }
      body.replaceChildren(...rows);
      countCell.textContent = String(page.count);
      state.textContent = `已更新 (Updated) ${localTime(new Date().toISOString())}`;
      state.classList.remove("lost");
    } catch (error) {
      state.textContent = "连接中断 (Connection lost)";
      state.classList.add("lost");
      console.error(error);
    } finally {
      window.setTimeout(refresh, config.refreshMs);
    }
  }

  refresh();
})();
