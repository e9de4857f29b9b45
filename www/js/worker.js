// The training worker: owns the wasm module, runs the GAN (then the classifier and its verdict)
// a chunk of steps at a time, and answers the page's messages between chunks. Messages are
// plain objects; pixels and checkpoints travel as transferred buffers.

import init, * as lab from "../pkg/webgan.js";

const FILES = [
  "train-images-idx3-ubyte",
  "train-labels-idx1-ubyte",
  "t10k-images-idx3-ubyte",
  "t10k-labels-idx1-ubyte",
];
// A chunk of steps should take about this long, so that pause and stop answer quickly.
const CHUNK_MS = 150;
const PREVIEW_MS = 2000;

const ready = init({ module_or_path: new URL("../pkg/webgan_bg.wasm", import.meta.url) });

let run = null; // { id, paused, stopped, aborted, wake }
let backendInfo = null; // what use_backend settled on, kept across runs
let trainExamples; // training images in the loaded dataset

function post(message, transfer = []) {
  self.postMessage(message, transfer);
}

self.onmessage = (event) => {
  const message = event.data;
  switch (message.type) {
    case "start":
      if (run) run.aborted = true;
      wake();
      startRun(message);
      break;
    case "defaults":
      ready.then(
        () => post({ type: "defaults", config: lab.default_config() }),
        (error) => post({ type: "error", stage: "load", message: `the WebAssembly module failed to load: ${error.message}` }),
      );
      break;
    case "pause":
      if (run && !run.paused) {
        run.paused = true;
        post({ type: "paused" });
      }
      break;
    case "resume":
      if (run && run.paused) {
        run.paused = false;
        wake();
        post({ type: "resumed" });
      }
      break;
    case "stop":
      if (run) {
        run.stopped = true;
        run.paused = false;
        wake();
      }
      break;
    case "bench":
      runBench(message).catch((error) => post({ type: "bench", error: error.message }));
      break;
    default:
      post({ type: "error", stage: "worker", message: `unknown message type '${message.type}'` });
  }
};

function wake() {
  if (run && run.wake) {
    const resolve = run.wake;
    run.wake = null;
    resolve();
  }
}

// Lets the worker read its messages between chunks.
function yieldToMessages() {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

// Waits while paused. Returns true when the run should go on, false when it was replaced.
async function checkpointForControl(current) {
  while (current.paused && !current.stopped && !current.aborted) {
    await new Promise((resolve) => {
      current.wake = resolve;
    });
  }
  return !current.aborted;
}

// --- backend -------------------------------------------------------------------------------

const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|software|microsoft basic render/i;

// What the browser offers for WebGPU, without setting anything up.
async function probeWebGpu() {
  if (!("gpu" in navigator) || !navigator.gpu) {
    return { usable: false, reason: "this browser has no WebGPU (navigator.gpu is missing)" };
  }
  let adapter = null;
  try {
    adapter = await navigator.gpu.requestAdapter({ powerPreference: "high-performance" });
  } catch (error) {
    return { usable: false, reason: `WebGPU refused an adapter: ${error.message}` };
  }
  if (!adapter) return { usable: false, reason: "WebGPU offers no adapter on this machine" };
  const info = adapter.info || {};
  const name = [info.vendor, info.architecture, info.device, info.description]
    .filter(Boolean)
    .join(" ")
    .trim();
  const software = Boolean(adapter.isFallbackAdapter || info.isFallbackAdapter) ||
    SOFTWARE_ADAPTER.test(name);
  return { usable: true, software, name: name || "unnamed adapter" };
}

// Settles the backend for a run: `choice` is auto, cpu, flex, ndarray or webgpu.
async function chooseBackend(choice, cpuDefault) {
  const cpu = choice === "flex" || choice === "ndarray" ? choice : cpuDefault;
  if (choice === "cpu" || choice === "flex" || choice === "ndarray") {
    await lab.use_backend(cpu);
    return { backend: cpu, kind: "cpu", reason: "CPU chosen in the settings" };
  }
  const probe = await probeWebGpu();
  let reason;
  if (!probe.usable) {
    reason = probe.reason;
  } else if (probe.software && choice === "auto") {
    reason = `the WebGPU adapter (${probe.name}) is a software renderer, far slower than the CPU backend`;
  } else {
    try {
      await lab.use_backend("wgpu");
      const why = choice === "webgpu" ? "WebGPU chosen in the settings" : "a WebGPU adapter is available";
      const note = probe.software ? " (a software renderer: expect it to be slow)" : "";
      return { backend: "wgpu", kind: "webgpu", adapter: probe.name, reason: `${why}${note}` };
    } catch (error) {
      reason = error.message;
    }
  }
  await lab.use_backend(cpu);
  const asked = choice === "webgpu" ? "WebGPU was asked for but cannot run: " : "";
  return { backend: cpu, kind: "cpu", reason: `${asked}${reason}; running on the CPU` };
}

// --- data ----------------------------------------------------------------------------------

async function fetchFile(dataset, name, progress) {
  const url = new URL(`../data/${dataset}/${name}.gz`, import.meta.url);
  let response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(`cannot download data/${dataset}/${name}.gz: ${error.message}`);
  }
  if (!response.ok) {
    throw new Error(
      `data file data/${dataset}/${name}.gz is missing (HTTP ${response.status}); ` +
        "fetch the datasets with ./build.sh data",
    );
  }
  const total = Number(response.headers.get("content-length")) || 0;
  const reader = response.body.getReader();
  const chunks = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    progress(received, total);
  }
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

async function loadDataset(dataset) {
  if (lab.loaded_dataset() === dataset) return null;
  const done = new Array(FILES.length).fill(0);
  const totals = new Array(FILES.length).fill(0);
  const report = () =>
    post({
      type: "data",
      dataset,
      received: done.reduce((a, b) => a + b, 0),
      total: totals.reduce((a, b) => a + b, 0),
    });
  const files = await Promise.all(
    FILES.map((name, index) =>
      fetchFile(dataset, name, (received, total) => {
        done[index] = received;
        totals[index] = total;
        report();
      }),
    ),
  );
  post({ type: "status", text: `checking ${dataset} (format and sha256)…` });
  await yieldToMessages();
  return lab.load_dataset(dataset, files[0], files[1], files[2], files[3]);
}

// --- classifier storage (IndexedDB) --------------------------------------------------------

const DB_NAME = "webgan";
const STORE = "classifiers";

function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function storage(mode, action) {
  try {
    const db = await openDb();
    return await new Promise((resolve, reject) => {
      const request = action(db.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  } catch (error) {
    // Storage may be off (private windows, some iframes): the classifier is then retrained.
    post({ type: "notice", text: `browser storage unavailable (${error.message}); the classifier is not kept` });
    return undefined;
  }
}

function classifierKey(dataset, options) {
  return `${dataset}/epochs=${options.epochs}/limit=${options.limit ?? "all"}`;
}

// --- the run -------------------------------------------------------------------------------

async function startRun(message) {
  await ready;
  const current = { id: message.id, paused: false, stopped: false, aborted: false, wake: null };
  run = current;
  const config = message.config;
  try {
    // Settings that are wrong whatever the data are refused before anything is downloaded.
    const early = lab.check_config(config, undefined);
    if (early) {
      post({ type: "refused", field: early.field, message: early.message });
      return;
    }
    post({ type: "status", text: "choosing the backend…" });
    backendInfo = await chooseBackend(message.backend, message.cpuDefault || "flex");
    // After a hand-over the page says why the CPU runs; the settings did not choose it.
    if (message.why) backendInfo.reason = message.why;
    post({ type: "backend", ...backendInfo });

    post({ type: "status", text: `downloading ${config.dataset}…` });
    const loaded = await loadDataset(config.dataset);
    if (loaded) {
      trainExamples = loaded.train;
      post({ type: "dataset", ...loaded });
    }

    const refusal = lab.check_config(config, loaded ? loaded.train : trainExamples);
    if (refusal) {
      post({ type: "refused", field: refusal.field, message: refusal.message });
      return;
    }
    let started;
    if (message.checkpoint) {
      // The page's notice already says that the run continues, and from which epoch.
      started = lab.resume_gan(message.checkpoint);
    } else {
      started = lab.start_gan(config);
    }
    post({ type: "started", ...started, backend: backendInfo.backend });
    if (message.crashAfterSteps) current.crashAfterSteps = message.crashAfterSteps;

    const finished = await trainGan(current);
    if (!finished || current.aborted) return;
    await judge(current, message.classifier || {});
    post({ type: "finished" });
  } catch (error) {
    if (current.aborted) return;
    const crashed = error instanceof WebAssembly.RuntimeError || /compute device failed/.test(error.message);
    post({ type: crashed ? "crashed" : "error", stage: "training", message: error.message, backend: backendInfo?.backend });
  } finally {
    if (run === current) run = null;
  }
}

function forward(events) {
  const steps = [];
  for (const event of events) {
    switch (event.kind) {
      case "step":
        steps.push(event);
        break;
      case "epoch":
        post({ type: "epoch", summary: event });
        break;
      case "grid":
        post({ type: "grid", epoch: event.epoch, width: event.width, height: event.height, pixels: event.pixels }, [event.pixels.buffer]);
        break;
      case "final_images":
        post({ type: "final", count: event.count, width: event.width, height: event.height, pixels: event.pixels }, [event.pixels.buffer]);
        break;
      default:
        break;
    }
  }
  if (steps.length) post({ type: "steps", steps });
  return events.some((event) => event.kind === "epoch");
}

// Trains until done, stopped or replaced. Returns whether final images were drawn.
async function trainGan(current) {
  let chunk = 1;
  let lastPreview = -Infinity; // the first preview comes after the first chunk
  for (;;) {
    if (!(await checkpointForControl(current))) return false;
    if (current.stopped) {
      post({ type: "status", text: "stopping: drawing the final images…" });
      forward((await lab.stop_gan()).events);
      post({ type: "stopped" });
      return true;
    }
    const began = performance.now();
    if (current.crashAfterSteps !== undefined && current.stepsDone >= current.crashAfterSteps) {
      lab.simulate_crash();
    }
    let reply;
    try {
      reply = await lab.advance_gan(chunk);
    } catch (error) {
      if (error instanceof WebAssembly.RuntimeError || /compute device failed/.test(error.message)) throw error;
      // Divergence: the weights of the last good epoch are kept; draw the final images from them.
      post({ type: "error", stage: "training", message: error.message });
      forward((await lab.stop_gan()).events);
      return true;
    }
    current.stepsDone = reply.global_step;
    const epochEnded = forward(reply.events);
    if (epochEnded && backendInfo.backend === "wgpu" && !reply.done) {
      const bytes = await lab.gan_checkpoint();
      post({ type: "checkpoint", bytes }, [bytes.buffer]);
    }
    if (reply.done) return true;

    const took = performance.now() - began;
    chunk = Math.max(1, Math.min(64, Math.round((chunk * CHUNK_MS) / Math.max(took, 1))));
    if (performance.now() - lastPreview > PREVIEW_MS) {
      const grid = await lab.preview();
      post({ type: "preview", ...grid }, [grid.pixels.buffer]);
      lastPreview = performance.now();
    }
    await yieldToMessages();
  }
}

// Installs (or trains and keeps) the classifier, then judges the finished run.
async function judge(current, options) {
  const dataset = lab.loaded_dataset();
  const key = classifierKey(dataset, options);
  const kept = await storage("readonly", (store) => store.get(key));
  let installed = false;
  if (kept && kept.bytes) {
    try {
      lab.load_classifier(kept.bytes);
      installed = true;
      post({ type: "classifier", phase: "loaded", dataset, test_accuracy: kept.test_accuracy });
    } catch (error) {
      post({ type: "notice", text: error.message });
    }
  }
  if (!installed) {
    const plan = lab.start_classifier(options.epochs ?? 4, options.limit ?? undefined);
    post({ type: "classifier", phase: "training", dataset, total_steps: plan.total_steps });
    let chunk = 1;
    let done = 0;
    for (;;) {
      if (!(await checkpointForControl(current))) return;
      if (current.stopped) {
        post({ type: "classifier", phase: "skipped", dataset });
        return;
      }
      const began = performance.now();
      const reply = await lab.advance_classifier(chunk);
      done += chunk;
      for (const event of reply.events) {
        if (event.kind === "progress") {
          post({ type: "classifier", phase: "progress", dataset, ...event, done, total_steps: plan.total_steps });
        } else if (event.kind === "done") {
          post({ type: "classifier", phase: "done", dataset, test_accuracy: event.test_accuracy });
          const bytes = await lab.classifier_bytes();
          await storage("readwrite", (store) => store.put({ bytes, test_accuracy: event.test_accuracy }, key));
        }
      }
      if (reply.done) break;
      const took = performance.now() - began;
      chunk = Math.max(1, Math.min(64, Math.round((chunk * CHUNK_MS) / Math.max(took, 1))));
      await yieldToMessages();
    }
  }
  post({ type: "status", text: "judging the generator with the classifier…" });
  await yieldToMessages();
  const verdict = await lab.judge_gan();
  post({ type: "verdict", verdict });
}

// --- benchmark -----------------------------------------------------------------------------

// Times training steps on one backend (for ./build.sh bench); nothing is shown on the page.
async function runBench(message) {
  await ready;
  const info = await chooseBackend(message.backend, message.cpuDefault || "flex");
  const result = await lab.bench_gan(message.batch_size || 128, message.warmup ?? 3, message.steps || 20);
  post({ type: "bench", info, result });
}
