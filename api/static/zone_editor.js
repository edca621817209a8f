// The camera page: the picture with the camera's zones and lines drawn over it (an SVG laid on
// the image, in normalized coordinates), and for administrators the editor: drag points, add and
// remove zones, lines and points, name them, set the rules and their thresholds, save (PUT the
// view), see the versions and restore one. The server checks every save as it checks the config
// and answers each problem with its key path, shown next to the part it names.
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("page-config").textContent);
  const t = config.labels;
  const SVG = "http://www.w3.org/2000/svg";
  const stage = document.getElementById("stage");
  const picture = document.getElementById("picture");
  const pictureState = document.getElementById("picture-state");
  const svg = document.getElementById("overlay");
  const editor = document.getElementById("editor");
  const editable = Boolean(config.editable && editor);

  let view = normalized(config.view);
  let version = config.version;
  let selected = null; // {kind: "zones" | "lines", name}
  let dragging = null; // {kind, name, part, index}

  function normalized(raw) {
    const copy = JSON.parse(JSON.stringify(raw || {}));
    copy.zones = copy.zones || {};
    copy.lines = copy.lines || {};
    copy.rules = copy.rules || {};
    return copy;
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function shape(tag, attributes) {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
    return node;
  }

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, (_, key) => String(values[key]));
  }

  // ---- the drawing -------------------------------------------------------------------------

  function size() {
    return [svg.clientWidth || 1, svg.clientHeight || 1];
  }

  function at(point) {
    const [width, height] = size();
    return [point[0] * width, point[1] * height];
  }

  function handle(point, kind, name, part, index) {
    const [x, y] = at(point);
    const circle = shape("circle", { cx: x, cy: y, r: 7, class: `handle ${part}` });
    circle.dataset.kind = kind;
    circle.dataset.name = name;
    circle.dataset.part = part;
    circle.dataset.index = String(index);
    if (kind === "zones") circle.dataset.zone = name;
    if (kind === "lines") circle.dataset.line = name;
    return circle;
  }

  function isSelected(kind, name) {
    return selected !== null && selected.kind === kind && selected.name === name;
  }

  function draw() {
    const defs = shape("defs", {});
    const marker = shape("marker", {
      id: "inside-arrow",
      viewBox: "0 0 10 10",
      refX: 9,
      refY: 5,
      markerWidth: 8,
      markerHeight: 8,
      orient: "auto-start-reverse",
    });
    marker.append(shape("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow-head" }));
    defs.append(marker);
    const layers = [defs];
    const handles = [];
    for (const [name, points] of Object.entries(view.zones)) {
      const polygon = shape("polygon", {
        points: points.map((point) => at(point).join(",")).join(" "),
        class: `zone${isSelected("zones", name) ? " selected" : ""}`,
      });
      polygon.dataset.zone = name;
      const [x, y] = at(points[0] || [0, 0]);
      const caption = shape("text", { x: x + 6, y: y + 16, class: "caption" });
      caption.textContent = name;
      layers.push(polygon, caption);
      if (editable) points.forEach((point, index) => handles.push(handle(point, "zones", name, "vertex", index)));
    }
    for (const [name, line] of Object.entries(view.lines)) {
      const [a, b] = line.points;
      const [x1, y1] = at(a);
      const [x2, y2] = at(b);
      const drawn = shape("line", { x1, y1, x2, y2, class: `line${isSelected("lines", name) ? " selected" : ""}` });
      drawn.dataset.line = name;
      const middle = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
      const [mx, my] = at(middle);
      const [ix, iy] = at(line.inside);
      // The inside side: an arrow from the middle of the line to the point on the school's side.
      const arrow = shape("line", { x1: mx, y1: my, x2: ix, y2: iy, class: "inside", "marker-end": "url(#inside-arrow)" });
      const caption = shape("text", { x: x1 + 6, y: y1 - 6, class: "caption" });
      caption.textContent = name;
      const insideCaption = shape("text", { x: ix + 8, y: iy + 4, class: "caption inside-caption" });
      insideCaption.textContent = t["camera.inside"];
      layers.push(drawn, arrow, caption, insideCaption);
      if (editable) {
        handles.push(handle(a, "lines", name, "end", 0), handle(b, "lines", name, "end", 1));
        handles.push(handle(line.inside, "lines", name, "inside", 0));
      }
    }
    svg.replaceChildren(...layers, ...handles);
  }

  function pointFrom(event) {
    const box = svg.getBoundingClientRect();
    const clamp = (value) => Math.min(1, Math.max(0, value));
    const round = (value) => Math.round(value * 10000) / 10000;
    return [
      round(clamp((event.clientX - box.left) / box.width)),
      round(clamp((event.clientY - box.top) / box.height)),
    ];
  }

  function move(target, point) {
    if (target.kind === "zones") {
      view.zones[target.name][target.index] = point;
    } else if (target.part === "inside") {
      view.lines[target.name].inside = point;
    } else {
      view.lines[target.name].points[target.index] = point;
    }
  }

  if (editable) {
    svg.addEventListener("pointerdown", (event) => {
      const node = event.target;
      if (!(node instanceof SVGElement)) return;
      if (node.classList.contains("handle")) {
        event.preventDefault();
        const { kind, name, part, index } = node.dataset;
        dragging = { kind, name, part, index: Number(index) };
        select(kind, name);
      } else if (node.dataset.zone) {
        select("zones", node.dataset.zone);
      } else if (node.dataset.line) {
        select("lines", node.dataset.line);
      }
    });
    window.addEventListener("pointermove", (event) => {
      if (!dragging) return;
      move(dragging, pointFrom(event));
      draw();
    });
    window.addEventListener("pointerup", () => {
      dragging = null;
    });
    svg.addEventListener("dblclick", (event) => {
      const node = event.target;
      if (!(node instanceof SVGElement) || node.dataset.part !== "vertex") return;
      // Below 3 points the save is refused and says so: the server checks, not the page.
      view.zones[node.dataset.name].splice(Number(node.dataset.index), 1);
      changed();
    });
  }

  function select(kind, name) {
    selected = { kind, name };
    // Classes only, no new elements: a double-click must land twice on the same handle.
    for (const node of svg.querySelectorAll("polygon[data-zone], line[data-line]")) {
      const mine = kind === "zones" ? node.dataset.zone === name : node.dataset.line === name;
      node.classList.toggle("selected", mine);
    }
    for (const row of editor.querySelectorAll("li[data-loc]")) {
      row.classList.toggle("selected", row.dataset.loc === `${kind}.${name}`);
    }
  }

  // ---- the picture -------------------------------------------------------------------------

  function showPicture(url, caption) {
    picture.onload = () => {
      stage.style.aspectRatio = `${picture.naturalWidth} / ${picture.naturalHeight}`;
      picture.hidden = false;
      pictureState.textContent = caption;
      draw();
    };
    picture.onerror = () => {
      pictureState.textContent = t["camera.no_picture"];
    };
    picture.src = url;
  }

  async function takeSnapshot() {
    pictureState.textContent = t["event.looking"];
    const response = await fetch(config.snapshotUrl, { headers: { Accept: "image/jpeg" } });
    if (!response.ok) {
      const data = await response.json().catch(() => ({}));
      pictureState.textContent = String(data.detail || response.status);
      return;
    }
    const blob = await response.blob();
    showPicture(URL.createObjectURL(blob), `${t["event.snapshot_at"]} ${new Date().toLocaleTimeString()}`);
  }

  // ---- the editor --------------------------------------------------------------------------

  function freeName(prefix, taken) {
    let n = 1;
    while (`${prefix}${n}` in taken) n += 1;
    return `${prefix}${n}`;
  }

  function rename(kind, from, to) {
    if (!to || to === from || to in view[kind]) return false;
    const renamed = {};
    for (const [name, value] of Object.entries(view[kind])) renamed[name === from ? to : name] = value;
    view[kind] = renamed;
    // The rules that named it follow the new name.
    for (const form of config.rules) {
      const rule = view.rules[form.name];
      if (!rule) continue;
      for (const [key, field] of Object.entries(form.fields)) {
        if (field.refers_to === kind && rule[key] === from) rule[key] = to;
      }
    }
    if (isSelected(kind, from)) selected = { kind, name: to };
    return true;
  }

  function drawingRow(kind, name) {
    const row = element("li");
    row.dataset.loc = `${kind}.${name}`;
    if (isSelected(kind, name)) row.classList.add("selected");
    const input = element("input", "name");
    input.value = name;
    input.maxLength = 64;
    input.setAttribute("aria-label", t["camera.name"]);
    input.addEventListener("change", () => {
      if (rename(kind, name, input.value.trim())) changed();
      else input.value = name;
    });
    input.addEventListener("focus", () => select(kind, name));
    row.append(input);
    if (kind === "zones") {
      row.append(element("span", "muted count", `${view.zones[name].length}`));
      const add = element("button", "add-point", t["camera.add_point"]);
      add.type = "button";
      add.addEventListener("click", () => {
        const points = view.zones[name];
        const last = points[points.length - 1];
        const first = points[0];
        points.push([(last[0] + first[0]) / 2, (last[1] + first[1]) / 2].map((v) => Math.round(v * 10000) / 10000));
        changed();
      });
      row.append(add);
    }
    const remove = element("button", "delete", t["camera.delete"]);
    remove.type = "button";
    remove.addEventListener("click", () => {
      delete view[kind][name];
      if (isSelected(kind, name)) selected = null;
      changed();
    });
    row.append(remove, element("span", "problem"));
    return row;
  }

  function ruleField(form, rule, key, field) {
    const wrapper = element("label", "field");
    wrapper.dataset.loc = `rules.${form.name}.${key}`;
    wrapper.append(element("span", "field-name", key));
    let input;
    if (field.refers_to === "zones" || field.refers_to === "lines") {
      input = element("select");
      input.append(element("option", "", "—"));
      input.firstChild.value = "";
      for (const name of Object.keys(view[field.refers_to])) {
        const option = element("option", "", name);
        option.value = name;
        input.append(option);
      }
      input.value = rule[key] || "";
      input.addEventListener("change", () => {
        if (input.value) rule[key] = input.value;
        else delete rule[key];
      });
    } else if (field.type === "array") {
      input = element("span", "windows");
      const chosen = new Set(rule[key] || []);
      for (const name of [...config.windows, ...[...chosen].filter((w) => !config.windows.includes(w))]) {
        const box = element("input");
        box.type = "checkbox";
        box.value = name;
        box.checked = chosen.has(name);
        box.addEventListener("change", () => {
          const picked = [...input.querySelectorAll("input:checked")].map((node) => node.value);
          rule[key] = picked;
        });
        const item = element("label", "window");
        item.append(box, document.createTextNode(` ${name}`));
        input.append(item);
      }
    } else {
      input = element("input");
      input.type = "number";
      input.name = `${form.name}.${key}`;
      input.step = field.type === "integer" ? "1" : "any";
      const low = field.minimum !== undefined ? field.minimum : field.exclusiveMinimum;
      const high = field.maximum !== undefined ? field.maximum : field.exclusiveMaximum;
      if (low !== undefined) input.min = String(low);
      if (high !== undefined) input.max = String(high);
      if (field.default !== undefined) input.placeholder = format(t["camera.default"], { v: field.default });
      input.value = rule[key] !== undefined ? String(rule[key]) : "";
      input.title = field.description || "";
      input.addEventListener("input", () => {
        if (input.value === "") delete rule[key];
        else rule[key] = Number(input.value);
      });
    }
    wrapper.append(input, element("span", "problem"));
    if (field.description) wrapper.title = field.description;
    return wrapper;
  }

  function ruleForm(form) {
    const box = element("fieldset", "rule");
    box.dataset.loc = `rules.${form.name}`;
    const legend = element("legend");
    const on = element("input");
    on.type = "checkbox";
    on.name = `rule-${form.name}`;
    on.checked = form.name in view.rules;
    on.addEventListener("change", () => {
      if (on.checked) view.rules[form.name] = {};
      else delete view.rules[form.name];
      drawRules();
    });
    legend.append(on, document.createTextNode(` ${form.label} `), element("code", "", form.name));
    box.append(legend, element("span", "problem"));
    const rule = view.rules[form.name];
    if (rule) {
      for (const [key, field] of Object.entries(form.fields)) box.append(ruleField(form, rule, key, field));
    }
    return box;
  }

  function drawRules() {
    document.getElementById("rules").replaceChildren(...config.rules.map(ruleForm));
  }

  function drawLists() {
    document.getElementById("zones").replaceChildren(...Object.keys(view.zones).map((n) => drawingRow("zones", n)));
    document.getElementById("lines").replaceChildren(...Object.keys(view.lines).map((n) => drawingRow("lines", n)));
  }

  function changed() {
    draw();
    if (!editable) return;
    drawLists();
    drawRules();
  }

  // ---- saving, problems, versions ----------------------------------------------------------

  function clearProblems() {
    for (const node of editor.querySelectorAll(".invalid")) node.classList.remove("invalid");
    for (const node of editor.querySelectorAll(".problem")) node.textContent = "";
    document.getElementById("problems").replaceChildren();
  }

  function showProblems(problems) {
    const list = document.getElementById("problems");
    for (const problem of problems) {
      const loc = (problem.loc || []).slice(problem.loc && problem.loc[0] === "body" ? 1 : 0).map(String);
      const path = loc.join(" → ");
      const item = element("li", "", `${path || "—"}: ${problem.msg}`);
      item.dataset.loc = loc.join(".");
      list.append(item);
      // The nearest part of the editor the path names: the field, else its rule, zone or line.
      for (let depth = loc.length; depth > 0; depth -= 1) {
        const target = editor.querySelector(`[data-loc="${CSS.escape(loc.slice(0, depth).join("."))}"]`);
        if (target && target !== item) {
          target.classList.add("invalid");
          const slot = target.querySelector(":scope > .problem");
          if (slot) slot.textContent = `${path}: ${problem.msg}`;
          break;
        }
      }
    }
  }

  async function send(method, url, body, headers) {
    const response = await fetch(url, {
      method,
      headers: {
        Accept: "application/json",
        "Content-Type": "application/json",
        "X-CSRF-Token": config.csrfToken,
        ...(headers || {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    return { response, data };
  }

  function taken(data) {
    view = normalized(data.view);
    version = data.version;
    changed();
    document.getElementById("save-state").textContent = format(t["camera.saved"], { n: version });
    loadVersions();
  }

  async function save() {
    clearProblems();
    const state = document.getElementById("save-state");
    state.textContent = "…";
    const { response, data } = await send("PUT", config.viewUrl, view, { "If-Match": `"${version}"` });
    if (response.ok) return taken(data);
    state.textContent = t["camera.refused"];
    if (Array.isArray(data.detail)) showProblems(data.detail);
    else showProblems([{ loc: [], msg: String(data.detail || response.status) }]);
  }

  async function restore(number) {
    clearProblems();
    const { response, data } = await send("POST", `${config.versionsUrl}/${number}/restore`);
    if (response.ok) return taken(data);
    if (Array.isArray(data.detail)) showProblems(data.detail);
    else showProblems([{ loc: [], msg: String(data.detail || response.status) }]);
  }

  async function loadVersions() {
    const list = document.getElementById("versions");
    const response = await fetch(config.versionsUrl, { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const data = await response.json();
    if (!data.data.length) {
      list.replaceChildren(element("li", "muted", t["camera.no_versions"]));
      return;
    }
    list.replaceChildren(
      ...data.data.map((entry) => {
        const item = element("li");
        item.dataset.version = String(entry.version);
        const when = new Date(entry.saved_at).toLocaleString(config.lang);
        let text = `${format(t["camera.version"], { n: entry.version })} · ${entry.saved_by} · ${when}`;
        if (entry.restored_from) text += ` · ${format(t["camera.restored_from"], { n: entry.restored_from })}`;
        item.append(element("span", "", text));
        const button = element("button", "restore", t["camera.restore"]);
        button.type = "button";
        button.addEventListener("click", () => restore(entry.version));
        item.append(button);
        return item;
      }),
    );
  }

  // ---- start -------------------------------------------------------------------------------

  if (config.referenceUrl) showPicture(config.referenceUrl, t["camera.picture_reference"]);
  else pictureState.textContent = t["camera.no_picture"];
  const snapshotButton = document.getElementById("take-snapshot");
  if (snapshotButton) snapshotButton.addEventListener("click", takeSnapshot);
  new ResizeObserver(() => draw()).observe(stage);

  if (editable) {
    document.getElementById("add-zone").addEventListener("click", () => {
      const name = freeName("zone", view.zones);
      view.zones[name] = [
        [0.4, 0.4],
        [0.6, 0.4],
        [0.5, 0.6],
      ];
      selected = { kind: "zones", name };
      changed();
    });
    document.getElementById("add-line").addEventListener("click", () => {
      const name = freeName("line", view.lines);
      view.lines[name] = { points: [[0.3, 0.5], [0.7, 0.5]], inside: [0.5, 0.7] };
      selected = { kind: "lines", name };
      changed();
    });
    document.getElementById("save").addEventListener("click", save);
    loadVersions();
  }
  changed();
  document.body.dataset.ready = "true";
})();
