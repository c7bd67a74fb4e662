/**
 * End-to-end, schema v2: the deep dive (mouse, keyboard, touch), row
 * descriptions, the amber and red freshness banners, the behind-version
 * notice, the changed-cell marks, and the 15 x 9 matrix, in headless
 * Chromium at 1280x800 and 390x844. Screenshots go to
 * test-results/screenshots/ (names start with desktop-v2- / phone-v2-).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DESKTOP, Harness, PHONE, hueName, loadFixture, screenshotPath, waitForHydration } from './harness.mjs';

/** Rows x columns of the wide fixture (a copy of the sim baseline, which grows with the matrix). */
async function wideCellCount() {
  const m = await loadFixture('v2-wide-compatibility-matrix.json');
  return m.features.length * m.providers.length;
}

const GENERATED_AT = Date.parse('2026-11-25T10:00:00Z');
const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;
const REPO = 'https://github.com/claude-compat-matrix/claude-compat-matrix';
const COMMIT = '8b2c0d7e4f1a9c3b5d6e7f8091a2b3c4d5e6f708';

const h = new Harness();
let v2;

before(async () => {
  v2 = await loadFixture('v2-compatibility-matrix.json');
  await h.start();
});

after(async () => {
  await h.stop();
});

async function open(device, name, { now = GENERATED_AT + 2 * HOUR, query = '' } = {}) {
  const session = await h.newPage(device, { timezoneId: 'UTC' });
  await session.page.clock.setFixedTime(now);
  await session.page.goto(h.url(name, query));
  await waitForHydration(session.page);
  return session;
}

async function finish({ context, problems }) {
  await h.closeContext(context);
  assert.deepEqual(problems, [], 'no console errors or warnings, no requests outside 127.0.0.1');
}

const cellButton = (feature, provider) => `tr[data-feature="${feature}"] td[data-provider="${provider}"] button`;
const rowButton = (feature) => `tr[data-feature="${feature}"] th button`;

/** Where focus is: 'dialog' (inside the open panel), a cell 'feature/provider', a row 'row:feature', or a tag. */
function focusWhere(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    if (el.closest('[role="dialog"]')) return 'dialog';
    const td = el.closest('td');
    if (td) return `${td.closest('tr').dataset.feature}/${td.dataset.provider}`;
    const th = el.closest('th[scope="row"]');
    if (th) return `row:${th.closest('tr').dataset.feature}`;
    return el.tagName.toLowerCase();
  });
}

/** The open dialog, checked for its accessible name and that it sits inside the viewport. */
async function openDialog(page, testId, { width, height }) {
  const dialog = page.locator(`[role="dialog"][data-testid="${testId}"][data-positioned="true"]`);
  await dialog.waitFor({ state: 'visible' });
  const labelId = await dialog.getAttribute('aria-labelledby');
  assert.ok(labelId, 'the dialog is labelled');
  const label = await page.locator(`[id="${labelId}"]`).innerText();
  const box = await dialog.boundingBox();
  assert.ok(
    box.x >= 0 && box.y >= 0 && box.x + box.width <= width + 0.5 && box.y + box.height <= height + 0.5,
    `dialog inside the ${width}x${height} viewport: ${JSON.stringify(box)}`,
  );
  return { dialog, label, box };
}

async function readV2Cells(page) {
  return page.$$eval('tbody td', (tds) =>
    tds.map((td) => {
      const icon = td.querySelector('button > [aria-hidden="true"]');
      const marks = [...td.querySelectorAll('[data-model-status]')].map((m) => ({
        status: m.dataset.modelStatus,
        glyph: m.querySelector('[aria-hidden="true"]').textContent,
        text: m.textContent,
        width: m.getBoundingClientRect().width,
      }));
      const r = td.getBoundingClientRect();
      return {
        feature: td.closest('tr').dataset.feature,
        provider: td.dataset.provider,
        status: td.dataset.status,
        changed: td.dataset.changed === 'true',
        icon: icon ? icon.textContent : null,
        name: td.querySelector('button').textContent,
        marks,
        background: getComputedStyle(td).backgroundColor,
        width: r.width,
        top: Math.round(r.top),
      };
    }),
  );
}

describe('desktop (1280x800), schema v2', () => {
  test('renders every status with its own colour, icon and words; three marks per tested cell', async () => {
    const s = await open(DESKTOP, 'v2');
    const { page } = s;
    const cells = await readV2Cells(page);
    assert.equal(cells.length, 30);
    const byStatus = new Map();
    for (const c of cells) {
      const where = `${c.feature}/${c.provider}`;
      const expected = v2.features.find((f) => f.id === c.feature).providers[c.provider];
      assert.equal(c.status, expected.status, where);
      if (!byStatus.has(c.status)) byStatus.set(c.status, c);
      else assert.equal(c.background, byStatus.get(c.status).background, `${where}: one colour per status`);
      if (expected.models) {
        assert.equal(c.marks.length, 3, `${where}: three model marks`);
        for (const m of c.marks) assert.ok(m.width > 8, `${where}: mark visible`);
        const haiku = expected.models['claude-haiku-4-5'].status;
        assert.equal(c.marks[0].status, haiku, `${where}: first mark is Claude Haiku 4.5`);
        assert.match(c.marks[0].text, /Claude Haiku 4\.5: /);
      } else assert.equal(c.marks.length, 0);
    }
    assert.equal(byStatus.size, 7, 'all seven statuses');
    const colours = [...byStatus.values()].map((c) => c.background);
    assert.equal(new Set(colours).size, 7, `seven distinct colours: ${colours}`);
    const icons = [...byStatus.values()].map((c) => c.icon);
    assert.equal(new Set(icons).size, 7, `seven distinct icons: ${icons}`);
    assert.equal(hueName(byStatus.get('pass').background), 'green');
    assert.equal(hueName(byStatus.get('fail').background), 'red');
    // Words for each status in the cell's accessible text.
    assert.match(byStatus.get('partial').name, /Partial/);
    assert.match(byStatus.get('unverified').name, /Unverified/);

    const legend = await page.$$eval('ul[aria-label="Legend"] li', (lis) => lis.map((li) => li.dataset.status || li.dataset.legend));
    assert.deepEqual(legend, ['pass', 'flaky', 'partial', 'fail', 'unverified', 'not_applicable', 'not_tested', 'marks', 'inferred', 'summary', 'changed']);
    const fits = await page.$eval('[data-testid="compat-scroller"]', (el) => el.scrollWidth <= el.clientWidth);
    assert.ok(fits, 'the table fits the desktop width');
    await page.screenshot({ path: screenshotPath('desktop-v2-matrix'), fullPage: true });
    await finish(s);
  });

  test('deep dive by mouse: per-model status, class, error, attempts, duration, source and logs links', async () => {
    const s = await open(DESKTOP, 'v2');
    const { page } = s;
    const sel = cellButton('tool_use', 'bedrock_converse');
    assert.equal(await page.getAttribute(sel, 'aria-expanded'), 'false');
    await page.click(sel);
    const { dialog, label } = await openDialog(page, 'cell-deep-dive', DESKTOP.viewport);
    assert.equal(label, 'Tool use on Bedrock (Converse)');
    assert.equal(await page.getAttribute(sel, 'aria-expanded'), 'true');
    assert.equal(await focusWhere(page), 'dialog', 'focus moved into the panel');
    const text = await dialog.innerText();
    assert.match(text, /Partial\s+Works on Claude Sonnet 4\.6 and Claude Opus 4\.7; the gateway broke it on Claude Haiku 4\.5\./);
    assert.match(text, /Changed from pass on 2026-11-25/);
    const haiku = dialog.locator('li[data-model="claude-haiku-4-5"]');
    const haikuText = await haiku.innerText();
    assert.match(haikuText, /Claude Haiku 4\.5: Fail · 1 attempt · 2\.1 s/);
    assert.match(haikuText, /Failure class: Incompatible: the gateway broke the feature/);
    assert.match(haikuText, /provider rejected what the gateway sent \(400\)/);
    assert.match(await dialog.locator('li[data-model="claude-sonnet-4-6"]').innerText(), /Claude Sonnet 4\.6: Pass · 1 attempt · 1\.7 s/);
    // The error's first lines show; the rest opens on demand.
    const rest = haiku.locator('details pre');
    assert.equal(await rest.isVisible(), false);
    assert.doesNotMatch(await haiku.innerText(), /hint: the gateway dropped/);
    await haiku.locator('summary').click();
    await rest.waitFor({ state: 'visible' });
    assert.match(await rest.innerText(), /hint: the gateway dropped the assistant tool_use block/);
    // Links to the case and its check at the commit that ran, and to the run's logs.
    assert.equal(await dialog.getByTestId('source-case').getAttribute('href'), `${REPO}/blob/${COMMIT}/compat-tests/tool_use/bedrock_converse.rs`);
    assert.equal(await dialog.getByTestId('source-check').getAttribute('href'), `${REPO}/blob/${COMMIT}/compat-tests/tool_use/check.rs`);
    assert.equal(await dialog.getByTestId('run-logs').getAttribute('href'), v2.context.run_url);
    await page.screenshot({ path: screenshotPath('desktop-v2-deep-dive-mouse') });

    // The close button closes it and gives focus back to the cell.
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await focusWhere(page), 'tool_use/bedrock_converse');
    assert.equal(await page.getAttribute(sel, 'aria-expanded'), 'false');

    // An unverified cell: no verdict, the previous one and its date; the class in words.
    await page.click(cellButton('prompt_caching_5m', 'vertex_ai'));
    const u = await openDialog(page, 'cell-deep-dive', DESKTOP.viewport);
    const utext = await u.dialog.innerText();
    assert.match(utext, /Last verified pass on 2026-11-23/);
    assert.match(utext, /Failure class: Upstream unavailable: the provider could not serve \(quota, credentials, outage\), so no verdict/);
    assert.match(utext, /3 attempts · 1 min 1 s/);
    await page.screenshot({ path: screenshotPath('desktop-v2-deep-dive-unverified') });
    // A click elsewhere closes it.
    await page.mouse.click(5, 5);
    await u.dialog.waitFor({ state: 'detached' });

    // A flaky cell keeps the first error of the retried model.
    await page.click(cellButton('basic_messaging_streaming', 'vertex_ai'));
    const f = await openDialog(page, 'cell-deep-dive', DESKTOP.viewport);
    assert.match(await f.dialog.locator('li[data-model="claude-sonnet-4-6"]').innerText(), /Flaky \(passed on a retry\) · 2 attempts[\s\S]*First attempt failed:[\s\S]*529/);
    await finish(s);
  });

  test('deep dive by keyboard: Enter and Space open it, focus stays inside, Escape closes and returns focus', async () => {
    const s = await open(DESKTOP, 'v2');
    const { page } = s;
    // Tab from the top of the page reaches the cells in reading order.
    await page.mouse.move(5, 795);
    let where = null;
    for (let i = 0; i < 20 && where !== 'tool_use/azure'; i++) {
      await page.keyboard.press('Tab');
      where = await focusWhere(page);
    }
    assert.equal(where, 'tool_use/azure', 'Tab reaches the cell');
    await page.keyboard.press('Enter');
    const { dialog, label } = await openDialog(page, 'cell-deep-dive', DESKTOP.viewport);
    assert.equal(label, 'Tool use on Azure');
    assert.equal(await focusWhere(page), 'dialog');
    assert.match(await dialog.innerText(), /Fail\s+The gateway broke this feature on every model that reached a verdict\./);
    // Tab cycles inside the panel (links, disclosure, close button) and never leaves it.
    const seen = new Set();
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      assert.equal(await focusWhere(page), 'dialog', `Tab ${i + 1} stays in the panel`);
      seen.add(await page.evaluate(() => document.activeElement.textContent.trim().slice(0, 40)));
    }
    assert.ok(seen.has('Close'), `the close button is reachable: ${[...seen]}`);
    await page.keyboard.press('Shift+Tab');
    assert.equal(await focusWhere(page), 'dialog');
    await page.screenshot({ path: screenshotPath('desktop-v2-deep-dive-keyboard') });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await focusWhere(page), 'tool_use/azure', 'focus is back on the cell');

    // Space opens it as well; Enter on the close button closes it.
    await page.keyboard.press('Space');
    const again = await openDialog(page, 'cell-deep-dive', DESKTOP.viewport);
    await again.dialog.getByRole('button', { name: 'Close' }).focus();
    await page.keyboard.press('Enter');
    await again.dialog.waitFor({ state: 'detached' });
    assert.equal(await focusWhere(page), 'tool_use/azure');
    await finish(s);
  });

  test('row names open their description with links (mouse and keyboard)', async () => {
    const s = await open(DESKTOP, 'v2');
    const { page } = s;
    await page.click(rowButton('tool_use'));
    const { dialog, label } = await openDialog(page, 'row-description', DESKTOP.viewport);
    assert.equal(label, 'Tool use');
    const text = await dialog.innerText();
    assert.match(text, /tool result survive the round trip/);
    const links = await dialog.locator('a').evaluateAll((as) => as.map((a) => [a.textContent, a.getAttribute('href')]));
    assert.deepEqual(
      links,
      v2.features.find((f) => f.id === 'tool_use').links.map((l) => [l.title, l.url]),
    );
    await page.screenshot({ path: screenshotPath('desktop-v2-row-description') });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await focusWhere(page), 'row:tool_use');
    await page.keyboard.press('Enter');
    const again = await openDialog(page, 'row-description', DESKTOP.viewport);
    assert.equal(await focusWhere(page), 'dialog');
    await page.keyboard.press('Escape');
    await again.dialog.waitFor({ state: 'detached' });
    assert.equal(await focusWhere(page), 'row:tool_use');
    await finish(s);
  });

  test('freshness: no warning at 2 h, amber past 36 h, red past 72 h, in words', async () => {
    const fresh = await open(DESKTOP, 'v2', { now: GENERATED_AT + 2 * HOUR });
    assert.equal(await fresh.page.getAttribute('[data-testid="compat-banner"]', 'data-freshness'), 'fresh');
    assert.equal(await fresh.page.getByTestId('compat-freshness').count(), 0);
    await finish(fresh);

    for (const [age, level, words, hue, shot] of [
      [40 * HOUR, 'stale', 'Stale: last run 1 day ago', 'yellow', 'desktop-v2-banner-amber'],
      [4 * DAY, 'very_stale', 'Very stale: last run 4 days ago; the daily run has not published since', 'red', 'desktop-v2-banner-red'],
    ]) {
      const s = await open(DESKTOP, 'v2', { now: GENERATED_AT + age });
      const { page } = s;
      const banner = page.getByTestId('compat-banner');
      assert.equal(await banner.getAttribute('data-freshness'), level);
      assert.equal((await page.getByTestId('compat-freshness').innerText()).replace(/^\W+/, ''), words);
      const border = await banner.evaluate((el) => getComputedStyle(el).borderLeftColor);
      assert.equal(hueName(border), hue, `banner edge ${border}`);
      await page.screenshot({ path: screenshotPath(shot), clip: { x: 0, y: 0, width: 1280, height: 220 } });
      await finish(s);
    }
  });

  test('freshness applies to a v1 matrix too', async () => {
    const s = await open(DESKTOP, 'sample', { now: GENERATED_AT + 50 * HOUR });
    assert.equal(await s.page.getAttribute('[data-testid="compat-banner"]', 'data-freshness'), 'stale');
    assert.match(await s.page.getByTestId('compat-freshness').innerText(), /Stale: last run 2 days ago/);
    await finish(s);
  });

  test('versions: Claude Code N releases behind, LiteLLM the latest stable', async () => {
    const s = await open(DESKTOP, 'v2');
    const { page } = s;
    const banner = page.getByTestId('compat-banner');
    const text = await banner.innerText();
    assert.match(text, /Claude Code 2\.1\.120 ⚠ 3 releases behind \(latest 2\.1\.123\)/);
    assert.match(text, /LiteLLM v1\.83\.0-stable ✓ latest/);
    assert.equal(await page.getByTestId('compat-claude-code-notice').getAttribute('data-kind'), 'behind');
    assert.equal(await page.getByTestId('compat-litellm-notice').getAttribute('data-kind'), 'latest');
    await page.screenshot({ path: screenshotPath('desktop-v2-version-behind'), clip: { x: 0, y: 0, width: 1280, height: 220 } });
    await finish(s);
  });

  test('changed cells carry a visible mark, its words, and a summary of every flip', async () => {
    const s = await open(DESKTOP, 'v2');
    const { page } = s;
    const cells = await readV2Cells(page);
    const changed = cells.filter((c) => c.changed).map((c) => `${c.feature}/${c.provider}`);
    assert.deepEqual(changed, ['basic_messaging_streaming/vertex_ai', 'tool_use/bedrock_converse', 'prompt_caching_5m/bedrock_converse', 'extended_thinking/anthropic']);
    const marks = await page.$$eval('[data-testid="changed-mark"]', (els) =>
      els.map((el) => ({ glyph: el.querySelector('[aria-hidden="true"]').textContent, text: el.textContent, w: el.getBoundingClientRect().width })),
    );
    assert.equal(marks.length, 4);
    for (const m of marks) {
      assert.equal(m.glyph, 'Δ');
      assert.ok(m.w > 8, 'the mark is visible');
      assert.match(m.text, /Changed from (pass|partial|fail) on 2026-11-25/);
    }
    const marksInside = await page.$$eval('[data-testid="changed-mark"], [data-testid="model-marks"]', (els) =>
      els.every((m) => {
        const r = m.getBoundingClientRect();
        const t = m.closest('td').getBoundingClientRect();
        return r.left >= t.left - 0.5 && r.right <= t.right + 0.5 && r.top >= t.top - 0.5 && r.bottom <= t.bottom + 0.5;
      }),
    );
    assert.ok(marksInside, 'the change and model marks sit inside their cells');
    const summary = await page.getByTestId('compat-changes').innerText();
    assert.match(summary, /4 cells changed since the previous run/);
    assert.match(summary, /Extended thinking on Anthropic: fail → pass/);
    await page.screenshot({ path: screenshotPath('desktop-v2-changed-cells'), fullPage: true });
    await finish(s);
  });

  test('the real sim matrix (golden/sim-baseline.json, 19 x 11): every cell readable at 1280 px, route names in the headers', async () => {
    const s = await open(DESKTOP, 'v2wide');
    const { page } = s;
    const cells = await readV2Cells(page);
    assert.equal(cells.length, await wideCellCount());
    for (const c of cells) assert.ok(c.width >= 60, `${c.feature}/${c.provider} is ${c.width}px wide`);
    const head = (await page.locator('thead').innerText()).replace(/\s+/g, ' ');
    for (const name of ['Bedrock (pass-through)', 'Bedrock Mantle', 'Anthropic (LiteLLM Rust path)']) {
      assert.ok(head.includes(name), `header ${name} in: ${head}`);
    }
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no page-level sideways scroll');
    await page.screenshot({ path: screenshotPath('desktop-v2-wide'), fullPage: true });
    await finish(s);
  });

  test('15 x 9 with the pass-through columns: fits 1280 px, headers say the route', async () => {
    const s = await open(DESKTOP, 'v2passthrough');
    const { page } = s;
    const cells = await readV2Cells(page);
    assert.equal(cells.length, 135);
    for (const c of cells) assert.ok(c.width >= 60, `${c.feature}/${c.provider} is ${c.width}px wide`);
    const head = await page.locator('thead').innerText();
    for (const name of ['Bedrock (pass-through)', 'Vertex AI (pass-through)', 'Azure AI (pass-through)']) {
      assert.ok(head.replace(/\s+/g, ' ').includes(name), `header ${name} in: ${head}`);
    }
    const fits = await page.$eval('[data-testid="compat-scroller"]', (el) => el.scrollWidth <= el.clientWidth);
    assert.ok(fits, 'no sideways scrolling at 1280 px');
    await page.screenshot({ path: screenshotPath('desktop-v2-passthrough'), fullPage: true });
    await finish(s);
  });

  test('15 x 9: fits 1280 px, every cell readable, a deep dive in the far corner stays on screen', async () => {
    const s = await open(DESKTOP, 'v2large');
    const { page } = s;
    const cells = await readV2Cells(page);
    assert.equal(cells.length, 135);
    for (const c of cells) assert.ok(c.width >= 60, `${c.feature}/${c.provider} is ${c.width}px wide`);
    const rows = new Map();
    for (const c of cells) rows.set(c.feature, (rows.get(c.feature) || new Set()).add(c.top));
    for (const [f, tops] of rows) assert.equal(tops.size, 1, `${f}: one line`);
    const fits = await page.$eval('[data-testid="compat-scroller"]', (el) => el.scrollWidth <= el.clientWidth);
    assert.ok(fits, 'no sideways scrolling at 1280 px');
    await page.screenshot({ path: screenshotPath('desktop-v2-large'), fullPage: true });
    const sel = cellButton('mcp_connector', 'snowflake');
    await page.locator(sel).scrollIntoViewIfNeeded();
    await page.click(sel);
    const { label } = await openDialog(page, 'cell-deep-dive', DESKTOP.viewport);
    assert.equal(label, 'MCP connector on snowflake');
    await page.screenshot({ path: screenshotPath('desktop-v2-large-deep-dive') });
    await finish(s);
  });

  test("the real builder's output (no context, descriptions or history): no links, notices or marks it cannot back", async () => {
    const s = await open(DESKTOP, 'v2builder');
    const { page } = s;
    assert.equal(await page.locator('tbody td').count(), 6);
    assert.equal(await page.locator('tbody th button').count(), 0, 'no description: row names are plain text');
    assert.equal(await page.locator('[data-testid="changed-mark"]').count(), 0);
    assert.equal(await page.getByTestId('compat-changes').count(), 0);
    assert.equal(await page.getByTestId('compat-claude-code-notice').count(), 0, 'no context: no version notice');
    await page.click(cellButton('basic_messaging_streaming', 'anthropic'));
    const { dialog } = await openDialog(page, 'cell-deep-dive', DESKTOP.viewport);
    const text = await dialog.innerText();
    assert.match(text, /Unverified\s+No verdict this run\./);
    assert.match(text, /Last verified pass on 2026-11-23/);
    assert.match(await dialog.locator('li[data-model="claude-opus-4-7"]').innerText(), /Failure class: Test harness: a problem on our side/);
    assert.equal(await dialog.locator('a').count(), 0, 'no source or logs links without a context');
    await page.screenshot({ path: screenshotPath('desktop-v2-builder-output') });
    await finish(s);
  });

  test('a red resting only on inferred simulator rules: a mark readable without colour, and the deep dive says so', async () => {
    const s = await open(DESKTOP, 'v2evidence');
    const { page } = s;
    const marks = page.locator('[data-testid="inferred-mark"]');
    assert.equal(await marks.count(), 2, 'tool_use x anthropic (fail) and basic_messaging_streaming x vertex_ai (partial)');
    const anthropic = page.locator('tr[data-feature="tool_use"] td[data-provider="anthropic"]');
    const mark = anthropic.locator('[data-testid="inferred-mark"]');
    assert.equal((await mark.locator('[aria-hidden="true"]').innerText()).trim(), '†');
    assert.match(await mark.innerText(), /Rests on an unverified simulator rule: foundry\.requires_anthropic_version; a live probe settles it\./);
    const box = await mark.boundingBox();
    assert.ok(box.width >= 12 && box.height >= 12, `mark ${JSON.stringify(box)}`);
    // Readable without colour: the glyph, not a hue, carries it (black on white).
    const look = await mark.evaluate((el) => ({ c: getComputedStyle(el).color, b: getComputedStyle(el).backgroundColor }));
    assert.notEqual(look.c, look.b);
    // A red with a documented rule, or decided by the gateway alone, has none.
    for (const p of ['bedrock_converse', 'vertex_ai']) {
      assert.equal(await page.locator(`tr[data-feature="tool_use"] td[data-provider="${p}"] [data-testid="inferred-mark"]`).count(), 0, p);
    }
    assert.match(await page.locator('[data-legend="inferred"]').innerText(), /Unverified rule/);
    await page.click(cellButton('tool_use', 'anthropic'));
    const { dialog } = await openDialog(page, 'cell-deep-dive', DESKTOP.viewport);
    assert.match(
      await dialog.getByTestId('deep-dive-inferred').innerText(),
      /Rests on an unverified simulator rule: foundry\.requires_anthropic_version; a live probe settles it\./,
    );
    const ev = dialog.locator('li[data-model="claude-opus-4-7"] [data-testid="model-evidence"]');
    assert.equal(await ev.getAttribute('data-evidence-kind'), 'inferred');
    await page.screenshot({ path: screenshotPath('desktop-v2-inferred') });
    await page.keyboard.press('Escape');
    await page.click(cellButton('basic_messaging_streaming', 'bedrock_converse'));
    const env = await openDialog(page, 'cell-deep-dive', DESKTOP.viewport);
    assert.match(await env.dialog.innerText(), /Failure class: Sim environment: .*a live run settles it/);
    await finish(s);
  });

  test('dark theme: the seven statuses stay distinct', async () => {
    const s = await open(DESKTOP, 'v2', { query: '?theme=dark' });
    const cells = await readV2Cells(s.page);
    const by = new Map(cells.map((c) => [c.status, c.background]));
    assert.equal(new Set(by.values()).size, 7);
    await s.page.click(cellButton('tool_use', 'bedrock_converse'));
    await openDialog(s.page, 'cell-deep-dive', DESKTOP.viewport);
    await s.page.screenshot({ path: screenshotPath('desktop-v2-dark'), fullPage: true });
    await finish(s);
  });
});

describe('phone (390x844), schema v2', () => {
  test('the table scrolls sideways, the page does not; marks stay readable', async () => {
    const s = await open(PHONE, 'v2');
    const { page } = s;
    const m = await page.getByTestId('compat-scroller').evaluate((el) => ({
      scrollWidth: el.scrollWidth,
      clientWidth: el.clientWidth,
      doc: document.documentElement.scrollWidth,
      inner: window.innerWidth,
    }));
    assert.ok(m.scrollWidth > m.clientWidth, JSON.stringify(m));
    assert.ok(m.doc <= m.inner, `no page-level sideways scroll: ${JSON.stringify(m)}`);
    const cells = await readV2Cells(page);
    for (const c of cells) for (const mk of c.marks) assert.ok(mk.width >= 12, `${c.feature}/${c.provider} mark ${mk.width}px`);
    await page.screenshot({ path: screenshotPath('phone-v2-matrix'), fullPage: true });
    await finish(s);
  });

  test('deep dive by tap fits the screen and closes with its button', async () => {
    const s = await open(PHONE, 'v2');
    const { page } = s;
    const sel = cellButton('prompt_caching_5m', 'bedrock_converse');
    await page.locator(sel).scrollIntoViewIfNeeded();
    await page.tap(sel);
    const { dialog, label } = await openDialog(page, 'cell-deep-dive', PHONE.viewport);
    assert.equal(label, 'Prompt caching (5 min) on Bedrock (Converse)');
    assert.match(await dialog.innerText(), /Changed from partial on 2026-11-25/);
    await page.screenshot({ path: screenshotPath('phone-v2-deep-dive') });
    await dialog.getByRole('button', { name: 'Close' }).tap();
    await dialog.waitFor({ state: 'detached' });
    await finish(s);
  });

  test('a red resting only on inferred rules: the mark and the deep dive fit a phone', async () => {
    const s = await open(PHONE, 'v2evidence');
    const { page } = s;
    const sel = cellButton('basic_messaging_streaming', 'vertex_ai');
    await page.locator(sel).scrollIntoViewIfNeeded();
    const mark = page.locator('tr[data-feature="basic_messaging_streaming"] td[data-provider="vertex_ai"] [data-testid="inferred-mark"]');
    const box = await mark.boundingBox();
    assert.ok(box && box.width >= 12 && box.height >= 12, `mark ${JSON.stringify(box)}`);
    await page.tap(sel);
    const { dialog } = await openDialog(page, 'cell-deep-dive', PHONE.viewport);
    assert.match(await dialog.getByTestId('deep-dive-inferred').innerText(), /Rests on an unverified simulator rule: betas\.vertex; a live probe settles it\./);
    await page.screenshot({ path: screenshotPath('phone-v2-inferred') });
    await dialog.getByRole('button', { name: 'Close' }).tap();
    await dialog.waitFor({ state: 'detached' });
    await finish(s);
  });

  test('row description by tap fits the screen', async () => {
    const s = await open(PHONE, 'v2');
    const { page } = s;
    await page.tap(rowButton('prompt_caching_5m'));
    const { dialog } = await openDialog(page, 'row-description', PHONE.viewport);
    assert.match(await dialog.innerText(), /cache_read_input_tokens > 0/);
    await page.screenshot({ path: screenshotPath('phone-v2-row-description') });
    await finish(s);
  });

  test('red banner and version notice wrap inside the screen', async () => {
    const s = await open(PHONE, 'v2', { now: GENERATED_AT + 4 * DAY });
    const { page } = s;
    const banner = page.getByTestId('compat-banner');
    assert.equal(await banner.getAttribute('data-freshness'), 'very_stale');
    assert.match(await banner.innerText(), /Very stale: last run 4 days ago[\s\S]*3 releases behind \(latest 2\.1\.123\)/);
    const box = await banner.boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 390, JSON.stringify(box));
    await page.screenshot({ path: screenshotPath('phone-v2-banner-red'), clip: { x: 0, y: 0, width: 390, height: 330 } });
    await finish(s);
  });

  test('the real sim matrix (19 x 11): cells readable on a phone, no page-level sideways scroll', async () => {
    const s = await open(PHONE, 'v2wide');
    const { page } = s;
    const cells = await readV2Cells(page);
    assert.equal(cells.length, await wideCellCount());
    for (const c of cells) assert.ok(c.width >= 60, `${c.feature}/${c.provider} is ${c.width}px wide`);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no page-level sideways scroll');
    await page.screenshot({ path: screenshotPath('phone-v2-wide'), fullPage: true });
    await finish(s);
  });

  test('15 x 9 with the pass-through columns: cells readable, no page-level sideways scroll', async () => {
    const s = await open(PHONE, 'v2passthrough');
    const { page } = s;
    const cells = await readV2Cells(page);
    assert.equal(cells.length, 135);
    for (const c of cells) assert.ok(c.width >= 60, `${c.feature}/${c.provider} is ${c.width}px wide`);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no page-level sideways scroll');
    await page.screenshot({ path: screenshotPath('phone-v2-passthrough'), fullPage: true });
    await finish(s);
  });

  test('15 x 9: rows stay on one line, cells readable, sticky feature names', async () => {
    const s = await open(PHONE, 'v2large');
    const { page } = s;
    const cells = await readV2Cells(page);
    assert.equal(cells.length, 135);
    for (const c of cells) assert.ok(c.width >= 60, `${c.feature}/${c.provider} is ${c.width}px wide`);
    const sticky = await page.$eval('tbody th', (th) => getComputedStyle(th).position);
    assert.equal(sticky, 'sticky');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no page-level sideways scroll');
    await page.screenshot({ path: screenshotPath('phone-v2-large'), fullPage: true });
    await page.getByTestId('compat-scroller').evaluate((el) => {
      el.scrollLeft = el.scrollWidth;
    });
    await page.screenshot({ path: screenshotPath('phone-v2-large-scrolled') });
    await finish(s);
  });
});
