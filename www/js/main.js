// The page: settings, controls, charts and images. It never touches the wasm module; the
// worker (worker.js) owns it and reports what happens as plain messages.

import uPlot from "../vendor/uPlot.esm.js";
import { zipSync } from "../vendor/fflate.esm.js";

const $ = (id) => document.getElementById(id);
const form = $("settings");
const FIELDS = ["dataset", "epochs", "batch_size", "noise_dim", "learning_rate", "save_interval", "seed", "train_limit", "backend"];
const WHOLE = ["epochs", "batch_size", "noise_dim", "save_interval", "seed", "train_limit"];
// Query names accepted besides the field names themselves.
const ALIASES = { lr: "learning_rate", batch: "batch_size", limit: "train_limit", noise: "noise_dim", interval: "save_interval" };
// The CPU backend "cpu" means. In headless Chromium on a 2-core x86-64 machine a GAN step at
// batch 128 takes about 224 ms on flex and 212 ms on ndarray (./build.sh bench), but the
// classifier's convolutions run many times faster on flex, so flex finishes the experiment
// first.
const CPU_DEFAULT = "flex";
const SMOOTHING = 0.97;

const query = new URLSearchParams(location.search);
let worker = null;
let runId = 0;
let state = "idle";
let lastCheckpoint = null; // bytes of the last completed epoch, kept while on WebGPU
let lastStart = null; // the message that started the current run
let backendKind = null;

// --- state of the current run ------------------------------------------------------------

const run = {
  steps: [[], [], [], [], [], [], []], // x, d raw, g raw, d smooth, g smooth, D(x), D(G(z))
  smooth: null,
  epochMarks: [],
  grids: [],
  selectedGrid: -1,
  final: null,
  verdict: null,
  log: [],
  totalSteps: 0,
  stepsPerEpoch: 0,
  rate: [],
};

function resetRun() {
  run.steps = [[], [], [], [], [], [], []];
  run.smooth = null;
  run.epochMarks = [];
  run.grids = [];
  run.selectedGrid = -1;
  run.final = null;
  run.verdict = null;
  run.log = [];
  run.rate = [];
  $("grid-strip").replaceChildren();
  $("gallery").replaceChildren();
  $("label-chart").replaceChildren();
  $("figures").replaceChildren();
  $("final").hidden = true;
  $("judge").hidden = true;
  $("grid-download").hidden = true;
  $("grid-caption").textContent = "Kept grids appear at every save interval";
  $("log").value = "";
  clearCanvas($("preview"));
  clearCanvas($("grid-view"));
  lossChart.setData([[], [], [], [], []]);
  dChart.setData([[], [], []]);
}

function setState(next) {
  state = next;
  document.body.dataset.state = next;
  const running = next === "running" || next === "paused" || next === "preparing";
  $("pause").disabled = next !== "running";
  $("resume").disabled = next !== "paused";
  $("stop").disabled = !running;
  $("train").textContent = running ? "Restart with these settings" : "Train";
}

function status(text) {
  $("status").textContent = text;
}

function showError(text) {
  $("error").hidden = !text;
  $("error").textContent = text || "";
}

function notice(text) {
  $("notice").hidden = !text;
  $("notice").textContent = text || "";
}

// --- charts --------------------------------------------------------------------------------

// Draws a dashed vertical line at the end of every epoch.
function epochMarks() {
  return {
    hooks: {
      draw: (u) => {
        const { ctx } = u;
        const { top, height } = u.bbox;
        ctx.save();
        ctx.strokeStyle = "rgba(0,0,0,0.25)";
        ctx.setLineDash([4, 4]);
        for (const step of run.epochMarks) {
          const x = Math.round(u.valToPos(step, "x", true));
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, top + height);
          ctx.stroke();
        }
        ctx.restore();
      },
    },
  };
}

function chartWidth() {
  return Math.max(300, Math.min($("charts").clientWidth || 600, 900));
}

const lossChart = new uPlot(
  {
    width: chartWidth(),
    height: 220,
    plugins: [epochMarks()],
    scales: { x: { time: false } },
    axes: [{ label: "step" }, { label: "BCE loss" }],
    series: [
      { label: "step" },
      { label: "D loss", stroke: "rgba(21,101,192,0.25)", width: 1 },
      { label: "G loss", stroke: "rgba(198,40,40,0.25)", width: 1 },
      { label: "D loss (smoothed)", stroke: "#1565c0", width: 2 },
      { label: "G loss (smoothed)", stroke: "#c62828", width: 2 },
    ],
  },
  [[], [], [], [], []],
  $("loss-chart"),
);

const dChart = new uPlot(
  {
    width: chartWidth(),
    height: 200,
    plugins: [epochMarks()],
    scales: { x: { time: false }, y: { range: [0, 1] } },
    axes: [{ label: "step" }, { label: "probability" }],
    series: [
      { label: "step" },
      { label: "D(x) (smoothed)", stroke: "#2e7d32", width: 2 },
      { label: "D(G(z)) (smoothed)", stroke: "#6a1b9a", width: 2 },
    ],
  },
  [[], [], []],
  $("d-chart"),
);

let chartDue = false;
function redrawCharts() {
  if (chartDue) return;
  chartDue = true;
  setTimeout(() => {
    chartDue = false;
    const [x, d, g, ds, gs, dx, dz] = run.steps;
    lossChart.setData([x, d, g, ds, gs]);
    dChart.setData([x, dx, dz]);
  }, 250);
}

addEventListener("resize", () => {
  lossChart.setSize({ width: chartWidth(), height: 220 });
  dChart.setSize({ width: chartWidth(), height: 200 });
});

function addSteps(steps) {
  for (const s of steps) {
    const previous = run.smooth || [s.d_loss, s.g_loss, s.d_real, s.d_fake];
    const values = [s.d_loss, s.g_loss, s.d_real, s.d_fake];
    run.smooth = previous.map((p, i) => SMOOTHING * p + (1 - SMOOTHING) * values[i]);
    run.steps[0].push(s.global_step);
    run.steps[1].push(s.d_loss);
    run.steps[2].push(s.g_loss);
    run.steps[3].push(run.smooth[0]);
    run.steps[4].push(run.smooth[1]);
    run.steps[5].push(run.smooth[2]);
    run.steps[6].push(run.smooth[3]);
  }
  const last = steps[steps.length - 1];
  const now = performance.now();
  run.rate.push([now, last.global_step]);
  while (run.rate.length > 2 && now - run.rate[0][0] > 10000) run.rate.shift();
  let perSecond = 0;
  if (run.rate.length > 1) {
    const [t0, s0] = run.rate[0];
    perSecond = ((last.global_step - s0) * 1000) / Math.max(now - t0, 1);
  }
  const left = perSecond > 0 ? (run.totalSteps - last.global_step) / perSecond : NaN;
  status(
    `Training: epoch ${last.epoch}, step ${last.step}/${last.steps_per_epoch} ` +
      `(${last.global_step}/${run.totalSteps}) · ${perSecond.toFixed(2)} steps/s · ` +
      `time left ${formatDuration(left)} · D loss ${last.d_loss.toFixed(3)}, G loss ${last.g_loss.toFixed(3)}`,
  );
  document.body.dataset.steps = String(last.global_step);
  redrawCharts();
}

function formatDuration(seconds) {
  if (!Number.isFinite(seconds)) return "unknown";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

// --- images --------------------------------------------------------------------------------

function clearCanvas(canvas) {
  canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
}

function drawGrey(canvas, width, height, pixels) {
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  const image = context.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    const value = pixels[i];
    image.data[4 * i] = value;
    image.data[4 * i + 1] = value;
    image.data[4 * i + 2] = value;
    image.data[4 * i + 3] = 255;
  }
  context.putImageData(image, 0, 0);
}

function canvasPng(canvas) {
  return new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
}

async function linkPng(link, canvas, name) {
  const blob = await canvasPng(canvas);
  if (link.href.startsWith("blob:")) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.hidden = false;
}

function addGrid(message) {
  run.grids.push(message);
  const index = run.grids.length - 1;
  const button = document.createElement("button");
  button.type = "button";
  button.title = `Grid after epoch ${message.epoch}`;
  const canvas = document.createElement("canvas");
  drawGrey(canvas, message.width, message.height, message.pixels);
  const label = document.createElement("span");
  label.textContent = `epoch ${message.epoch}`;
  button.append(canvas, label);
  button.addEventListener("click", () => selectGrid(index));
  $("grid-strip").append(button);
  selectGrid(index);
}

function selectGrid(index) {
  run.selectedGrid = index;
  const grid = run.grids[index];
  drawGrey($("grid-view"), grid.width, grid.height, grid.pixels);
  $("grid-caption").textContent = `Grid after epoch ${grid.epoch}`;
  const name = `epoch_${String(grid.epoch).padStart(3, "0")}.png`;
  linkPng($("grid-download"), $("grid-view"), name);
  for (const [i, button] of [...$("grid-strip").children].entries()) {
    button.setAttribute("aria-pressed", String(i === index));
  }
  document.body.dataset.grids = String(run.grids.length);
}

function showFinal(message) {
  run.final = message;
  const gallery = $("gallery");
  gallery.replaceChildren();
  const size = message.width * message.height;
  for (let i = 0; i < message.count; i++) {
    const figure = document.createElement("figure");
    const canvas = document.createElement("canvas");
    drawGrey(canvas, message.width, message.height, message.pixels.subarray(i * size, (i + 1) * size));
    const caption = document.createElement("figcaption");
    caption.textContent = "…";
    figure.append(canvas, caption);
    gallery.append(figure);
  }
  $("final").hidden = false;
  linkPng($("sheet-download"), sheetCanvas(message), "final_generated_images.png");
  document.body.dataset.finalImages = String(message.count);
}

// All final images on one 10-wide sheet with a 2-pixel gap.
function sheetCanvas(message) {
  const columns = 10;
  const gap = 2;
  const rows = Math.ceil(message.count / columns);
  const cell = message.width + gap;
  const width = columns * cell + gap;
  const height = rows * (message.height + gap) + gap;
  const pixels = new Uint8Array(width * height);
  const size = message.width * message.height;
  for (let i = 0; i < message.count; i++) {
    const left = gap + (i % columns) * cell;
    const top = gap + Math.floor(i / columns) * (message.height + gap);
    for (let y = 0; y < message.height; y++) {
      const from = i * size + y * message.width;
      pixels.set(message.pixels.subarray(from, from + message.width), (top + y) * width + left);
    }
  }
  const canvas = document.createElement("canvas");
  drawGrey(canvas, width, height, pixels);
  return canvas;
}

async function downloadZip() {
  if (!run.final) return;
  const files = {};
  const canvases = $("gallery").querySelectorAll("canvas");
  for (const [i, canvas] of canvases.entries()) {
    const blob = await canvasPng(canvas);
    files[`image_${String(i).padStart(3, "0")}.png`] = new Uint8Array(await blob.arrayBuffer());
  }
  // PNGs are compressed already; storing them is as small and much faster.
  const zipped = zipSync(files, { level: 0 });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([zipped], { type: "application/zip" }));
  link.download = "final_generated_images.zip";
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}

// --- the classifier's verdict --------------------------------------------------------------

function showClassifier(message) {
  $("judge").hidden = false;
  const progress = $("classifier-progress");
  switch (message.phase) {
    case "loaded":
      $("classifier-status").textContent =
        `Classifier for ${message.dataset}: kept from an earlier visit (test accuracy ${percent(message.test_accuracy)}).`;
      break;
    case "training":
      $("classifier-status").textContent =
        `Training the ${message.dataset} classifier (once per dataset; kept in this browser)…`;
      progress.hidden = false;
      progress.value = 0;
      break;
    case "progress":
      progress.hidden = false;
      progress.value = message.done / Math.max(message.total_steps, 1);
      $("classifier-status").textContent =
        `Training the ${message.dataset} classifier: epoch ${message.epoch}/${message.epochs}, ` +
        `step ${message.step}/${message.steps_per_epoch}, loss ${message.loss.toFixed(3)}`;
      status(`Training the classifier: ${Math.round(progress.value * 100)}%`);
      break;
    case "done":
      progress.hidden = true;
      $("classifier-status").textContent =
        `Classifier for ${message.dataset} trained: test accuracy ${percent(message.test_accuracy)}.`;
      break;
    case "skipped":
      progress.hidden = true;
      $("classifier-status").textContent = "Stopped before the classifier was trained: no verdict.";
      break;
    default:
      break;
  }
}

function percent(value) {
  return `${(value * 100).toFixed(2)}%`;
}

function showVerdict(verdict) {
  run.verdict = verdict;
  $("judge").hidden = false;
  const chart = $("label-chart");
  chart.replaceChildren();
  const most = Math.max(...verdict.distribution, 1);
  verdict.distribution.forEach((count, label) => {
    const bar = document.createElement("div");
    bar.className = "bar";
    bar.dataset.count = String(count);
    const value = document.createElement("span");
    value.textContent = String(count);
    const fill = document.createElement("div");
    fill.className = "fill";
    fill.style.height = `${(count / most) * 75}%`;
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = verdict.class_names[label];
    bar.append(value, fill, name);
    bar.title = `${verdict.class_names[label]}: ${count} of ${verdict.labels.length}`;
    chart.append(bar);
  });
  const captions = $("gallery").querySelectorAll("figcaption");
  verdict.labels.forEach((label, i) => {
    if (captions[i]) {
      captions[i].textContent = `${verdict.class_names[label]} ${(verdict.confidences[i] * 100).toFixed(0)}%`;
    }
  });
  const reference = verdict.reference;
  const rows = [
    ["", "generated", "real test set"],
    ["Label entropy (max ln 10 = 2.303)", verdict.entropy.toFixed(3), "2.303 if balanced"],
    ["Mean confidence", percent(verdict.mean_confidence), percent(reference.mean_confidence)],
    [`Inception-style score (${verdict.sample_size} images; best 10)`, verdict.inception_score.toFixed(2), reference.inception_score.toFixed(2)],
    ["Fréchet distance on classifier features (lower is better)", verdict.frechet_distance.toFixed(2), reference.frechet_distance.toFixed(2)],
    ["Classifier test accuracy", "", percent(reference.test_accuracy)],
  ];
  const table = $("figures");
  table.replaceChildren();
  rows.forEach((cells, r) => {
    const tr = document.createElement("tr");
    cells.forEach((text, c) => {
      const cell = document.createElement(r === 0 || c === 0 ? "th" : "td");
      cell.textContent = text;
      tr.append(cell);
    });
    table.append(tr);
  });
  const counts = verdict.distribution.map((n, i) => `${verdict.class_names[i]}: ${n}`).join(", ");
  logLine(`Label distribution: ${counts}`);
  logLine(
    `Entropy ${verdict.entropy.toFixed(3)} of ${verdict.max_entropy.toFixed(3)}, mean confidence ` +
      `${percent(verdict.mean_confidence)}, IS ${verdict.inception_score.toFixed(2)} ` +
      `(real ${reference.inception_score.toFixed(2)}), FID ${verdict.frechet_distance.toFixed(2)} ` +
      `(real ${reference.frechet_distance.toFixed(2)})`,
  );
}

// --- epoch log -----------------------------------------------------------------------------

function logLine(text) {
  run.log.push(text);
  $("log").value = run.log.join("\n");
  $("log").scrollTop = $("log").scrollHeight;
}

$("copy-log").addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText($("log").value);
  } catch {
    $("log").select();
    document.execCommand("copy");
  }
});

// --- settings ------------------------------------------------------------------------------

function fillForm(defaults) {
  for (const name of FIELDS) {
    const input = form.elements[name];
    let value = defaults[name];
    if (name === "backend") value = "auto";
    if (value === null || value === undefined) value = "";
    input.value = String(value);
  }
  for (const [key, value] of query) {
    const name = ALIASES[key] || key;
    if (FIELDS.includes(name)) form.elements[name].value = value;
  }
}

function clearFieldErrors() {
  for (const span of form.querySelectorAll(".field-error")) span.textContent = "";
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  $("form-error").textContent = "";
}

function refuse(field, message) {
  const span = field && form.querySelector(`.field-error[data-for="${field}"]`);
  if (span) {
    span.textContent = message;
    form.elements[field].setAttribute("aria-invalid", "true");
    form.elements[field].focus();
  } else {
    $("form-error").textContent = message;
  }
}

// Reads the form. Returns the settings, or null after marking the fields that are not numbers.
function readForm() {
  clearFieldErrors();
  const config = { dataset: form.elements.dataset.value };
  let ok = true;
  for (const name of WHOLE) {
    const text = form.elements[name].value.trim();
    if (name === "train_limit" && text === "") {
      config.train_limit = null;
      continue;
    }
    if (!/^\d+$/.test(text)) {
      refuse(name, `${name.replace("_", " ")} must be a whole number, got '${text}'`);
      ok = false;
      continue;
    }
    config[name] = Number(text);
  }
  const rate = form.elements.learning_rate.value.trim();
  config.learning_rate = Number(rate);
  if (rate === "" || Number.isNaN(config.learning_rate)) {
    refuse("learning_rate", `learning rate must be a number, got '${rate}'`);
    ok = false;
  }
  return ok ? config : null;
}

function classifierOptions() {
  const epochs = Number(query.get("classifier_epochs") || 4);
  const limit = query.get("classifier_limit");
  return { epochs, limit: limit ? Number(limit) : null };
}

// --- the worker ----------------------------------------------------------------------------

function newWorker() {
  if (worker) worker.terminate();
  worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  worker.onmessage = (event) => onWorkerMessage(event.data);
  worker.onerror = (event) => {
    event.preventDefault();
    onWorkerMessage({ type: "crashed", message: event.message || "the worker stopped", backend: backendKind });
  };
}

let trainPressedAt = 0;

function startTraining(options = {}) {
  const config = readForm();
  if (!config) return;
  trainPressedAt = performance.now();
  delete document.body.dataset.firstGridMs;
  runId += 1;
  resetRun();
  showError("");
  notice("");
  lastCheckpoint = null;
  setState("preparing");
  const crashAfter = query.get("crash_after");
  lastStart = {
    type: "start",
    id: runId,
    config,
    backend: form.elements.backend.value,
    cpuDefault: CPU_DEFAULT,
    classifier: classifierOptions(),
    crashAfterSteps: crashAfter && !options.noCrash ? Number(crashAfter) : undefined,
  };
  if (!worker) newWorker();
  worker.postMessage(lastStart);
  status("Starting…");
}

// The GPU (or the module driving it) failed mid-run: continue on the CPU from the last
// completed epoch in a fresh worker.
function recoverOnCpu(message) {
  const from = lastCheckpoint ? `from the end of epoch ${lastCheckpoint.epoch}` : "from the start";
  const device = message.backend === "wgpu" ? "GPU" : "compute device";
  notice(`The ${device} failed (${message.message}). Training continues on the CPU ${from}.`);
  newWorker();
  const restart = {
    ...lastStart,
    backend: "cpu",
    crashAfterSteps: undefined,
    why: `the ${device} failed mid-run; continuing on the CPU`,
  };
  if (lastCheckpoint) restart.checkpoint = lastCheckpoint.bytes;
  // Steps after the checkpoint are drawn again from there.
  const keep = lastCheckpoint ? lastCheckpoint.step : 0;
  const index = run.steps[0].findIndex((x) => x > keep);
  if (index >= 0) run.steps = run.steps.map((series) => series.slice(0, index));
  redrawCharts();
  lastStart = restart;
  worker.postMessage(restart);
}

function onWorkerMessage(message) {
  switch (message.type) {
    case "defaults":
      fillForm(message.config);
      setState("idle");
      status("Ready. Press Train.");
      document.body.dataset.ready = "1";
      document.body.dataset.readyMs = String(Math.round(performance.now()));
      if (query.get("autostart") === "1") startTraining();
      break;
    case "status":
      status(message.text);
      break;
    case "notice":
      notice(message.text);
      break;
    case "backend":
      backendKind = message.backend;
      $("backend").textContent =
        `Backend: ${message.kind === "webgpu" ? `WebGPU (${message.adapter})` : `CPU (${message.backend})`} — ${message.reason}`;
      document.body.dataset.backend = message.backend;
      break;
    case "data": {
      const bar = $("data-progress");
      bar.hidden = message.received >= message.total && message.total > 0;
      bar.max = message.total || 1;
      bar.value = message.received;
      status(`Downloading ${message.dataset}: ${(message.received / 1e6).toFixed(1)} of ${(message.total / 1e6).toFixed(1)} MB`);
      break;
    }
    case "dataset":
      $("data-progress").hidden = true;
      logLine(`${message.dataset}: ${message.train} training and ${message.test} test images, checksums verified`);
      break;
    case "refused":
      setState("idle");
      refuse(message.field, message.message);
      status("Settings refused: see the message next to the field.");
      break;
    case "started":
      run.totalSteps = message.total_steps;
      run.stepsPerEpoch = message.steps_per_epoch;
      setState("running");
      status(`Training on ${message.backend}: ${message.total_steps} steps (${message.steps_per_epoch} per epoch)…`);
      break;
    case "steps":
      addSteps(message.steps);
      break;
    case "epoch": {
      const s = message.summary;
      run.epochMarks.push(s.epoch * run.stepsPerEpoch);
      logLine(
        `Epoch ${s.epoch}/${s.epochs} | D loss: ${s.d_loss.toFixed(4)} | G loss: ${s.g_loss.toFixed(4)} | ` +
          `D(x): ${s.d_real.toFixed(3)} | D(G(z)): ${s.d_fake.toFixed(3)}`,
      );
      break;
    }
    case "grid":
      addGrid(message);
      break;
    case "preview":
      drawGrey($("preview"), message.width, message.height, message.pixels);
      if (!document.body.dataset.firstGridMs) {
        document.body.dataset.firstGridMs = String(Math.round(performance.now() - trainPressedAt));
      }
      document.body.dataset.previews = String(Number(document.body.dataset.previews || 0) + 1);
      break;
    case "checkpoint":
      lastCheckpoint = {
        bytes: message.bytes,
        epoch: run.epochMarks.length,
        step: run.epochMarks[run.epochMarks.length - 1] || 0,
      };
      break;
    case "final":
      showFinal(message);
      status("Final images drawn; the classifier judges them next.");
      break;
    case "classifier":
      showClassifier(message);
      break;
    case "verdict":
      showVerdict(message.verdict);
      document.body.dataset.verdict = "1";
      break;
    case "paused":
      setState("paused");
      status(`Paused at step ${document.body.dataset.steps || 0}. Resume to go on.`);
      break;
    case "resumed":
      setState("running");
      break;
    case "stopped":
      status("Stopped: final images drawn from the generator as it stands.");
      break;
    case "finished":
      setState("finished");
      status("Finished.");
      break;
    case "crashed":
      if (message.backend === "wgpu" && state !== "idle") {
        recoverOnCpu(message);
      } else {
        setState("error");
        showError(`Training stopped: ${message.message}`);
      }
      break;
    case "error":
      showError(message.message);
      if (message.stage !== "training" || state === "preparing") {
        setState("error");
        status("Stopped: see the message below.");
      }
      break;
    case "bench":
      if (pendingBench) pendingBench(message);
      pendingBench = null;
      break;
    default:
      break;
  }
}

// For ./build.sh bench: times training steps in the worker on one backend. Resolves to
// `{ info, result }` (or `{ error }`).
let pendingBench = null;
window.webganBench = (options) =>
  new Promise((resolve) => {
    pendingBench = resolve;
    worker.postMessage({ type: "bench", cpuDefault: CPU_DEFAULT, ...options });
  });

form.addEventListener("submit", (event) => {
  event.preventDefault();
  startTraining();
});
$("pause").addEventListener("click", () => worker && worker.postMessage({ type: "pause" }));
$("resume").addEventListener("click", () => worker && worker.postMessage({ type: "resume" }));
$("stop").addEventListener("click", () => worker && worker.postMessage({ type: "stop" }));
$("zip-download").addEventListener("click", downloadZip);

setState("loading");
newWorker();
worker.postMessage({ type: "defaults" });
