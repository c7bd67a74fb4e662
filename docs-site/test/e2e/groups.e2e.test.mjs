/**
 * End-to-end, issue 28: the 23 x 14 matrix with its column facts, at 1280 px
 * and 390 px: the group header row (how the CLI reaches the gateway) spans
 * its columns, each column header shows its summary, a column's note names
 * its group and gateway-contract format, and the "Not offered by the
 * gateway" list sits under the matrix. Screenshots: desktop-v2-grouped*.png,
 * phone-v2-grouped*.png.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DESKTOP, Harness, PHONE, loadFixture, screenshotPath, waitForHydration } from './harness.mjs';

const h = new Harness();
let raw;

before(async () => {
  raw = await loadFixture('v2-grouped-compatibility-matrix.json');
  await h.start();
});

after(async () => {
  await h.stop();
});

async function open(device) {
  const session = await h.newPage(device, { timezoneId: 'UTC' });
  await session.page.clock.setFixedTime(Date.parse('2026-12-06T02:00:00Z'));
  await session.page.goto(h.url('v2grouped'));
  await waitForHydration(session.page);
  return session;
}

async function finish({ context, problems }) {
  await h.closeContext(context);
  assert.deepEqual(problems, [], 'no console errors or warnings, no requests outside 127.0.0.1');
}

/** What the fixture says each column's summary must be, counted here from the raw file. */
function expectedSummaries() {
  const out = {};
  for (const p of raw.providers) {
    const statuses = raw.features.map((f) => f.providers[p].status);
    const verdicts = statuses.filter((s) => ['pass', 'flaky', 'partial', 'fail'].includes(s)).length;
    const passing = statuses.filter((s) => ['pass', 'flaky'].includes(s)).length;
    out[p] = verdicts === 0 ? 'no verdict yet' : `${passing} / ${verdicts} ${verdicts === 1 ? 'row passes' : 'rows pass'}`;
  }
  return out;
}

/** The group header cells and the column headers, with their boxes. */
function readHeader(page) {
  return page.evaluate(() => {
    const box = (el) => {
      const r = el.getBoundingClientRect();
      return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width };
    };
    const groups = [...document.querySelectorAll('thead th[scope="colgroup"]')].map((th) => ({
      id: th.dataset.group,
      text: th.innerText.replace(/\s+/g, ' ').trim(),
      span: th.colSpan,
      ...box(th),
    }));
    const columns = [...document.querySelectorAll('thead th[data-provider]')].map((th) => ({
      id: th.dataset.provider,
      group: th.dataset.group,
      summary: th.querySelector('[data-testid="col-summary"]').innerText.trim(),
      ...box(th),
    }));
    return { groups, columns };
  });
}

function checkHeader({ groups, columns }) {
  assert.deepEqual(
    groups.map((g) => [g.id, g.span]),
    [
      ['base_url', 6],
      ['route', 2],
      ['native_mode', 4],
      ['rust_path', 2],
    ],
  );
  assert.deepEqual(
    groups.map((g) => g.text),
    ['Base URL → /v1/messages', 'Base URL → a LiteLLM route', 'Native provider mode', 'LiteLLM Rust path'],
  );
  assert.equal(columns.length, 14);
  // Each group's label spans exactly its own columns, in group order.
  let at = 0;
  for (const g of groups) {
    const members = columns.slice(at, at + g.span);
    at += g.span;
    for (const c of members) assert.equal(c.group, g.id, `${c.id} under ${g.id}`);
    assert.ok(Math.abs(members[0].left - g.left) < 1.5 && Math.abs(members[members.length - 1].right - g.right) < 1.5, `${g.id} spans its columns`);
    assert.ok(g.bottom <= members[0].top + 1.5, `${g.id} sits above its columns`);
  }
  assert.equal(columns[5].id, 'bedrock_mantle', 'Mantle (base URL) is regrouped before the route group');
  const want = expectedSummaries();
  for (const c of columns) assert.equal(c.summary, want[c.id], c.id);
  assert.equal(columns.find((c) => c.id === 'claude_code_gateway').summary, '18 / 20 rows pass');
}

async function checkNotOffered(page) {
  const list = page.getByTestId('compat-not-offered');
  await list.waitFor({ state: 'visible' });
  const text = (await list.innerText()).replace(/\s+/g, ' ');
  assert.match(text, /Not offered by the gateway/);
  assert.match(text, /Bedrock Mantle mode \(CLAUDE_CODE_USE_MANTLE\): LiteLLM has no pass-through route for Bedrock Mantle/);
  assert.match(text, /Claude Platform on Google Cloud \(CLAUDE_CODE_USE_ANTHROPIC_GOOGLE_CLOUD\)/);
  const hrefs = await list.locator('[data-testid="not-offered-evidence"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.deepEqual(hrefs, [
    `${raw.context.source_repo_url}/blob/${raw.context.source_commit}/docs/columns/mantle_passthrough.md`,
    `${raw.context.source_repo_url}/blob/${raw.context.source_commit}/docs/research/cli-modes-2026-12-06.md#3-anthropic-on-google-cloud-claude_code_use_anthropic_google_cloud`,
  ]);
  // Under the matrix, not beside it.
  const below = await page.evaluate(
    () =>
      document.querySelector('[data-testid="compat-not-offered"]').getBoundingClientRect().top >=
      document.querySelector('[data-testid="compat-scroller"]').getBoundingClientRect().bottom,
  );
  assert.ok(below, 'the list is under the matrix');
}

describe('column groups (23 x 14)', () => {
  test('1280 px: groups span their columns, summaries right, all columns readable, not-offered list under the matrix', async () => {
    const s = await open(DESKTOP);
    const { page } = s;
    checkHeader(await readHeader(page));
    const widths = await page.$$eval('tbody td', (tds) => tds.map((td) => td.getBoundingClientRect().width));
    assert.equal(widths.length, 23 * 14);
    for (const w of widths) assert.ok(w >= 60, `a cell is ${w}px wide`);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no page-level sideways scroll');
    const fits = await page.$eval('[data-testid="compat-scroller"]', (el) => el.scrollWidth <= el.clientWidth);
    if (!fits) {
      // Too wide for its box: the table scrolls inside it, the feature names stay.
      assert.equal(await page.$eval('tbody th', (th) => getComputedStyle(th).position), 'sticky');
    }
    await checkNotOffered(page);
    await page.screenshot({ path: screenshotPath('desktop-v2-grouped'), fullPage: true });

    // A column's note: its group and the gateway contract format.
    await page.click('thead th[data-provider="vertex_passthrough"] button');
    const note = page.locator('[role="dialog"][data-testid="column-note"][data-positioned="true"]');
    await note.waitFor({ state: 'visible' });
    const text = (await note.innerText()).replace(/\s+/g, ' ');
    assert.match(text, /Vertex AI \(pass-through\)/);
    assert.match(text, /Native provider mode: The CLI in its own provider mode/);
    assert.match(text, /Gateway contract: Vertex rawPredict\./);
    assert.match(text, new RegExp(`${expectedSummaries().vertex_passthrough.replace('/', '\\/')}\\.`));
    await page.screenshot({ path: screenshotPath('desktop-v2-grouped-column-note') });
    await page.keyboard.press('Escape');
    await note.waitFor({ state: 'detached' });

    const legend = (await page.locator('[data-legend="summary"]').innerText()).replace(/\s+/g, ' ');
    assert.match(legend, /Column summary: Under each column: rows that pass \(pass, or passed on a retry\) over rows with a verdict/);
    await finish(s);
  });

  test('390 px: the same groups and summaries, the table scrolls in its box with sticky feature names', async () => {
    const s = await open(PHONE);
    const { page } = s;
    checkHeader(await readHeader(page));
    const widths = await page.$$eval('tbody td', (tds) => tds.map((td) => td.getBoundingClientRect().width));
    for (const w of widths) assert.ok(w >= 60, `a cell is ${w}px wide`);
    assert.equal(await page.$eval('tbody th', (th) => getComputedStyle(th).position), 'sticky');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no page-level sideways scroll');
    await checkNotOffered(page);
    const box = await page.getByTestId('compat-not-offered').boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 390 + 0.5, `the list fits the screen: ${JSON.stringify(box)}`);
    await page.screenshot({ path: screenshotPath('phone-v2-grouped'), fullPage: true });
    await page.getByTestId('compat-scroller').evaluate((el) => {
      el.scrollLeft = el.scrollWidth;
    });
    await page.screenshot({ path: screenshotPath('phone-v2-grouped-scrolled') });
    await finish(s);
  });
});
