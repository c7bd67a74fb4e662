/**
 * Smoke test on the docs site's own toolchain: copies the component, the MDX
 * page and the sample matrix into a minimal Docusaurus 3 site
 * (docusaurus-smoke/, the way the docs repo takes them), runs
 * `docusaurus build`, checks the server-rendered HTML, and opens the built
 * page in Chromium (production React, Infima styles) for hydration, the
 * banner, a tooltip and the phone layout. The site also has the weekly
 * releases file (src/data/compatibility-releases.json, found by the
 * component's require.context) and a page whose release switch is driven.
 * (Without that file the site builds and no page has a switch: checked by
 * hand when releasesData.js was written, 2026-12-06; the standalone build's
 * tests cover the component without it.)
 *
 * Needs `npm ci` in docs-site/docusaurus-smoke/ (ci.sh does it).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DOCS_SITE_ROOT } from '../../scripts/build-page.mjs';
import { DESKTOP, FIXTURES, Harness, PHONE, hueName, screenshotPath } from '../e2e/harness.mjs';

const SITE = path.join(DOCS_SITE_ROOT, 'docusaurus-smoke');
const PAGE_PATH = 'docs/tutorials/claude-code-compatibility';
// A second page renders the schema v2 fixture through the same component.
const V2_PAGE_PATH = 'docs/tutorials/claude-code-compatibility-v2';
// A third renders the releases fixture's daily matrix, with the releases file beside it.
const RELEASES_PAGE_PATH = 'docs/tutorials/claude-code-compatibility-releases';
const BUILD_TIMEOUT_MS = 240_000;
const GENERATED_AT = Date.parse('2026-11-25T10:00:00Z');

/** Lays the site out as the docs repo would have it after taking docs-site's files. */
async function prepareSite() {
  for (const dir of ['src', 'docs', 'build', '.docusaurus']) await rm(path.join(SITE, dir), { recursive: true, force: true });
  await cp(path.join(DOCS_SITE_ROOT, 'src', 'components', 'CompatibilityMatrix'), path.join(SITE, 'src', 'components', 'CompatibilityMatrix'), {
    recursive: true,
  });
  await mkdir(path.join(SITE, 'src', 'data'), { recursive: true });
  // Where the publisher writes the real file.
  await cp(path.join(FIXTURES, 'sample-compatibility-matrix.json'), path.join(SITE, 'src', 'data', 'compatibility-matrix.json'));
  await mkdir(path.join(SITE, 'docs', 'tutorials'), { recursive: true });
  await cp(path.join(DOCS_SITE_ROOT, 'docs', 'tutorials', 'claude-code-compatibility.mdx'), path.join(SITE, 'docs', 'tutorials', 'claude-code-compatibility.mdx'));
  await cp(path.join(FIXTURES, 'v2-compatibility-matrix.json'), path.join(SITE, 'src', 'data', 'compatibility-matrix-v2.json'));
  await writeFile(
    path.join(SITE, 'docs', 'tutorials', 'claude-code-compatibility-v2.mdx'),
    [
      '---',
      'title: Compatibility matrix, schema v2',
      'hide_table_of_contents: true',
      '---',
      '',
      "import CompatibilityMatrix, { CompatibilityLegend } from '@site/src/components/CompatibilityMatrix';",
      "import v2 from '@site/src/data/compatibility-matrix-v2.json';",
      '',
      '<CompatibilityMatrix data={v2} />',
      '',
      '<CompatibilityLegend data={v2} />',
      '',
    ].join('\n'),
  );
  // The weekly releases file, where `cargo xtask publish --releases` writes it.
  await cp(path.join(FIXTURES, 'releases-compatibility-releases.json'), path.join(SITE, 'src', 'data', 'compatibility-releases.json'));
  await cp(path.join(FIXTURES, 'v2-releases-compatibility-matrix.json'), path.join(SITE, 'src', 'data', 'compatibility-matrix-releases.json'));
  await writeFile(
    path.join(SITE, 'docs', 'tutorials', 'claude-code-compatibility-releases.mdx'),
    [
      '---',
      'title: Compatibility matrix with the releases file',
      'hide_table_of_contents: true',
      '---',
      '',
      "import CompatibilityMatrix from '@site/src/components/CompatibilityMatrix';",
      "import daily from '@site/src/data/compatibility-matrix-releases.json';",
      '',
      '<CompatibilityMatrix data={daily} />',
      '',
    ].join('\n'),
  );
  await mkdir(path.join(SITE, 'src', 'pages'), { recursive: true });
  await writeFile(path.join(SITE, 'src', 'pages', 'index.md'), `# Smoke site\n\nSee [the compatibility matrix](/${PAGE_PATH}).\n`);
}

function runBuild() {
  const bin = path.join(SITE, 'node_modules', '@docusaurus', 'core', 'bin', 'docusaurus.mjs');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'build'], {
      cwd: SITE,
      env: { ...process.env, NO_UPDATE_NOTIFIER: '1', DOCUSAURUS_TELEMETRY_DISABLED: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`docusaurus build took longer than ${BUILD_TIMEOUT_MS / 1000}s:\n${output.slice(-4000)}`));
    }, BUILD_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`docusaurus build exited with ${code}:\n${output.slice(-4000)}`));
    });
  });
}

const h = new Harness();
let html;
let v2Html;
let releasesHtml;

before(async () => {
  if (!existsSync(path.join(SITE, 'node_modules', '@docusaurus', 'core'))) {
    throw new Error(`Docusaurus is not installed: run (cd ${SITE} && npm ci)`);
  }
  await prepareSite();
  await runBuild();
  html = await readFile(path.join(SITE, 'build', PAGE_PATH, 'index.html'), 'utf8');
  v2Html = await readFile(path.join(SITE, 'build', V2_PAGE_PATH, 'index.html'), 'utf8');
  releasesHtml = await readFile(path.join(SITE, 'build', RELEASES_PAGE_PATH, 'index.html'), 'utf8');
  await h.serve(path.join(SITE, 'build'));
  await h.launch();
});

after(async () => {
  await h.stop();
});

describe('docusaurus build', () => {
  test('the page is server-rendered with the table, banner and legend', () => {
    assert.match(html, /<h1[^>]*>Claude Code Compatibility Matrix<\/h1>/);
    assert.equal((html.match(/<td [^>]*data-status=/g) || []).length, 30);
    assert.match(html, /<th scope="col"[^>]*>Bedrock \(Converse\)<\/th>/);
    assert.match(html, /<time datetime="2026-11-25T10:00:00Z"[^>]*>2026-11-25 10:00 UTC/i);
    assert.ok(html.includes('v1.83.0-stable') && html.includes('2.1.120'));
    assert.match(html, /aria-label="Legend"/);
    assert.doesNotMatch(html, /role="alert"/);
    // A schema v1 matrix has no per-model results: the releases file is not used.
    assert.doesNotMatch(html, /release-switch|compat-releases-error/);
  });

  test('in Chromium: hydrates cleanly, relative time, tooltip, colours', async () => {
    const s = await h.newPage(DESKTOP, { timezoneId: 'Europe/Berlin' });
    const { page } = s;
    await page.clock.setFixedTime(GENERATED_AT + 3 * 3600 * 1000);
    await page.goto(h.url(PAGE_PATH));
    const time = page.locator('[data-testid="compat-banner"] time');
    await page.waitForFunction(() => document.querySelector('[data-testid="compat-banner"] time')?.dataset.relative === 'true');
    assert.equal(await time.evaluate((el) => el.firstChild.textContent), '3 hours ago');

    const cells = await page.$$eval('tbody td', (tds) => tds.map((td) => [td.dataset.status, getComputedStyle(td).backgroundColor]));
    assert.equal(cells.length, 30);
    const expected = { pass: 'green', fail: 'red', not_applicable: 'grey', not_tested: 'yellow' };
    for (const [status, bg] of cells) assert.equal(hueName(bg), expected[status], `${status} ${bg}`);
    const display = await page.$eval('table', (t) => getComputedStyle(t).display);
    assert.equal(display, 'table', "Infima's table display:block is overridden");

    const sel = 'tr[data-feature="tool_use"] td[data-provider="azure"]';
    await page.hover(sel);
    const tip = page.locator(`[id="${await page.getAttribute(sel, 'aria-describedby')}"]`);
    await tip.waitFor({ state: 'visible' });
    assert.match(await tip.innerText(), /^claude-opus-4-7: /);
    await page.screenshot({ path: screenshotPath('desktop-docusaurus'), fullPage: true });

    await time.hover();
    const timeTip = page.locator(`[id="${await time.getAttribute('aria-describedby')}"]`);
    await timeTip.waitFor({ state: 'visible' });
    assert.match(await timeTip.innerText(), /11:00:00\sAM GMT\+1\nYour time zone: Europe\/Berlin/);

    await h.closeContext(s.context);
    assert.deepEqual(s.problems, [], 'no console errors (hydration mismatches included), no outside requests');
  });

  test('in Chromium on a phone: the table scrolls inside its wrapper', async () => {
    const s = await h.newPage(PHONE);
    const { page } = s;
    await page.clock.setFixedTime(GENERATED_AT + 3600 * 1000);
    await page.goto(h.url(PAGE_PATH));
    await page.waitForFunction(() => document.querySelector('[data-testid="compat-banner"] time')?.dataset.relative === 'true');
    const m = await page.$eval('[data-testid="compat-scroller"]', (el) => ({
      overflows: el.scrollWidth > el.clientWidth,
      pageFits: document.documentElement.scrollWidth <= window.innerWidth,
    }));
    assert.deepEqual(m, { overflows: true, pageFits: true });
    await page.getByTestId('compat-scroller').scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath('phone-docusaurus') });
    await h.closeContext(s.context);
    assert.deepEqual(s.problems, []);
  });
  test('schema v2 page: server-rendered cells with model marks; a deep dive placed by Floating UI in Chromium', async () => {
    assert.equal((v2Html.match(/<td [^>]*data-status=/g) || []).length, 30);
    assert.equal((v2Html.match(/data-testid="model-marks"/g) || []).length, 27);
    assert.doesNotMatch(v2Html, /role="alert"/);
    for (const [device, name] of [
      [DESKTOP, 'desktop-docusaurus-v2'],
      [PHONE, 'phone-docusaurus-v2'],
    ]) {
      const s = await h.newPage(device);
      const { page } = s;
      await page.clock.setFixedTime(GENERATED_AT + 40 * 3600 * 1000);
      await page.goto(h.url(V2_PAGE_PATH));
      await page.waitForFunction(() => document.querySelector('[data-testid="compat-banner"]')?.dataset.freshness === 'stale');
      const marksInside = await page.$$eval('[data-testid="changed-mark"], [data-testid="model-marks"]', (els) =>
        els.every((m) => {
          const r = m.getBoundingClientRect();
          const t = m.closest('td').getBoundingClientRect();
          return r.left >= t.left - 0.5 && r.right <= t.right + 0.5 && r.top >= t.top - 0.5 && r.bottom <= t.bottom + 0.5;
        }),
      );
      assert.ok(marksInside, 'the change and model marks sit inside their cells');
      const sel = 'tr[data-feature="tool_use"] td[data-provider="bedrock_converse"] button';
      await page.locator(sel).scrollIntoViewIfNeeded();
      await page.click(sel);
      const dialog = page.locator('[role="dialog"][data-positioned="true"]');
      await dialog.waitFor({ state: 'visible' });
      assert.match(await dialog.innerText(), /Claude Haiku 4\.5: Fail/);
      const box = await dialog.boundingBox();
      const vw = device.viewport.width;
      assert.ok(box.x >= 0 && box.x + box.width <= vw + 0.5, `dialog within the screen: ${JSON.stringify(box)}`);
      assert.equal(await page.evaluate(() => Boolean(document.activeElement.closest('[role="dialog"]'))), true, 'focus in the dialog');
      await page.screenshot({ path: screenshotPath(name) });
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      await h.closeContext(s.context);
      assert.deepEqual(s.problems, [], 'no console errors (hydration mismatches included), no outside requests');
    }
  });
  test('the releases file found by require.context: the switch recolours a cell; the deep dive says works since', async () => {
    const options = [...releasesHtml.matchAll(/<option value="([^"]*)"/g)].map((m) => m[1]);
    assert.deepEqual(options, ['daily', '1.110.2', '1.108.7', '1.106.12']);
    assert.match(releasesHtml, /2 cells changed since the previous run with LiteLLM 1\.108\.7 → 1\.110\.2:/);
    assert.doesNotMatch(releasesHtml, /compat-releases-error/);
    const s = await h.newPage(DESKTOP);
    const { page } = s;
    await page.clock.setFixedTime(Date.parse('2026-12-06T07:00:00Z'));
    await page.goto(h.url(RELEASES_PAGE_PATH));
    await page.waitForFunction(() => document.querySelector('[data-testid="compat-banner"] time')?.dataset.relative === 'true');
    const cell = 'tr[data-feature="tool_use"] td[data-provider="bedrock_invoke"]';
    assert.equal(await page.$eval(cell, (td) => td.dataset.status), 'pass');
    await page.getByLabel('LiteLLM release:').selectOption('1.106.12');
    await page.locator('[data-testid="release-switch"][data-switched="true"]').waitFor();
    const look = await page.$eval(cell, (td) => [td.dataset.status, getComputedStyle(td).backgroundColor]);
    assert.deepEqual([look[0], hueName(look[1])], ['fail', 'red']);
    await page.click(`${cell} button`);
    const dialog = page.locator('[role="dialog"][data-positioned="true"]');
    await dialog.waitFor({ state: 'visible' });
    assert.match(await dialog.getByTestId('deep-dive-releases').innerText(), /Claude Haiku 4\.5: Works since LiteLLM 1\.108\.7 \(broken in 1\.106\.12\)/);
    await page.screenshot({ path: screenshotPath('desktop-docusaurus-releases') });
    await h.closeContext(s.context);
    assert.deepEqual(s.problems, [], 'no console errors (hydration mismatches included), no outside requests');
  });
});
