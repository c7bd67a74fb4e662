/**
 * E2E harness: builds the test pages, serves them on 127.0.0.1 and drives
 * Debian's Chromium (/usr/bin/chromium, or $CHROMIUM_PATH) with
 * playwright-core. Everything started here is stopped by stop(), which the
 * test files call from after(); a process exit also takes Chromium down.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { DOCS_SITE_ROOT, buildPage } from '../../scripts/build-page.mjs';
import { serveDir } from '../../scripts/static-server.mjs';

export const FIXTURES = path.join(DOCS_SITE_ROOT, 'fixtures');
export const RESULTS = path.join(DOCS_SITE_ROOT, 'test-results');
export const SCREENSHOTS = path.join(RESULTS, 'screenshots');
// One folder per test process: node --test runs the e2e files in parallel.
const PAGES = path.join(RESULTS, 'e2e-pages', String(process.pid));

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const DESKTOP = { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 };
export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

/** The pages built for the tests: name -> fixture file, or {matrix, releases} files. */
export const PAGE_FIXTURES = {
  sample: 'sample-compatibility-matrix.json',
  v2: 'v2-compatibility-matrix.json',
  v2large: 'v2-large-compatibility-matrix.json',
  // v2large with three of its extra columns named as the pass-through
  // columns, whose headers ("Vertex AI (pass-through)") are the longest.
  v2passthrough: 'v2-passthrough-compatibility-matrix.json',
  // A real sim matrix of the v1 rows and columns (15 x 11, built by `cargo
  // xtask build-matrix` from a full run: a copy of golden/sim-baseline.json).
  v2wide: 'v2-wide-compatibility-matrix.json',
  // 23 x 14 with column facts: groups by reach, summaries, not offered (issue 28).
  v2grouped: 'v2-grouped-compatibility-matrix.json',
  v2builder: 'v2-builder-unverified-compatibility-matrix.json',
  v2evidence: 'v2-builder-evidence-compatibility-matrix.json',
  v3: 'schema-v3-compatibility-matrix.json',
  malformed: 'malformed-compatibility-matrix.json',
  // With the weekly releases run's file beside the matrix (the release
  // switch, "works since"), and with an unreadable one.
  releases: { matrix: 'v2-releases-compatibility-matrix.json', releases: 'releases-compatibility-releases.json' },
  releasesBroken: { matrix: 'v2-releases-compatibility-matrix.json', releases: 'malformed-compatibility-releases.json' },
};

export async function loadFixture(name) {
  return JSON.parse(await readFile(path.join(FIXTURES, name), 'utf8'));
}

function assertChromium() {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH`);
  }
}

export class Harness {
  server = null;
  browser = null;
  contexts = new Set();

  /** Builds the fixture pages (`names`: some of them; default all), serves them and launches Chromium. */
  async start(names = Object.keys(PAGE_FIXTURES)) {
    assertChromium();
    await rm(PAGES, { recursive: true, force: true });
    this.pagesBuilt = true;
    // Development React: hydration mismatches and bad markup show up as console errors.
    await Promise.all(
      names.map((name) => {
        const spec = PAGE_FIXTURES[name];
        const { matrix, releases } = typeof spec === 'string' ? { matrix: spec, releases: null } : spec;
        return buildPage({
          matrixPath: path.join(FIXTURES, matrix),
          releasesPath: releases ? path.join(FIXTURES, releases) : null,
          outDir: path.join(PAGES, name),
          mode: 'development',
          source: `fixtures/${matrix}`,
        });
      }),
    );
    await this.serve(PAGES);
    await this.launch();
  }

  /** Serves `dir` on 127.0.0.1 (an ephemeral port). */
  async serve(dir) {
    this.server = await serveDir(dir, { port: 0 });
  }

  async launch() {
    assertChromium();
    await mkdir(SCREENSHOTS, { recursive: true });
    this.browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: 30_000,
    });
  }

  /** The URL of a path on the test server ('sample/' -> http://127.0.0.1:PORT/sample/). */
  url(name, query = '') {
    return `${this.server.url}${name.replace(/^\/+|\/+$/g, '')}/${query}`;
  }

  /**
   * A fresh browser context and page. `problems` collects console errors and
   * warnings, uncaught page errors and any request that leaves the test
   * server (those are aborted): each test asserts it stays empty.
   */
  async newPage(device, { timezoneId = 'UTC', locale = 'en-US' } = {}) {
    const context = await this.browser.newContext({ ...device, timezoneId, locale, reducedMotion: 'reduce' });
    this.contexts.add(context);
    context.setDefaultTimeout(10_000);
    const problems = [];
    const origin = this.server.url;
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(origin)) return route.continue();
      problems.push(`request outside the test server: ${url}`);
      return route.abort();
    });
    const page = await context.newPage();
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console.${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    return { context, page, problems };
  }

  async closeContext(context) {
    this.contexts.delete(context);
    await context.close().catch(() => {});
  }

  async stop() {
    for (const c of this.contexts) await c.close().catch(() => {});
    this.contexts.clear();
    if (this.browser) await this.browser.close().catch(() => {});
    this.browser = null;
    if (this.server) await this.server.close().catch(() => {});
    this.server = null;
    if (this.pagesBuilt) await rm(PAGES, { recursive: true, force: true });
  }
}

/** Waits until React has hydrated the page and effects have run. */
export async function waitForHydration(page) {
  await page.waitForFunction(() => window.__compatHydrated === true);
}

export function screenshotPath(name) {
  return path.join(SCREENSHOTS, `${name}.png`);
}

/**
 * Classifies a CSS rgb() colour by HSL: low saturation is grey; otherwise the
 * hue picks red (< 20° or > 340°), yellow (20°-70°, amber included) or green
 * (80°-170°).
 */
export function hueName(rgb) {
  const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(rgb);
  if (!m) return `unparsed ${rgb}`;
  const [r, g, b] = m.slice(1).map((v) => Number(v) / 255);
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const l = (max + min) / 2;
  const d = max - min;
  const s = d === 0 ? 0 : d / (1 - Math.abs(2 * l - 1));
  if (s < 0.25) return 'grey';
  let h;
  if (max === r) h = 60 * (((g - b) / d) % 6);
  else if (max === g) h = 60 * ((b - r) / d + 2);
  else h = 60 * ((r - g) / d + 4);
  if (h < 0) h += 360;
  if (h < 20 || h > 340) return 'red';
  if (h >= 20 && h <= 70) return 'yellow';
  if (h >= 80 && h <= 170) return 'green';
  return `other ${rgb} (hue ${Math.round(h)})`;
}
