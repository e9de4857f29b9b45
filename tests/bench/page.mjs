// The browser half of ./build.sh bench: in headless Chromium (the end-to-end test's set-up),
// times GAN steps on each wasm CPU backend and on WebGPU, the time from opening the page to
// ready, and from pressing Train to the first sample grid on screen. Prints JSON on stdout.
//
// Usage: node tests/bench/page.mjs [steps]

import { spawn } from "node:child_process";
import { resolve, join } from "node:path";
import { chromium } from "playwright-core";

const WWW = join(resolve(import.meta.dirname, "../.."), "www");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const STEPS = Number(process.argv[2] || 20);
const QUIET = ["--no-sandbox", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const WEBGPU = ["--enable-unsafe-webgpu", "--enable-features=Vulkan", "--use-vulkan=native", "--use-angle=vulkan", "--ignore-gpu-blocklist"];

function serve(dir) {
  return new Promise((resolvePromise, reject) => {
    const server = spawn("python3", ["-u", "-m", "http.server", "--bind", "127.0.0.1", "--directory", dir, "0"], { stdio: ["ignore", "pipe", "pipe"] });
    let seen = "";
    server.stdout.on("data", (chunk) => {
      seen += chunk;
      const match = /port (\d+)/.exec(seen);
      if (match) resolvePromise({ server, url: `http://127.0.0.1:${match[1]}/` });
    });
    server.on("exit", (code) => reject(new Error(`http.server exited (${code})`)));
  });
}

async function openPage(browser, url) {
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready === "1", null, { timeout: 120_000 });
  return page;
}

const log = (text) => process.stderr.write(`${text}\n`);

const { server, url } = await serve(WWW);
const results = { steps: STEPS, backends: [], page: {} };
try {
  const cpuBrowser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...QUIET, "--disable-gpu"] });
  const page = await openPage(cpuBrowser, url);
  results.page.ready_ms = Number(await page.evaluate(() => document.body.dataset.readyMs));
  for (const backend of ["flex", "ndarray"]) {
    log(`browser ${backend}: ${STEPS} steps…`);
    const reply = await page.evaluate((options) => window.webganBench(options), { backend, steps: STEPS, warmup: 3 });
    results.backends.push({ ...(reply.result || {}), backend: `wasm ${backend}`, error: reply.error });
  }
  await page.close();

  // Train pressed to the first grid on screen: default settings, CPU, data not yet cached.
  const fresh = await cpuBrowser.newContext();
  const trainPage = await fresh.newPage();
  await trainPage.goto(`${url}?backend=cpu`);
  await trainPage.waitForFunction(() => document.body.dataset.ready === "1", null, { timeout: 120_000 });
  await trainPage.click("#train");
  await trainPage.waitForFunction(() => document.body.dataset.firstGridMs, null, { timeout: 120_000 });
  results.page.train_to_first_grid_ms = Number(await trainPage.evaluate(() => document.body.dataset.firstGridMs));
  await trainPage.click("#stop");
  await cpuBrowser.close();

  // WebGPU, where Chromium offers an adapter (here typically lavapipe, a CPU renderer).
  const gpuBrowser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...QUIET, ...WEBGPU] });
  const gpuPage = await openPage(gpuBrowser, url);
  const adapter = await gpuPage.evaluate(async () => {
    const found = navigator.gpu && (await navigator.gpu.requestAdapter());
    return found ? `${found.info.vendor} ${found.info.architecture} ${found.info.description}`.trim() : null;
  });
  if (adapter) {
    const steps = Math.min(STEPS, Number(process.env.WEBGPU_STEPS || 5));
    log(`browser webgpu (${adapter}): ${steps} steps…`);
    const reply = await gpuPage.evaluate((options) => window.webganBench(options), { backend: "webgpu", steps, warmup: 1 });
    results.backends.push({ ...(reply.result || {}), backend: "wasm webgpu", adapter, error: reply.error, note: reply.info?.reason });
  } else {
    results.backends.push({ backend: "wasm webgpu", error: "no WebGPU adapter in this Chromium" });
  }
  await gpuBrowser.close();
} finally {
  server.kill();
}
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
