/**
 * End-to-end: the component in real headless Chromium, on a page built with
 * esbuild (server-rendered, then hydrated, like the docs build), at a desktop
 * and a phone viewport. Screenshots go to test-results/screenshots/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DESKTOP,
  Harness,
  PHONE,
  hueName,
  loadFixture,
  screenshotPath,
  waitForHydration,
} from './harness.mjs';

const GENERATED_AT = Date.parse('2026-11-25T10:00:00Z');
const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

const EXPECTED_HUE = { pass: 'green', fail: 'red', not_applicable: 'grey', not_tested: 'yellow' };
const EXPECTED_ICON = { pass: '✓', fail: '✗', not_applicable: '—', not_tested: '?' };
const EXPECTED_LABEL = { pass: 'Pass', fail: 'Fail', not_applicable: 'Not applicable', not_tested: 'Not tested' };
const PROVIDER_NAMES = ['Anthropic', 'Bedrock (Invoke)', 'Bedrock (Converse)', 'Vertex AI', 'Azure'];

const h = new Harness();
let sample;

before(async () => {
  sample = await loadFixture('sample-compatibility-matrix.json');
  await h.start();
});

after(async () => {
  await h.stop();
});

/** Opens a test page with the clock fixed at `now` and waits for hydration. */
async function open(device, name, { now = GENERATED_AT + 2 * HOUR, timezoneId = 'Asia/Tokyo', query = '', install = false } = {}) {
  const session = await h.newPage(device, { timezoneId });
  if (install) await session.page.clock.install({ time: now });
  else await session.page.clock.setFixedTime(now);
  await session.page.goto(h.url(name, query));
  await waitForHydration(session.page);
  return session;
}

const cellSelector = (feature, provider) => `tr[data-feature="${feature}"] td[data-provider="${provider}"]`;

/** The tooltip element a trigger points at through aria-describedby. */
async function describedTooltip(page, selector) {
  const id = await page.getAttribute(selector, 'aria-describedby');
  assert.ok(id, `${selector} has aria-describedby`);
  return page.locator(`[id="${id}"]`);
}

/** A touch swipe (finger moving left by `distance` px) through Chromium's real input pipeline. */
async function swipeLeft({ context, page }, from, distance) {
  const cdp = await context.newCDPSession(page);
  const x = Math.round(from.x);
  const y = Math.round(from.y);
  const steps = 12;
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y }] });
  for (let i = 1; i <= steps; i++) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: Math.round(x - (distance * i) / steps), y }] });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

/** Fails with the collected console errors / stray requests, then closes the context. */
async function finish({ context, problems }) {
  await h.closeContext(context);
  assert.deepEqual(problems, [], 'no console errors or warnings, no requests outside 127.0.0.1');
}

function expectedCells() {
  const out = [];
  for (const f of sample.features) {
    for (const p of sample.providers) {
      const cell = f.providers[p];
      const tooltip =
        cell.status === 'pass'
          ? 'Tested & passing'
          : cell.status === 'fail'
            ? cell.error
            : cell.status === 'not_applicable'
              ? cell.reason
              : 'No test for this combination yet.';
      out.push({ feature: f.id, provider: p, status: cell.status, tooltip });
    }
  }
  return out;
}

/** Reads every cell as the browser shows it. */
function readCells(page) {
  return page.$$eval('tbody td', (tds) =>
    tds.map((td) => {
      const tip = document.getElementById(td.getAttribute('aria-describedby'));
      const cs = getComputedStyle(td);
      const icon = td.querySelector('[aria-hidden="true"]');
      return {
        feature: td.closest('tr').dataset.feature,
        provider: td.dataset.provider,
        status: td.dataset.status,
        icon: icon ? icon.textContent : null,
        iconVisible: icon ? icon.getBoundingClientRect().width > 0 : false,
        label: td.textContent.replace(tip ? tip.textContent : '', ''),
        tooltip: tip ? tip.textContent : null,
        tooltipRole: tip ? tip.getAttribute('role') : null,
        background: cs.backgroundColor,
        color: cs.color,
        tabIndex: td.tabIndex,
      };
    }),
  );
}

describe('desktop (1280x800)', () => {
  test('renders the grid: order, icons, colours, descriptions', async () => {
    const s = await open(DESKTOP, 'sample');
    const { page } = s;
    const headers = await page.$$eval('thead th', (ths) => ths.map((th) => th.textContent));
    assert.deepEqual(headers, ['Feature', ...PROVIDER_NAMES]);
    const rows = await page.$$eval('tbody th[scope="row"]', (ths) => ths.map((th) => th.textContent));
    assert.deepEqual(
      rows,
      sample.features.map((f) => f.name),
    );

    const cells = await readCells(page);
    const expected = expectedCells();
    assert.equal(cells.length, expected.length);
    const seen = new Set();
    cells.forEach((c, i) => {
      const e = expected[i];
      const where = `${e.feature}/${e.provider}`;
      assert.equal(c.feature, e.feature, where);
      assert.equal(c.provider, e.provider, where);
      assert.equal(c.status, e.status, where);
      assert.equal(c.icon, EXPECTED_ICON[e.status], `${where} icon`);
      assert.ok(c.iconVisible, `${where} icon visible`);
      assert.ok(c.label.includes(EXPECTED_LABEL[e.status]), `${where} text label, got ${JSON.stringify(c.label)}`);
      assert.equal(c.tooltip, e.tooltip, `${where} tooltip`);
      assert.equal(c.tooltipRole, 'tooltip');
      assert.equal(hueName(c.background), EXPECTED_HUE[e.status], `${where} background ${c.background}`);
      assert.equal(c.color === c.background, false, `${where} text colour differs from background`);
      assert.equal(c.tabIndex, 0, `${where} focusable`);
      seen.add(c.status);
    });
    assert.equal(seen.size, 4, 'the sample shows all four statuses');

    // The legend uses the same colours and icons.
    const legend = await page.$$eval('ul[aria-label="Legend"] li', (lis) =>
      lis.map((li) => {
        const swatch = li.querySelector('[aria-hidden="true"]');
        return { status: li.dataset.status, icon: swatch.textContent, background: getComputedStyle(swatch).backgroundColor };
      }),
    );
    assert.deepEqual(
      legend.map((l) => [l.status, l.icon]),
      Object.keys(EXPECTED_HUE).map((st) => [st, EXPECTED_ICON[st]]),
    );
    for (const l of legend) {
      const cell = cells.find((c) => c.status === l.status);
      assert.equal(l.background, cell.background, `legend swatch for ${l.status} matches the cells`);
    }

    // Wide screen: everything fits, no sideways scrolling needed.
    const fits = await page.$eval('[data-testid="compat-scroller"]', (el) => el.scrollWidth <= el.clientWidth);
    assert.ok(fits, 'the table fits the desktop width');
    await page.screenshot({ path: screenshotPath('desktop-matrix'), fullPage: true });
    await finish(s);
  });

  test('tooltips on hover show the status text, inside the viewport', async () => {
    const s = await open(DESKTOP, 'sample');
    const { page } = s;
    const cases = [
      ['tool_use', 'azure'], // fail: the error naming the model
      ['vision', 'azure'], // not applicable: the reason
      ['basic_messaging_streaming', 'azure'], // not tested
      ['basic_messaging_non_streaming', 'anthropic'], // pass
    ];
    for (const [feature, provider] of cases) {
      const sel = cellSelector(feature, provider);
      const tip = await describedTooltip(page, sel);
      await assert.doesNotReject(tip.waitFor({ state: 'hidden' }), 'hidden before hover');
      await page.hover(sel);
      await tip.waitFor({ state: 'visible' });
      const cell = sample.features.find((f) => f.id === feature).providers[provider];
      const expected = { pass: 'Tested & passing', fail: cell.error, not_applicable: cell.reason, not_tested: 'No test for this combination yet.' }[cell.status];
      assert.equal(await tip.innerText(), expected, `${feature}/${provider}`);
      const box = await tip.boundingBox();
      const cellBox = await page.locator(sel).boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= 1280 && box.y >= 0 && box.y + box.height <= 800, `tooltip inside the viewport: ${JSON.stringify(box)}`);
      assert.ok(box.y >= cellBox.y + cellBox.height || box.y + box.height <= cellBox.y, 'tooltip does not cover its cell');
      if (feature === 'tool_use') {
        assert.match(await tip.innerText(), /claude-opus-4-7/, 'the failing model is named');
        await page.screenshot({ path: screenshotPath('desktop-tooltip-hover') });
      }
      await page.mouse.move(5, 795);
      await tip.waitFor({ state: 'hidden' });
    }
    await finish(s);
  });

  test('tooltips on keyboard focus; Tab reaches every cell; Escape dismisses', async () => {
    const s = await open(DESKTOP, 'sample');
    const { page } = s;
    await page.mouse.move(5, 795);
    // Tab through the page from the top: the timestamp, the scroll region, then the 30 cells in reading order.
    const order = [];
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const el = document.activeElement;
        if (!el || el === document.body) return null;
        if (el.tagName === 'TD') return `${el.closest('tr').dataset.feature}/${el.dataset.provider}`;
        return el.tagName.toLowerCase() + (el.getAttribute('role') ? `[${el.getAttribute('role')}]` : '');
      });
      if (focused === null) break;
      order.push(focused);
      if (focused === 'prompt_caching_5m/bedrock_converse') {
        const tip = await describedTooltip(page, cellSelector('prompt_caching_5m', 'bedrock_converse'));
        await tip.waitFor({ state: 'visible' });
        assert.match(await tip.innerText(), /^claude-haiku-4-5: cache_read_input_tokens was 0/);
        await page.screenshot({ path: screenshotPath('desktop-tooltip-focus') });
        await page.keyboard.press('Escape');
        await tip.waitFor({ state: 'hidden' });
      }
    }
    const cellOrder = expectedCells().map((c) => `${c.feature}/${c.provider}`);
    assert.deepEqual(order.slice(0, 2), ['time', 'div[region]']);
    assert.deepEqual(order.slice(2, 32), cellOrder);

    // Focus alone (no hover) opens it, blur closes it.
    const sel = cellSelector('extended_thinking', 'bedrock_converse');
    const tip = await describedTooltip(page, sel);
    await page.focus(sel);
    await tip.waitFor({ state: 'visible' });
    assert.equal(await tip.innerText(), 'The Converse API does not pass thinking blocks through to Claude Code.');
    await page.evaluate(() => document.activeElement.blur());
    await tip.waitFor({ state: 'hidden' });
    await finish(s);
  });

  test('banner: relative time, local-zone timestamp on hover and focus, versions', async () => {
    const s = await open(DESKTOP, 'sample', { now: GENERATED_AT + 2 * HOUR + 5 * 60 * 1000, timezoneId: 'Asia/Tokyo' });
    const { page } = s;
    const banner = page.getByTestId('compat-banner');
    const time = banner.locator('time');
    assert.equal(await time.getAttribute('data-relative'), 'true');
    assert.equal(await time.getAttribute('datetime'), '2026-11-25T10:00:00Z');
    const visibleText = await banner.innerText();
    assert.match(visibleText, /Last updated 2 hours ago/);
    assert.match(visibleText, /LiteLLM v1\.83\.0-stable/);
    assert.match(visibleText, /Claude Code 2\.1\.120/);

    const tip = await describedTooltip(page, '[data-testid="compat-banner"] time');
    await tip.waitFor({ state: 'hidden' });
    await time.hover();
    await tip.waitFor({ state: 'visible' });
    const text = await tip.innerText();
    assert.match(text, /Wednesday, November 25, 2026 at 7:00:00\sPM GMT\+9/, text);
    assert.match(text, /Your time zone: Asia\/Tokyo/, text);
    assert.match(text, /2026-11-25 10:00:00 UTC/, text);
    await page.screenshot({ path: screenshotPath('desktop-banner-tooltip'), clip: { x: 0, y: 0, width: 1280, height: 260 } });
    await page.mouse.move(5, 795);
    await tip.waitFor({ state: 'hidden' });
    await time.focus();
    await tip.waitFor({ state: 'visible' });
    await finish(s);
  });

  test('banner: an old matrix shows an absolute date in the reader zone', async () => {
    // 30 days later, read from New York: the date is the local one.
    const s = await open(DESKTOP, 'sample', { now: GENERATED_AT + 30 * DAY, timezoneId: 'America/New_York' });
    const { page } = s;
    const time = page.locator('[data-testid="compat-banner"] time');
    assert.equal(await time.getAttribute('data-relative'), 'false');
    assert.equal((await time.evaluate((el) => el.firstChild.textContent)), 'on Nov 25, 2026');
    const tip = await describedTooltip(page, '[data-testid="compat-banner"] time');
    await time.hover();
    await tip.waitFor({ state: 'visible' });
    assert.match(await tip.innerText(), /5:00:00\sAM EST\nYour time zone: America\/New_York/);
    await finish(s);
  });

  test('banner: the relative time keeps up while the page stays open', async () => {
    const s = await open(DESKTOP, 'sample', { now: GENERATED_AT + 2 * HOUR, install: true });
    const { page } = s;
    const time = page.locator('[data-testid="compat-banner"] time');
    const shown = () => time.evaluate((el) => el.firstChild.textContent);
    assert.equal(await shown(), '2 hours ago');
    await page.clock.fastForward(61 * 60 * 1000);
    assert.equal(await shown(), '3 hours ago');
    await page.clock.fastForward(7 * DAY);
    assert.equal(await shown(), 'on Nov 25, 2026');
    await finish(s);
  });

  test('schema_version "3": an error placeholder, no table', async () => {
    const s = await open(DESKTOP, 'v3');
    const { page } = s;
    const alert = page.getByRole('alert');
    await alert.waitFor({ state: 'visible' });
    const text = await alert.innerText();
    assert.match(text, /The compatibility matrix cannot be shown\./);
    assert.match(text, /schema version "3"/);
    assert.equal(await page.locator('table').count(), 0);
    assert.equal(await page.locator('[data-testid="compat-banner"]').count(), 0);
    await page.screenshot({ path: screenshotPath('desktop-schema-mismatch'), fullPage: true });
    await finish(s);
  });

  test('a malformed v1 file: an error placeholder listing the problems', async () => {
    const s = await open(DESKTOP, 'malformed');
    const { page } = s;
    const alert = page.getByRole('alert');
    await alert.waitFor({ state: 'visible' });
    const text = await alert.innerText();
    assert.match(text, /malformed/);
    assert.match(text, /unknown status the string "flaky"/);
    assert.match(text, /providers\.vertex_ai is missing/);
    assert.equal(await page.locator('table').count(), 0);
    await page.screenshot({ path: screenshotPath('desktop-malformed'), fullPage: true });
    await finish(s);
  });

  test('dark theme keeps the status colours', async () => {
    const s = await open(DESKTOP, 'sample', { query: '?theme=dark' });
    const { page } = s;
    const cells = await readCells(page);
    for (const c of cells) assert.equal(hueName(c.background), EXPECTED_HUE[c.status], `${c.feature}/${c.provider} ${c.background}`);
    // Dark backgrounds with light text in dark mode.
    const luminance = (rgb) => {
      const [r, g, b] = /(\d+),\s*(\d+),\s*(\d+)/.exec(rgb).slice(1).map(Number);
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    for (const c of cells) assert.ok(luminance(c.background) < luminance(c.color), `${c.feature}/${c.provider}: dark background, light text`);
    const swatches = await page.$$eval('ul[aria-label="Legend"] li [aria-hidden="true"]', (els) => els.map((el) => getComputedStyle(el).backgroundColor));
    for (const bg of swatches) assert.ok(luminance(bg) < 128, `dark legend swatch ${bg}`);
    await page.screenshot({ path: screenshotPath('desktop-dark'), fullPage: true });
    await finish(s);
  });
});

describe('phone (390x844)', () => {
  test('the table scrolls sideways inside its wrapper and keeps its structure', async () => {
    const s = await open(PHONE, 'sample');
    const { page } = s;
    const scroller = page.getByTestId('compat-scroller');
    const m = await scroller.evaluate((el) => ({
      scrollWidth: el.scrollWidth,
      clientWidth: el.clientWidth,
      overflowX: getComputedStyle(el).overflowX,
      docScrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
    }));
    assert.ok(m.scrollWidth > m.clientWidth + 100, `the table is wider than the screen: ${JSON.stringify(m)}`);
    assert.equal(m.overflowX, 'auto');
    assert.ok(m.docScrollWidth <= m.innerWidth, `the page itself does not scroll sideways: ${JSON.stringify(m)}`);

    // Still a grid: each row has a header and five cells on one line, none squashed.
    const layout = await page.$$eval('tbody tr', (trs) =>
      trs.map((tr) => [...tr.children].map((c) => {
        const r = c.getBoundingClientRect();
        return { tag: c.tagName, top: Math.round(r.top), width: r.width };
      })),
    );
    assert.equal(layout.length, 6);
    for (const row of layout) {
      assert.deepEqual(row.map((c) => c.tag), ['TH', 'TD', 'TD', 'TD', 'TD', 'TD']);
      assert.equal(new Set(row.map((c) => c.top)).size, 1, 'cells of a row share a line');
      for (const c of row.slice(1)) assert.ok(c.width >= 70, `cell width ${c.width}`);
    }
    await page.screenshot({ path: screenshotPath('phone-matrix'), fullPage: true });

    // A real touch swipe to the left: Azure comes into view, the feature column stays put.
    const box = await scroller.boundingBox();
    await swipeLeft(s, { x: box.x + box.width * 0.8, y: box.y + box.height / 2 }, box.width * 0.7);
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid="compat-scroller"]');
      return el.scrollLeft > 0 && el.scrollLeft >= el.scrollWidth - el.clientWidth - 1;
    });
    const pageScrollX = await page.evaluate(() => window.scrollX);
    assert.equal(pageScrollX, 0, 'the swipe scrolled the table, not the page');
    const after = await page.evaluate(() => {
      const scroller = document.querySelector('[data-testid="compat-scroller"]').getBoundingClientRect();
      const rowHeader = document.querySelector('tbody tr[data-feature="tool_use"] th').getBoundingClientRect();
      const azure = document.querySelector('thead th[data-provider="azure"]').getBoundingClientRect();
      const hit = document.elementFromPoint(scroller.left + 20, rowHeader.top + rowHeader.height / 2);
      return {
        scrollerLeft: scroller.left,
        scrollerRight: scroller.right,
        rowHeaderLeft: rowHeader.left,
        azureLeft: azure.left,
        azureRight: azure.right,
        hitText: hit && hit.closest('th') ? hit.closest('th').textContent : null,
      };
    });
    assert.ok(Math.abs(after.rowHeaderLeft - after.scrollerLeft) <= 2, `sticky feature column: ${JSON.stringify(after)}`);
    assert.equal(after.hitText, 'Tool use', 'the feature name is on top of the scrolled cells');
    assert.ok(after.azureRight <= after.scrollerRight + 1 && after.azureLeft >= after.scrollerLeft, `Azure column visible: ${JSON.stringify(after)}`);
    await page.screenshot({ path: screenshotPath('phone-scrolled'), fullPage: true });
    await finish(s);
  });

  test('tapping a cell shows its tooltip within the screen', async () => {
    const s = await open(PHONE, 'sample');
    const { page } = s;
    const sel = cellSelector('tool_use', 'azure');
    await page.locator(sel).scrollIntoViewIfNeeded();
    await page.tap(sel);
    const tip = await describedTooltip(page, sel);
    await tip.waitFor({ state: 'visible' });
    assert.match(await tip.innerText(), /claude-opus-4-7/);
    const box = await tip.boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 390, `tooltip within the screen width: ${JSON.stringify(box)}`);
    await page.screenshot({ path: screenshotPath('phone-tooltip') });
    await finish(s);
  });

  test('banner wraps on a narrow screen and keeps the versions visible', async () => {
    const s = await open(PHONE, 'sample');
    const { page } = s;
    const banner = page.getByTestId('compat-banner');
    assert.match(await banner.innerText(), /Last updated 2 hours ago[\s\S]*LiteLLM v1\.83\.0-stable[\s\S]*Claude Code 2\.1\.120/);
    const box = await banner.boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 390, `banner within the screen: ${JSON.stringify(box)}`);
    await finish(s);
  });

  test('schema_version "3": the placeholder fits the screen', async () => {
    const s = await open(PHONE, 'v3');
    const { page } = s;
    const alert = page.getByRole('alert');
    await alert.waitFor({ state: 'visible' });
    assert.match(await alert.innerText(), /schema version "3"/);
    assert.equal(await page.locator('table').count(), 0);
    const fits = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    assert.ok(fits, 'no sideways page scroll');
    await page.screenshot({ path: screenshotPath('phone-schema-mismatch'), fullPage: true });
    await finish(s);
  });
});
