// End-to-end: the built page (www/, after ./build.sh build) in Debian's headless Chromium,
// driven by playwright-core, training on the real MNIST files.
//
// Run with: node --test tests/e2e/page.test.mjs
// Environment: CHROMIUM (default /usr/bin/chromium); WEBGAN_REQUIRE_WEBGPU=1 makes the WebGPU
// tests fail, rather than skip, when Chromium offers no WebGPU adapter. Screenshots go to
// www/screenshots/ (ignored by git).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, symlinkSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const ROOT = resolve(import.meta.dirname, "../..");
const WWW = join(ROOT, "www");
const SHOTS = join(WWW, "screenshots");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const REQUIRE_WEBGPU = process.env.WEBGAN_REQUIRE_WEBGPU === "1";

// Flags for a closed network (no background fetches), as root in a container.
const QUIET = [
  "--no-sandbox",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
// WebGPU switched on. Known shortcoming: with these switches Debian's Chromium 156 still offers
// SwiftShader (its own software adapter, about 17 s per default step), not Mesa's lavapipe,
// which native wgpu runs at about 0.7 s per step; the WebGPU tests therefore use tiny runs.
const WEBGPU = [
  "--enable-unsafe-webgpu",
  "--enable-features=Vulkan",
  "--use-vulkan=native",
  "--use-angle=vulkan",
  "--ignore-gpu-blocklist",
];

// A small run on real MNIST: 2 epochs of 8 steps, a grid after each, and a classifier trained
// on a slice (its accuracy is not the point here; the page's judging path is).
const SMALL = "dataset=mnist&epochs=2&batch_size=64&limit=512&save_interval=1" +
  "&classifier_epochs=1&classifier_limit=2560";

const servers = [];
const browsers = [];

// Serves `dir` on a free loopback port with Python's http.server; resolves to its base URL.
function serve(dir) {
  return new Promise((resolvePromise, reject) => {
    const server = spawn("python3", ["-u", "-m", "http.server", "--bind", "127.0.0.1", "--directory", dir, "0"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    servers.push(server);
    let seen = "";
    server.stdout.on("data", (chunk) => {
      seen += chunk;
      const match = /port (\d+)/.exec(seen);
      if (match) resolvePromise(`http://127.0.0.1:${match[1]}/`);
    });
    server.on("exit", (code) => reject(new Error(`http.server exited (${code}): ${seen}`)));
  });
}

async function launch(webgpu) {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: webgpu ? [...QUIET, ...WEBGPU] : [...QUIET, "--disable-gpu"],
  });
  browsers.push(browser);
  return browser;
}

async function open(browser, url) {
  const page = await browser.newPage({ viewport: { width: 1100, height: 1800 } });
  const problems = [];
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  page.problems = problems;
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready === "1", null, { timeout: 60_000 });
  return page;
}

async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

const dataset = (page, key) => page.evaluate((k) => document.body.dataset[k], key);

async function stepsDone(page) {
  return Number((await dataset(page, "steps")) || 0);
}

// Whether a canvas holds an image whose pixels vary (not blank, not one flat colour).
function canvasVaries(page, selector) {
  return page.evaluate((sel) => {
    const canvas = document.querySelector(sel);
    if (!canvas || canvas.width === 0) return false;
    const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
    let min = 255;
    let max = 0;
    for (let i = 0; i < data.length; i += 4) {
      min = Math.min(min, data[i]);
      max = Math.max(max, data[i]);
    }
    return max - min > 50;
  }, selector);
}

// The loss values the chart holds: every one must be a finite number.
function chartLosses(page) {
  return page.evaluate(() => {
    const text = document.getElementById("status").textContent;
    const match = /D loss (\S+), G loss (\S+)/.exec(text);
    return match ? [Number(match[1]), Number(match[2])] : null;
  });
}

let base;
before(async () => {
  base = await serve(WWW);
});

after(async () => {
  for (const browser of browsers) await browser.close();
  for (const server of servers) server.kill();
});

test("a CPU run streams losses, draws grids, pauses and resumes, and ends with the gallery and the label chart", { timeout: 600_000 }, async () => {
  const browser = await launch(false);
  const page = await open(browser, `${base}?${SMALL}`);
  await shot(page, "cpu-ready");
  await page.click("#train");

  await page.waitForFunction(() => document.body.dataset.backend, null, { timeout: 60_000 });
  const backendText = await page.textContent("#backend");
  assert.match(backendText, /CPU \((flex|ndarray)\)/);
  assert.match(backendText, /WebGPU|navigator\.gpu|adapter/, "the page says why it is not on WebGPU");

  await page.waitForFunction(() => Number(document.body.dataset.steps || 0) >= 2, null, { timeout: 120_000 });
  const losses = await chartLosses(page);
  assert.ok(losses && losses.every(Number.isFinite), `finite losses in the status line: ${losses}`);

  // Pause: the step count stops; resume: it moves again.
  await page.click("#pause");
  await page.waitForFunction(() => document.body.dataset.state === "paused", null, { timeout: 5_000 });
  const paused = await stepsDone(page);
  await page.waitForTimeout(1500);
  assert.equal(await stepsDone(page), paused, "no steps while paused");
  await shot(page, "cpu-paused");
  await page.click("#resume");
  await page.waitForFunction((n) => Number(document.body.dataset.steps || 0) > n, paused, { timeout: 60_000 });

  await page.waitForFunction(() => Number(document.body.dataset.grids || 0) >= 1, null, { timeout: 120_000 });
  assert.ok(await canvasVaries(page, "#grid-view"), "the kept grid is drawn and its pixels vary");
  await shot(page, "cpu-grid");

  await page.waitForFunction(() => document.body.dataset.verdict === "1", null, { timeout: 480_000 });
  assert.equal(await dataset(page, "grids"), "2", "one grid per epoch at save interval 1");
  assert.equal(await page.locator("#gallery canvas").count(), 100);
  assert.ok(await canvasVaries(page, "#gallery figure:nth-child(1) canvas"));
  const counts = await page.$$eval("#label-chart .bar", (bars) => bars.map((bar) => Number(bar.dataset.count)));
  assert.equal(counts.length, 10, "ten bars");
  assert.equal(counts.reduce((a, b) => a + b, 0), 100, "the bars count the 100 final images");
  const log = await page.inputValue("#log");
  assert.match(log, /Epoch 2\/2 \| D loss: [\d.]+ \| G loss: [\d.]+/);
  await page.waitForFunction(() => document.body.dataset.state === "finished", null, { timeout: 60_000 });
  await shot(page, "cpu-finished");
  assert.deepEqual(page.problems, [], "no errors on the console");
});

test("impossible settings are refused next to the field", { timeout: 120_000 }, async () => {
  const browser = await launch(false);
  const page = await open(browser, base);
  await page.fill("input[name=batch_size]", "0");
  await page.click("#train");
  const message = page.locator('.field-error[data-for="batch_size"]');
  await message.waitFor({ timeout: 30_000 });
  await page.waitForFunction(() => document.querySelector('.field-error[data-for="batch_size"]').textContent !== "", null, { timeout: 30_000 });
  assert.match(await message.textContent(), /batch size must be at least 1/);
  assert.equal(await dataset(page, "steps"), undefined, "nothing trained");

  await page.fill("input[name=batch_size]", "128");
  await page.fill("input[name=learning_rate]", "-1");
  await page.click("#train");
  await page.waitForFunction(() => document.querySelector('.field-error[data-for="learning_rate"]').textContent !== "", null, { timeout: 30_000 });
  assert.match(await page.textContent('.field-error[data-for="learning_rate"]'), /learning rate must be a positive/);
  await shot(page, "refused");
});

test("a corrupt data file shows an error naming it instead of hanging", { timeout: 180_000 }, async () => {
  // A copy of the site whose MNIST training labels are damaged.
  const dir = mkdtempSync(join(tmpdir(), "webgan-corrupt-"));
  try {
    for (const entry of ["index.html", "css", "js", "pkg", "vendor"]) symlinkSync(join(WWW, entry), join(dir, entry));
    mkdirSync(join(dir, "data/mnist"), { recursive: true });
    for (const name of ["train-images-idx3-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]) {
      symlinkSync(join(WWW, "data/mnist", `${name}.gz`), join(dir, "data/mnist", `${name}.gz`));
    }
    const labels = readFileSync(join(WWW, "data/mnist/train-labels-idx1-ubyte.gz"));
    for (let i = 100; i < 200; i++) labels[i] ^= 0x5a;
    writeFileSync(join(dir, "data/mnist/train-labels-idx1-ubyte.gz"), labels);

    const corruptBase = await serve(dir);
    const browser = await launch(false);
    const page = await open(browser, `${corruptBase}?${SMALL}&backend=cpu`);
    await page.click("#train");
    await page.waitForFunction(() => document.body.dataset.state === "error", null, { timeout: 120_000 });
    const error = await page.textContent("#error");
    assert.match(error, /train-labels-idx1-ubyte/, `the message names the file: ${error}`);
    await shot(page, "corrupt-data");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("WebGPU: chosen automatically only on hardware, trains when forced, and a lost GPU hands over to the CPU", { timeout: 900_000 }, async (t) => {
  const browser = await launch(true);
  const probe = await browser.newPage();
  await probe.goto(base);
  const adapter = await probe.evaluate(async () => {
    if (!navigator.gpu) return null;
    const found = await navigator.gpu.requestAdapter();
    return found ? `${found.info.vendor} ${found.info.architecture} ${found.info.description}`.trim() || "unnamed" : null;
  });
  await probe.close();
  if (!adapter) {
    if (REQUIRE_WEBGPU) assert.fail("WEBGAN_REQUIRE_WEBGPU=1 but Chromium offers no WebGPU adapter");
    t.skip("Chromium offers no WebGPU adapter here");
    return;
  }

  // Automatic choice: a software adapter (lavapipe, SwiftShader) is far slower than the CPU
  // backend, so the page picks the CPU and says why.
  const tiny = "dataset=mnist&epochs=1&batch_size=32&limit=64&save_interval=1";
  const auto = await open(browser, `${base}?${tiny}&backend=auto`);
  await auto.click("#train");
  await auto.waitForFunction(() => document.body.dataset.backend, null, { timeout: 120_000 });
  const chosen = await dataset(auto, "backend");
  const why = await auto.textContent("#backend");
  if (/swiftshader|llvmpipe|lavapipe/i.test(adapter)) {
    assert.match(chosen, /flex|ndarray/, why);
    assert.match(why, /software renderer/);
  } else {
    assert.equal(chosen, "wgpu", why);
  }
  await auto.click("#stop").catch(() => {});
  await shot(auto, "webgpu-auto-choice");

  // Forced WebGPU, a tiny run: losses stream and the grid appears.
  const page = await open(browser, `${base}?${tiny}&backend=webgpu`);
  await page.click("#train");
  await page.waitForFunction(() => document.body.dataset.backend, null, { timeout: 120_000 });
  assert.equal(await dataset(page, "backend"), "wgpu", await page.textContent("#backend"));
  assert.match(await page.textContent("#backend"), /WebGPU/);
  await page.waitForFunction(() => Number(document.body.dataset.grids || 0) >= 1, null, { timeout: 600_000 });
  assert.ok(await canvasVaries(page, "#grid-view"));
  const losses = await chartLosses(page);
  assert.ok(losses === null || losses.every(Number.isFinite));
  await shot(page, "webgpu-grid");
  await page.click("#stop").catch(() => {});

  // Forced CPU with WebGPU present.
  const cpu = await open(browser, `${base}?${tiny}&backend=cpu`);
  await cpu.click("#train");
  await cpu.waitForFunction(() => Number(document.body.dataset.steps || 0) >= 1, null, { timeout: 120_000 });
  assert.match(await dataset(cpu, "backend"), /flex|ndarray/);
  assert.match(await cpu.textContent("#backend"), /CPU chosen in the settings/);
  await cpu.click("#stop");

  // The module driving the GPU dies after the first epoch: the run continues on the CPU from
  // that epoch's checkpoint, with a visible notice.
  const crash = await open(browser, `${base}?dataset=mnist&epochs=2&batch_size=32&limit=64&save_interval=1&backend=webgpu&crash_after=2`);
  await crash.click("#train");
  await crash.waitForFunction(() => /CPU/.test(document.getElementById("notice").textContent), null, { timeout: 600_000 });
  assert.match(await crash.textContent("#notice"), /continues on the CPU from the end of epoch 1/);
  await crash.waitForFunction(() => document.body.dataset.finalImages === "100", null, { timeout: 300_000 });
  assert.match(await dataset(crash, "backend"), /flex|ndarray/);
  assert.match(await crash.textContent("#backend"), /failed mid-run; continuing on the CPU/);
  assert.match(await crash.textContent("#notice"), /continues on the CPU from the end of epoch 1/, "the notice stays");
  assert.ok(Number(await dataset(crash, "grids")) >= 2, "grids from before and after the hand-over");
  await shot(crash, "webgpu-lost-continues-on-cpu");
});
