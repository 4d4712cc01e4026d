// Tessera dashboard panels: progress per task group, memory and tasks per worker, the workers
// table, the task-group graph and the configuration. Each draw function replaces the contents
// of its container from plain JSON (api/v1/status, api/v1/info). Uses taskGroupColor from
// task_stream.js.
"use strict";

function formatBytes(bytes) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let value = Number(bytes) || 0;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return (unit === 0 ? value.toFixed(0) : value.toFixed(value < 10 ? 2 : 1)) + " " + units[unit];
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function percent(part, whole) {
  if (!(whole > 0)) return 0;
  return Math.max(0, Math.min(100, (100 * part) / whole));
}

// A horizontal bar: a track of class `barClass` holding one fill per segment.
function bar(barClass, segments, title) {
  const track = element("div", barClass);
  for (const segment of segments) {
    const fill = element("div", "fill " + (segment.className || ""));
    fill.style.width = segment.percent.toFixed(2) + "%";
    if (segment.color) fill.style.backgroundColor = segment.color;
    track.appendChild(fill);
  }
  if (title) track.title = title;
  return track;
}

function row(label, barElement, text) {
  const line = element("div", "bar-row");
  line.append(element("span", "bar-label", label), barElement, element("span", "bar-text", text));
  return line;
}

function emptyNote(container, text) {
  container.replaceChildren(element("p", "empty", text));
}

// Progress per task group: done (group colour) and failed (red) out of total.
function drawProgress(container, groups) {
  if (!groups || !groups.length) return emptyNote(container, "No computations yet.");
  container.replaceChildren(
    ...groups.map((g) => {
      const segments = [
        { percent: percent(g.done, g.total), color: taskGroupColor(g.name), className: "done" },
        { percent: percent(g.failed, g.total), className: "failed" },
      ];
      const text = `${g.done} / ${g.total}` + (g.failed ? ` (${g.failed} failed)` : "");
      return row(g.name, bar("progress-bar", segments, text), text);
    }));
}

// Memory per worker: bytes in memory (task results and persisted chunks) against the limit, and
// what it spilled to disk in grey, as Dask draws it; GPU workers also show the chunks they keep
// on their device against their device limit, and their device's memory in use against its total.
function drawWorkersMemory(container, workers) {
  if (!workers || !workers.length) return emptyNote(container, "No workers.");
  const most = Math.max(1, ...workers.map((w) => w.memory));
  const rows = [];
  for (const w of workers) {
    const whole = w.memory_limit > 0 ? w.memory_limit : most;
    const share = percent(w.memory, whole);
    const limit = w.memory_limit > 0 ? formatBytes(w.memory_limit) : "no limit";
    const text = `${formatBytes(w.memory)} / ${limit}`;
    const level = share > 95 ? "danger" : share > 80 ? "warning" : "";
    rows.push(row(w.name, bar("memory-bar host", [{ percent: share, className: level }], text), text));
    const spilled = w.memory_spilled || 0;
    if (spilled > 0) {  // on disk: a grey row of its own, against the same scale
      const diskText = `${formatBytes(spilled)} spilled`;
      rows.push(row(w.name + " disk", bar("memory-bar disk", [{ percent: percent(spilled, whole),
                                                                className: "spilled" }], diskText),
                    diskText));
    }
    if (w.kind === "gpu") {
      // Chunks it keeps on its device against device_memory_limit (beyond it they move to host
      // memory), then the whole device's memory in use, all processes.
      const onDevice = w.memory_device || 0;
      const deviceText = `${formatBytes(onDevice)} / ${limit} on device`;
      rows.push(row(w.name + " device", bar("memory-bar gpu", [{ percent: percent(onDevice, whole),
                                                                 className: "gpu" }], deviceText),
                    deviceText));
      const gpuShare = percent(w.gpu_memory_used, w.gpu_memory_total);
      const gpuText = `${formatBytes(w.gpu_memory_used)} / ${formatBytes(w.gpu_memory_total)} device`;
      rows.push(row(w.name + " GPU", bar("memory-bar gpu", [{ percent: gpuShare, className: "gpu" }],
                                         gpuText), gpuText));
    }
  }
  container.replaceChildren(...rows);
}

// Tasks per worker: executing (dark) and queued (light), against the busiest worker.
function drawProcessing(container, workers) {
  if (!workers || !workers.length) return emptyNote(container, "No workers.");
  const most = Math.max(1, ...workers.map((w) => Math.max(w.threads, w.executing + w.queued)));
  container.replaceChildren(
    ...workers.map((w) => {
      const text = `${w.executing} executing, ${w.queued} queued`;
      return row(w.name, bar("processing-bar", [
        { percent: percent(w.executing, most), className: "executing" },
        { percent: percent(w.queued, most), className: "queued" },
      ], text), text);
    }));
}

function cell(tag, text, className) {
  return element(tag, className, text === undefined || text === null ? "" : String(text));
}

// One row per worker: kind, threads, memory, CPU %, GPU memory, task counters.
function drawWorkersTable(container, workers) {
  const table = element("table", "workers-table");
  const head = element("tr");
  for (const title of ["Name", "Kind", "Threads", "Memory", "Memory limit", "Spilled", "CPU %",
                       "GPU memory",
                       "Executing", "Queued", "Finished", "Failed"])
    head.appendChild(cell("th", title));
  table.appendChild(element("thead")).appendChild(head);
  const body = table.appendChild(element("tbody"));
  for (const w of workers || []) {
    const line = element("tr", "worker-row");
    const kind = w.kind === "gpu" ? `GPU ${w.device}: ${w.device_name}` : "CPU";
    const gpu = w.kind === "gpu"
      ? `${formatBytes(w.gpu_memory_used)} / ${formatBytes(w.gpu_memory_total)}` : "";
    line.append(cell("td", w.name), cell("td", kind), cell("td", w.threads, "number"),
                cell("td", formatBytes(w.memory), "number"),
                cell("td", w.memory_limit > 0 ? formatBytes(w.memory_limit) : "no limit", "number"),
                cell("td", formatBytes(w.memory_spilled || 0), "number"),
                cell("td", w.cpu_percent.toFixed(0), "number"), cell("td", gpu, "number"),
                cell("td", w.executing, "number"), cell("td", w.queued, "number"),
                cell("td", w.finished, "number"), cell("td", w.failed, "number"));
    body.appendChild(line);
  }
  container.replaceChildren(table);
}

const GRAPH_STATES = {
  waiting: "#c7c7c7", running: "#1f77b4", done: "#2ca02c", failed: "#d62728",
};
const SVG = "http://www.w3.org/2000/svg";

function svgElement(name, attributes, parent) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (parent) parent.appendChild(node);
  return node;
}

// The state of a task group: failed if any task failed, done when all are, running once some
// are done (or, for the first unfinished group of a running graph, while work is under way).
function groupState(group, runRunning, firstUnfinished) {
  if (group.failed > 0) return "failed";
  if (group.done >= group.total) return "done";
  if (group.done > 0 || (runRunning && firstUnfinished)) return "running";
  return "waiting";
}

// Column of each task group: the longest chain of group edges leading to it, so that edges run
// left to right. Group edges can form cycles (names are the user's): relaxing at most once per
// group ends the walk either way.
function graphLayers(count, edges) {
  const layer = new Array(count).fill(0);
  for (let pass = 0; pass < count; pass++) {
    let changed = false;
    for (const [from, to] of edges) {
      if (from >= count || to >= count || layer[to] >= layer[from] + 1) continue;
      layer[to] = layer[from] + 1;
      changed = true;
    }
    if (!changed) break;
  }
  return layer;
}

// The latest graph as its task groups: one box per group coloured by state, with one small
// square per task (done, failed or not yet) for groups of up to 400 tasks, in columns by
// dependency with an arrow for each edge between groups.
function drawGraph(container, run) {
  if (!run) return emptyNote(container, "No graph yet.");
  const boxWidth = 200, gap = 24, edgeGap = 60, square = 7;
  const columns = Math.floor((boxWidth - 16) / square);
  // Tall enough for the largest group's squares (groups of more than 400 tasks draw a bar).
  const squareRows = Math.max(1, ...run.groups.map((g) => (g.total <= 400 ? Math.ceil(g.total / columns) : 3)));
  const boxHeight = 50 + squareRows * square;
  const edges = run.edges || [];
  const layer = graphLayers(run.groups.length, edges);
  const rowInLayer = [], filled = [];
  layer.forEach((l, i) => {
    rowInLayer[i] = filled[l] || 0;
    filled[l] = rowInLayer[i] + 1;
  });
  const position = (i) => ({ x: layer[i] * (boxWidth + edgeGap), y: rowInLayer[i] * (boxHeight + gap) });
  const width = Math.max(320, filled.length * (boxWidth + edgeGap) - edgeGap + 2);
  const height = Math.max(1, ...filled) * (boxHeight + gap);
  const svg = svgElement("svg", { class: "task-graph", width, height, viewBox: `0 0 ${width} ${height}` });
  for (const [from, to] of edges) {
    if (from >= run.groups.length || to >= run.groups.length) continue;
    const a = position(from), b = position(to);
    const x1 = a.x + boxWidth, y1 = a.y + boxHeight / 2, x2 = b.x, y2 = b.y + boxHeight / 2;
    const bend = Math.max(30, Math.abs(x2 - x1) / 2);
    const edge = svgElement("g", { class: "graph-edge" }, svg);
    svgElement("path", {
      d: `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2 - 6} ${y2}`,
      fill: "none", stroke: "#777", "stroke-width": 1.5,
    }, edge);
    // The arrowhead is drawn, not a marker: the pages reference nothing by URL.
    svgElement("path", { d: `M ${x2} ${y2} L ${x2 - 8} ${y2 - 4} L ${x2 - 8} ${y2 + 4} z`, fill: "#777" }, edge);
  }
  let firstUnfinished = true;
  run.groups.forEach((g, i) => {
    const state = groupState(g, run.state === "running", firstUnfinished);
    if (g.done + g.failed < g.total) firstUnfinished = false;
    const { x, y } = position(i);
    const node = svgElement("g", { class: `graph-node ${state}`, transform: `translate(${x},${y})` }, svg);
    svgElement("rect", {
      width: boxWidth, height: boxHeight, rx: 6, fill: "#ffffff", stroke: GRAPH_STATES[state],
      "stroke-width": 3,
    }, node);
    const name = svgElement("text", { x: 8, y: 18, "font-size": 13, "font-weight": "bold" }, node);
    name.textContent = g.name.length > 26 ? g.name.slice(0, 25) + "…" : g.name;
    const counts = svgElement("text", { x: 8, y: 34, "font-size": 11 }, node);
    counts.textContent = `${state}: ${g.done} done` + (g.failed ? `, ${g.failed} failed` : "") +
      ` of ${g.total}`;
    svgElement("title", {}, node).textContent = `${g.name}: ${counts.textContent}`;
    if (g.total <= 400) {
      for (let t = 0; t < g.total; t++) {
        const taskState = t < g.done ? "done" : t < g.done + g.failed ? "failed" : "waiting";
        svgElement("rect", {
          class: `graph-task ${taskState}`, x: 8 + (t % columns) * square, y: 42 + Math.floor(t / columns) * square,
          width: square - 1, height: square - 1, fill: GRAPH_STATES[taskState],
        }, node);
      }
    } else {
      const done = percent(g.done, g.total), failed = percent(g.failed, g.total);
      svgElement("rect", { x: 8, y: 50, width: boxWidth - 16, height: 14, fill: GRAPH_STATES.waiting }, node);
      svgElement("rect", { x: 8, y: 50, width: ((boxWidth - 16) * done) / 100, height: 14, fill: GRAPH_STATES.done }, node);
      svgElement("rect", {
        x: 8 + ((boxWidth - 16) * done) / 100, y: 50, width: ((boxWidth - 16) * failed) / 100,
        height: 14, fill: GRAPH_STATES.failed,
      }, node);
    }
  });
  const legend = element("div", "graph-legend");
  for (const [state, color] of Object.entries(GRAPH_STATES)) {
    const item = element("span", "task-legend-item");
    const swatch = element("span", "task-legend-swatch");
    swatch.style.backgroundColor = color;
    item.append(swatch, document.createTextNode(state));
    legend.appendChild(item);
  }
  const caption = element("p", "caption",
    `Run ${run.run}: ${run.tasks} tasks in ${run.groups.length} task groups (arrows: dependencies), ` +
    `${run.state}` + (run.cancelled ? `, ${run.cancelled} cancelled` : ""));
  container.replaceChildren(caption, svg, legend);
}

// A JSON object as nested definition tables; byte counts (keys naming memory) also in KiB/MiB/GiB.
function infoTable(value, key) {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && /memory/.test(key || "") && value > 0)
      return document.createTextNode(`${formatBytes(value)} (${value})`);
    return document.createTextNode(value === null ? "—" : String(value));
  }
  const table = element("table", "info-table");
  for (const [key, item] of Object.entries(value)) {
    const line = element("tr");
    const valueCell = element("td");
    valueCell.appendChild(infoTable(item, key));
    line.append(cell("th", key), valueCell);
    table.appendChild(line);
  }
  return table;
}

function drawInfo(container, info) {
  container.replaceChildren(infoTable(info));
}
