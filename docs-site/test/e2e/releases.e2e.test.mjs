/**
 * End-to-end, the weekly releases file beside the matrix: the release switch
 * recolours the cells (mouse and keyboard), the deep dive says "works since"
 * / "broke in", the changed marks and summary name the LiteLLM bump, an
 * unreadable releases file leaves the matrix as it was, and a page without
 * the file has no switch. Headless Chromium at 1280x800 and 390x844;
 * screenshots: desktop-releases-*.png, phone-releases-*.png.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DESKTOP, Harness, PHONE, hueName, screenshotPath, waitForHydration } from './harness.mjs';

const NOW = Date.parse('2026-12-06T07:00:00Z');
const h = new Harness();

before(async () => {
  await h.start(['releases', 'releasesBroken', 'v2']);
});

after(async () => {
  await h.stop();
});

async function open(device, name) {
  const session = await h.newPage(device, { timezoneId: 'UTC' });
  await session.page.clock.setFixedTime(NOW);
  await session.page.goto(h.url(name));
  await waitForHydration(session.page);
  return session;
}

async function finish({ context, problems }) {
  await h.closeContext(context);
  assert.deepEqual(problems, [], 'no console errors or warnings, no requests outside 127.0.0.1');
}

const cell = (feature, provider) => `tr[data-feature="${feature}"] td[data-provider="${provider}"]`;

/** A cell's status and its background's hue. */
async function look(page, feature, provider) {
  return page.$eval(cell(feature, provider), (td) => ({ status: td.dataset.status, background: getComputedStyle(td).backgroundColor }));
}

/** The open deep dive's "Across LiteLLM releases" lines: model id -> words. */
async function acrossLines(page) {
  const dialog = page.locator('[role="dialog"][data-testid="cell-deep-dive"][data-positioned="true"]');
  await dialog.waitFor({ state: 'visible' });
  const lines = await dialog.locator('[data-testid="deep-dive-releases"] li[data-model]').evaluateAll((lis) =>
    lis.map((li) => [li.dataset.model, li.querySelector('[data-testid="release-verdict"]').textContent]),
  );
  return { dialog, lines: Object.fromEntries(lines) };
}

/** The switch, the cells, the deep dive, on one device. */
async function switchAndDeepDive(device, prefix) {
  const s = await open(device, 'releases');
  const { page } = s;
  const { width } = device.viewport;
  const select = page.getByLabel('LiteLLM release:');
  assert.equal(await select.inputValue(), 'daily');
  const box = await select.boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= width, `the select fits the ${width} px viewport: ${JSON.stringify(box)}`);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no page-level sideways scroll');

  // Daily: tool_use × Bedrock (Invoke) passes; Bedrock (Converse) fails, changed with the LiteLLM bump.
  let invoke = await look(page, 'tool_use', 'bedrock_invoke');
  assert.deepEqual([invoke.status, hueName(invoke.background)], ['pass', 'green']);
  const mark = await page.$eval(`${cell('tool_use', 'bedrock_converse')} [data-testid="changed-mark"]`, (el) => el.textContent);
  assert.equal(mark, 'ΔChanged from pass on 2026-12-06 with LiteLLM 1.108.7 → 1.110.2');
  const summary = page.getByTestId('compat-changes');
  assert.match(await summary.innerText(), /^Δ 2 cells changed since the previous run with LiteLLM 1\.108\.7 → 1\.110\.2:\n/);
  await page.screenshot({ path: screenshotPath(`${prefix}-releases-daily`), fullPage: true });

  // Switch to 1.106.12: the cell turns red, the note says where the view comes from.
  await select.selectOption('1.106.12');
  await page.locator('[data-testid="release-switch"][data-switched="true"]').waitFor();
  invoke = await look(page, 'tool_use', 'bedrock_invoke');
  assert.deepEqual([invoke.status, hueName(invoke.background)], ['fail', 'red']);
  const converse = await look(page, 'tool_use', 'bedrock_converse');
  assert.deepEqual([converse.status, hueName(converse.background)], ['pass', 'green']);
  assert.equal((await look(page, 'vision', 'bedrock_invoke')).status, 'not_tested');
  assert.equal(await page.$eval('table', (t) => t.dataset.release), '1.106.12');
  const note = await page.getByTestId('release-note').innerText();
  assert.match(note, /Showing LiteLLM 1\.106\.12 from the weekly releases run \(generated 2026-12-06 06:00 UTC, sim mode: simulated providers, Claude Code 2\.1\.332\)/);
  // The daily run's change marks and summary are not the switched view's.
  assert.equal(await page.locator('[data-testid="changed-mark"]').count(), 0);
  assert.equal(await page.getByTestId('compat-changes').count(), 0);
  await page.screenshot({ path: screenshotPath(`${prefix}-releases-switched`), fullPage: true });

  // The deep dive: that release's results, and works since / broke in per model.
  const deepDive = async (feature, provider) => {
    const button = page.locator(`${cell(feature, provider)} button`);
    if (device.hasTouch) await button.tap();
    else await button.click();
    return acrossLines(page);
  };
  let { dialog, lines } = await deepDive('tool_use', 'bedrock_invoke');
  assert.equal(await dialog.getByTestId('deep-dive-release').innerText(), '⇄ Results of LiteLLM 1.106.12, from the weekly releases run.');
  assert.match(await dialog.getByTestId('deep-dive-status').innerText(), /Fail/);
  assert.equal(lines['claude-haiku-4-5'], 'Works since LiteLLM 1.108.7 (broken in 1.106.12)');
  const dbox = await dialog.boundingBox();
  assert.ok(dbox.x >= 0 && dbox.x + dbox.width <= width + 0.5, `deep dive inside the viewport: ${JSON.stringify(dbox)}`);
  await page.screenshot({ path: screenshotPath(`${prefix}-releases-deep-dive-since`) });
  await dialog.getByRole('button', { name: 'Close' }).click();

  // Back to the daily view: the broken cell's deep dive says where it broke, with the message.
  await select.selectOption('daily');
  await page.locator('[data-testid="release-switch"][data-switched="false"]').waitFor();
  assert.equal((await look(page, 'tool_use', 'bedrock_invoke')).status, 'pass');
  ({ dialog, lines } = await deepDive('tool_use', 'bedrock_converse'));
  assert.equal(await dialog.getByTestId('deep-dive-release').count(), 0);
  assert.equal(lines['claude-opus-4-7'], 'Broke in LiteLLM 1.110.2 (worked in 1.108.7)');
  const message = await dialog.locator('li[data-model="claude-opus-4-7"] [data-testid="release-message"]').innerText();
  assert.match(message, /^The provider answered 400 to what the gateway sent: toolConfig/);
  assert.match(await dialog.getByTestId('deep-dive-change').innerText(), /Changed from pass on 2026-12-06 with LiteLLM 1\.108\.7 → 1\.110\.2/);
  await page.screenshot({ path: screenshotPath(`${prefix}-releases-deep-dive-broke`) });
  await dialog.getByRole('button', { name: 'Close' }).click();

  ({ dialog, lines } = await deepDive('basic_messaging_streaming', 'anthropic'));
  assert.equal(lines['claude-sonnet-4-6'], 'Works in every measured release (1.106.12–1.110.2)');
  await dialog.getByRole('button', { name: 'Close' }).click();
  ({ dialog, lines } = await deepDive('vision', 'vertex_ai'));
  assert.equal(lines['claude-haiku-4-5'], 'Never worked in the measured releases (1.106.12–1.110.2)');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await finish(s);
}

describe('desktop (1280x800), the releases file', () => {
  test('the release switch recolours the cells; the deep dive says works since / broke in; the changed mark names the bump', async () => {
    await switchAndDeepDive(DESKTOP, 'desktop');
  });

  test('keyboard: Tab reaches the select, the arrow keys switch the release', async () => {
    const s = await open(DESKTOP, 'releases');
    const { page } = s;
    let reached = false;
    for (let i = 0; i < 10 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement && document.activeElement.dataset.testid === 'release-select');
    }
    assert.ok(reached, 'Tab reaches the release select');
    const outline = await page.$eval('[data-testid="release-select"]', (el) => getComputedStyle(el).outlineStyle);
    assert.notEqual(outline, 'none', 'the focused select shows a focus ring');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.$eval('[data-testid="release-select"]', (el) => el.value), '1.106.12');
    await page.locator('[data-testid="release-switch"][data-switched="true"]').waitFor();
    assert.equal((await look(page, 'tool_use', 'bedrock_invoke')).status, 'fail');
    await finish(s);
  });

  test('an unreadable releases file: a notice naming the problem, the daily matrix unchanged', async () => {
    const s = await open(DESKTOP, 'releasesBroken');
    const { page } = s;
    const notice = await page.getByTestId('compat-releases-error').innerText();
    assert.match(notice, /The releases file compatibility-releases\.json cannot be read/);
    assert.match(notice, /mode must be one of sim, rehearsal, live, found the string "staging"/);
    assert.equal(await page.getByTestId('release-select').count(), 0);
    assert.equal(await page.locator('tbody td').count(), 16);
    assert.equal((await look(page, 'tool_use', 'bedrock_invoke')).status, 'pass');
    await page.screenshot({ path: screenshotPath('desktop-releases-broken-file'), fullPage: true });
    await finish(s);
  });

  test('no releases file: no switch, no notice', async () => {
    const s = await open(DESKTOP, 'v2');
    const { page } = s;
    assert.equal(await page.getByTestId('release-switch').count(), 0);
    assert.equal(await page.getByTestId('compat-releases-error').count(), 0);
    assert.equal(await page.getByTestId('deep-dive-releases').count(), 0);
    await finish(s);
  });
});

describe('phone (390x844), the releases file', () => {
  test('the switch fits, recolours the cells; the deep dive says works since / broke in', async () => {
    await switchAndDeepDive(PHONE, 'phone');
  });
});
