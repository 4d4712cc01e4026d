// Tessera task stream: one row per worker thread (or GPU stream), one bar per task, coloured by
// task group; failed tasks are drawn in red with a dark outline. Plain browser JavaScript with no
// dependencies, shared by the live dashboard and the self-contained HTML reports.
//
//   drawTaskStream(container, records, options)
//
// records: [{key, group, worker_name, thread, start, stop, failed}], start/stop in seconds.
// options: {width, rowHeight, maxBars (newest kept), window (seconds shown, ending at the last
//           stop), legend (default true)}.
// Each bar is an SVG <rect class="task-bar"> (plus "failed") with a <title> tooltip.
"use strict";

// Dask's Category20 colours, strong ones first, without red (which marks failures here).
const TASK_STREAM_PALETTE = [
  "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
  "#17becf", "#393b79", "#aec7e8", "#ffbb78", "#98df8a", "#c5b0d5", "#c49c94", "#f7b6d2",
  "#c7c7c7", "#dbdb8d", "#9edae5", "#637939",
];
const TASK_STREAM_FAILED = "#d62728";
const SVG_NS = "http://www.w3.org/2000/svg";
const taskStreamColors = new Map();
// Spill-file writes and reads (no computation's tasks) in greys, as Dask draws them.
const TASK_STREAM_DISK = { "disk-write": "#5f5f5f", "disk-read": "#a8a8a8", "device-to-host": "#8a8a8a" };

// A colour per task group name, in the order groups are first seen on the page, so the first
// twenty groups all differ; the task stream and the progress bars of a page agree.
function taskGroupColor(group) {
  const name = String(group);
  if (TASK_STREAM_DISK[name]) return TASK_STREAM_DISK[name];
  let color = taskStreamColors.get(name);
  if (color === undefined) {
    color = TASK_STREAM_PALETTE[taskStreamColors.size % TASK_STREAM_PALETTE.length];
    taskStreamColors.set(name, color);
  }
  return color;
}

function taskStreamElement(name, attributes, parent) {
  const element = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (parent) parent.appendChild(element);
  return element;
}

// "cpu-10" after "cpu-9": compare the digit runs as numbers.
function taskStreamCompareNames(a, b) {
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

// Tick spacing of about `target` ticks over `span` seconds: 1, 2 or 5 times a power of ten.
function taskStreamTickStep(span, target) {
  const raw = span / Math.max(1, target);
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const factor of [1, 2, 5, 10]) if (power * factor >= raw) return power * factor;
  return power * 10;
}

function taskStreamFormatSeconds(seconds, step) {
  if (step >= 1) return seconds.toFixed(0) + " s";
  if (step >= 0.001) return (seconds * 1000).toFixed(step >= 0.01 ? 0 : 1) + " ms";
  return (seconds * 1e6).toFixed(0) + " µs";
}

function drawTaskStream(container, records, options) {
  options = options || {};
  const maxBars = options.maxBars || 5000;
  const rowHeight = options.rowHeight || 18;
  const labelWidth = 96;
  const axisHeight = 22;
  const width = Math.max(200, options.width || container.clientWidth || 800);
  const plotWidth = width - labelWidth - 8;

  let list = Array.isArray(records) ? records : [];
  if (list.length > maxBars) list = list.slice(list.length - maxBars);
  let last = -Infinity;
  for (const r of list) last = Math.max(last, r.stop);
  if (options.window && list.length) list = list.filter((r) => r.stop >= last - options.window);

  container.replaceChildren();
  if (!list.length) {
    const empty = document.createElement("p");
    empty.className = "empty";
    empty.textContent = "No tasks yet.";
    container.appendChild(empty);
    return { rows: 0, drawn: 0, start: 0, stop: 0 };
  }

  let first = Infinity;
  const rowIndex = new Map();
  for (const r of list) {
    first = Math.min(first, r.start);
    const row = r.worker_name + "\u0000" + r.thread;
    if (!rowIndex.has(row)) rowIndex.set(row, { worker: r.worker_name, thread: r.thread });
  }
  const rows = [...rowIndex.entries()].sort((a, b) =>
    taskStreamCompareNames(a[1].worker, b[1].worker) || a[1].thread - b[1].thread);
  rows.forEach(([row], i) => rowIndex.set(row, i));
  const span = Math.max(last - first, 1e-6);
  const height = rows.length * rowHeight + axisHeight;
  const x = (t) => labelWidth + ((t - first) / span) * plotWidth;

  const svg = taskStreamElement("svg", {
    class: "task-stream", width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": `Task stream: ${list.length} tasks on ${rows.length} threads`,
  });
  rows.forEach(([, info], i) => {
    taskStreamElement("rect", {
      class: "task-row", x: labelWidth, y: i * rowHeight, width: plotWidth, height: rowHeight,
      fill: i % 2 ? "#f6f6f6" : "#ffffff",
    }, svg);
    const label = taskStreamElement("text", {
      class: "task-row-label", x: labelWidth - 6, y: i * rowHeight + rowHeight * 0.7,
      "text-anchor": "end", "font-size": 11,
    }, svg);
    label.textContent = `${info.worker}.${info.thread}`;
  });

  const bars = taskStreamElement("g", { class: "task-bars" }, svg);
  for (const r of list) {
    const row = rowIndex.get(r.worker_name + "\u0000" + r.thread);
    const left = x(r.start);
    const bar = taskStreamElement("rect", {
      class: r.failed ? "task-bar failed" : TASK_STREAM_DISK[r.group] ? "task-bar disk" : "task-bar",
      x: left.toFixed(2), y: row * rowHeight + 2,
      width: Math.max(1, x(r.stop) - left).toFixed(2), height: rowHeight - 4,
      fill: r.failed ? TASK_STREAM_FAILED : taskGroupColor(r.group),
    }, bars);
    if (r.failed) {
      bar.setAttribute("stroke", "#000000");
      bar.setAttribute("stroke-width", "1");
    }
    bar.setAttribute("data-key", r.key);
    const title = taskStreamElement("title", {}, bar);
    const ms = ((r.stop - r.start) * 1000).toFixed(3);
    const tasks = r.count > 1 ? ` (${r.count} tasks, timed together)` : "";
    title.textContent = `${r.key}${tasks}\n${r.group} on ${r.worker_name}.${r.thread}\n${ms} ms` +
      (r.failed ? "\nFAILED" : "");
  }

  const axisY = rows.length * rowHeight;
  taskStreamElement("line", {
    x1: labelWidth, x2: labelWidth + plotWidth, y1: axisY, y2: axisY, stroke: "#888888",
  }, svg);
  const step = taskStreamTickStep(span, Math.floor(plotWidth / 90));
  for (let t = 0; t <= span + 1e-12; t += step) {
    const tx = x(first + t);
    taskStreamElement("line", { x1: tx, x2: tx, y1: axisY, y2: axisY + 4, stroke: "#888888" }, svg);
    const tick = taskStreamElement("text", {
      class: "task-axis-label", x: tx, y: axisY + 16, "text-anchor": "middle", "font-size": 10,
    }, svg);
    tick.textContent = taskStreamFormatSeconds(t, step);
  }
  container.appendChild(svg);

  if (options.legend !== false) {
    const legend = document.createElement("div");
    legend.className = "task-legend";
    const groups = [...new Set(list.map((r) => r.group))].sort(taskStreamCompareNames);
    for (const group of groups) {
      const item = document.createElement("span");
      item.className = "task-legend-item";
      const swatch = document.createElement("span");
      swatch.className = "task-legend-swatch";
      swatch.style.backgroundColor = taskGroupColor(group);
      item.append(swatch, document.createTextNode(group));
      legend.appendChild(item);
    }
    if (list.some((r) => r.failed)) {
      const item = document.createElement("span");
      item.className = "task-legend-item";
      const swatch = document.createElement("span");
      swatch.className = "task-legend-swatch";
      swatch.style.backgroundColor = TASK_STREAM_FAILED;
      item.append(swatch, document.createTextNode("failed"));
      legend.appendChild(item);
    }
    container.appendChild(legend);
  }
  return { rows: rows.length, drawn: list.length, start: first, stop: last };
}
