// Tessera dashboard pages: loads the data the page's panels need and keeps them live through
// Server-Sent Events (api/v1/stream). Every URL is relative, so the pages work under any path
// prefix a proxy adds (JupyterHub, Open OnDemand). Problems are shown on the page, not thrown.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const panels = {
    taskStream: $("task-stream"),
    progress: $("progress"),
    memory: $("workers-memory"),
    processing: $("processing"),
    workers: $("workers-table"),
    graph: $("graph"),
    info: $("info"),
  };
  const MAX_TASKS = 2000;  // bars kept on a live task stream
  const WINDOW_SECONDS = 60;
  let tasks = [];
  let lastSeq = 0;
  let redrawPending = false;

  function showConnection(text, ok) {
    const note = $("connection");
    if (!note) return;
    note.textContent = text;
    note.className = ok ? "ok" : "problem";
  }

  async function getJSON(url) {
    const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return response.json();
  }

  function latestRun(status) {
    return status.runs && status.runs.length ? status.runs[status.runs.length - 1] : null;
  }

  function renderStatus(status) {
    const name = $("cluster-name");
    if (name) name.textContent = status.cluster;
    if (panels.progress) drawProgress(panels.progress, status.progress);
    if (panels.memory) drawWorkersMemory(panels.memory, status.workers);
    if (panels.processing) drawProcessing(panels.processing, status.workers);
    if (panels.workers) drawWorkersTable(panels.workers, status.workers);
    if (panels.graph) drawGraph(panels.graph, latestRun(status));
  }

  function redrawTasks() {
    redrawPending = false;
    drawTaskStream(panels.taskStream, tasks, { maxBars: MAX_TASKS, window: WINDOW_SECONDS });
  }

  function addTasks(batch) {
    if (batch.last_seq) lastSeq = Math.max(lastSeq, batch.last_seq);
    if (!panels.taskStream || !batch.tasks.length) return;
    tasks = tasks.concat(batch.tasks);
    if (tasks.length > MAX_TASKS) tasks = tasks.slice(tasks.length - MAX_TASKS);
    if (!redrawPending) {  // at most one redraw per frame however many batches arrive
      redrawPending = true;
      window.requestAnimationFrame(redrawTasks);
    }
  }

  function openStream() {
    const wantTasks = panels.taskStream ? 1 : 0;
    const source = new EventSource(`api/v1/stream?since=${lastSeq}&tasks=${wantTasks}`);
    source.addEventListener("open", () => showConnection("live", true));
    source.addEventListener("error", () => showConnection("reconnecting…", false));
    source.addEventListener("status", (event) => renderStatus(JSON.parse(event.data)));
    source.addEventListener("tasks", (event) => addTasks(JSON.parse(event.data)));
  }

  async function start() {
    if (panels.info) {
      drawInfo(panels.info, await getJSON("api/v1/info"));
      showConnection("", true);
      return;  // configuration does not change while the cluster runs
    }
    const status = await getJSON("api/v1/status");
    renderStatus(status);
    lastSeq = status.last_seq;
    if (panels.taskStream) {
      const since = Math.max(0, status.last_seq - MAX_TASKS);
      addTasks(await getJSON(`api/v1/tasks?since=${since}&limit=${MAX_TASKS}`));
      redrawTasks();
    }
    openStream();
  }

  start().catch((error) => showConnection(String(error && error.message ? error.message : error), false));
})();
