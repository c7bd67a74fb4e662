/**
 * Server-side render of the real component (bundled like the docs build
 * does), checked as markup: structure, accessibility attributes, the error
 * placeholder, and that the server output does not depend on the clock.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DOCS_SITE_ROOT, importForNode } from '../../scripts/build-page.mjs';

const FIXTURES = path.join(DOCS_SITE_ROOT, 'fixtures');
const SAMPLE = path.join(FIXTURES, 'sample-compatibility-matrix.json');
const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'render-entry.jsx');
const load = (name) => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8'));

let mod;
// React's development build reports bad markup (missing keys, invalid
// nesting, ...) through console.error: any such report fails the suite.
const reactErrors = [];
const realConsoleError = console.error;
before(async () => {
  console.error = (...args) => {
    reactErrors.push(args.map(String).join(' '));
  };
  mod = await importForNode(ENTRY, { matrixPath: SAMPLE, mode: 'development' });
});
after(() => {
  console.error = realConsoleError;
});

const count = (html, re) => (html.match(re) || []).length;

describe('server render of the sample matrix (the build-time import)', () => {
  let html;
  before(() => {
    html = mod.renderDefault();
  });

  test('a real table: caption, 6 column headers, 6 row headers, 30 cells', () => {
    assert.equal(count(html, /<table/g), 1);
    assert.match(html, /<caption[^>]*>Claude Code features \(rows\) by LiteLLM provider \(columns\)<\/caption>/);
    assert.equal(count(html, /<th scope="col"/g), 6);
    assert.equal(count(html, /<th scope="row"/g), 6);
    assert.equal(count(html, /<td /g), 30);
  });

  test('columns in the JSON provider order with display names', () => {
    const headers = [...html.matchAll(/<th scope="col"[^>]*>([^<]*)<\/th>/g)].map((m) => m[1]);
    assert.deepEqual(headers, ['Feature', 'Anthropic', 'Bedrock (Invoke)', 'Bedrock (Converse)', 'Vertex AI', 'Azure']);
  });

  test('rows in the JSON feature order', () => {
    const rows = [...html.matchAll(/<th scope="row"[^>]*>([^<]*)<\/th>/g)].map((m) => m[1]);
    assert.deepEqual(rows, [
      'Basic messaging (non-streaming)',
      'Basic messaging (streaming)',
      'Tool use',
      'Prompt caching (5 min)',
      'Vision',
      'Extended thinking',
    ]);
  });

  test('every cell: focusable, described by its tooltip, icon plus text', () => {
    const cells = [...html.matchAll(/<td ([^>]*)>(.*?)<\/td>/g)];
    assert.equal(cells.length, 30);
    const icons = { pass: '✓', fail: '✗', not_applicable: '—', not_tested: '?' };
    const labels = { pass: 'Pass', fail: 'Fail', not_applicable: 'Not applicable', not_tested: 'Not tested' };
    for (const [, attrs, inner] of cells) {
      assert.match(attrs, /tabindex="0"/);
      const status = /data-status="([a-z_]+)"/.exec(attrs)[1];
      const describedBy = /aria-describedby="([^"]+)"/.exec(attrs)[1];
      assert.match(inner, new RegExp(`aria-hidden="true">${icons[status].replace('?', '\\?')}</span>`));
      assert.ok(inner.includes(`>${labels[status]}</span>`), `label for ${status}`);
      assert.ok(inner.includes(`id="${describedBy}" role="tooltip"`), 'tooltip id matches aria-describedby');
    }
    const ids = cells.map(([, attrs]) => /aria-describedby="([^"]+)"/.exec(attrs)[1]);
    assert.equal(new Set(ids).size, 30, 'tooltip ids are unique');
  });

  test('tooltip texts come from the JSON', () => {
    assert.ok(html.includes('Tested &amp; passing'));
    assert.ok(html.includes('claude-opus-4-7: tool_use block missing from response'));
    assert.ok(html.includes('No test for this combination yet.'));
    assert.ok(html.includes('The Converse API does not pass thinking blocks through to Claude Code.'));
  });

  test('banner: stable UTC time before mount, and both versions', () => {
    assert.match(html, /Last updated<!-- --> <time dateTime="2026-11-25T10:00:00Z" tabindex="0"[^>]*data-relative="false">2026-11-25 10:00 UTC<span/);
    assert.ok(html.includes('Generated at 2026-11-25 10:00:00 UTC'));
    assert.match(html, /LiteLLM <code[^>]*>v1.83.0-stable<\/code>/);
    assert.match(html, /Claude Code <code[^>]*>2.1.120<\/code>/);
    assert.doesNotMatch(html, / ago/);
  });

  test('the server output does not depend on the clock or time zone', () => {
    const realNow = Date.now;
    const tz = process.env.TZ;
    try {
      Date.now = () => Date.UTC(2026, 10, 25, 12, 0, 0);
      process.env.TZ = 'Asia/Tokyo';
      const a = mod.renderDefault();
      Date.now = () => Date.UTC(2030, 0, 1);
      process.env.TZ = 'America/Los_Angeles';
      const b = mod.renderDefault();
      assert.equal(a, b);
      assert.equal(a, html);
    } finally {
      Date.now = realNow;
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });

  test('the scroll wrapper is a labelled, focusable region', () => {
    assert.match(html, /<div class="[^"]*" role="region" aria-labelledby="([^"]+)" tabindex="0"/);
    const labelId = /role="region" aria-labelledby="([^"]+)"/.exec(html)[1];
    assert.ok(html.includes(`<caption id="${labelId}"`));
  });
});

describe('error placeholder instead of a wrong table', () => {
  test('schema_version "3"', () => {
    const html = mod.renderWith(load('schema-v3-compatibility-matrix.json'));
    assert.doesNotMatch(html, /<table/);
    assert.match(html, /role="alert"/);
    assert.match(html, /data-error-kind="schema_version"/);
    assert.ok(html.includes('The compatibility matrix cannot be shown.'));
    assert.ok(html.includes('but the data file has schema version &quot;3&quot;'));
  });

  test('malformed v1 lists its problems', () => {
    const html = mod.renderWith(load('malformed-compatibility-matrix.json'));
    assert.doesNotMatch(html, /<table/);
    assert.match(html, /role="alert"/);
    assert.match(html, /data-error-kind="malformed"/);
    assert.ok(html.includes('unknown status the string &quot;flaky&quot;'));
    assert.ok(html.includes('features[4] (vision).providers.vertex_ai is missing'));
  });

  test('not even an object', () => {
    const html = mod.renderWith(null);
    assert.match(html, /role="alert"/);
    assert.ok(html.includes('the file must hold a JSON object, found null'));
  });
});

test('the data prop overrides the imported JSON', () => {
  const m = load('sample-compatibility-matrix.json');
  m.providers = ['anthropic', 'openrouter'];
  for (const f of m.features) f.providers = { anthropic: { status: 'pass' }, openrouter: { status: 'not_tested' } };
  const html = mod.renderWith(m);
  const headers = [...html.matchAll(/<th scope="col"[^>]*>([^<]*)<\/th>/g)].map((x) => x[1]);
  assert.deepEqual(headers, ['Feature', 'Anthropic', 'openrouter']);
  assert.equal(count(html, /<td /g), 12);
});

test('the legend shows the four statuses with their icons', () => {
  const html = mod.renderLegend();
  const items = [...html.matchAll(/<li [^>]*data-status="([a-z_]+)"[^>]*><span [^>]*aria-hidden="true">([^<]+)<\/span>/g)].map((m) => [m[1], m[2]]);
  assert.deepEqual(items, [
    ['pass', '✓'],
    ['fail', '✗'],
    ['not_applicable', '—'],
    ['not_tested', '?'],
  ]);
});

describe('server render of a schema v2 matrix', () => {
  let html;
  before(() => {
    html = mod.renderWith(load('v2-compatibility-matrix.json'));
  });

  test('a table with one button per cell that opens a dialog', () => {
    assert.equal(count(html, /<td /g), 30);
    assert.equal(count(html, /<td [^>]*><button type="button"[^>]*aria-haspopup="dialog" aria-expanded="false"/g), 30);
    assert.doesNotMatch(html, /role="dialog"/, 'no panel is open on the server');
  });

  test('three model marks per tested cell, each with words for screen readers', () => {
    assert.equal(count(html, /data-testid="model-marks"/g), 27, 'every cell but the three not-tested ones');
    assert.equal(count(html, /data-model-status=/g), 81);
    assert.ok(html.includes('Claude Haiku 4.5: Fail'));
    assert.ok(html.includes('Claude Sonnet 4.6: Flaky (passed on a retry)'));
    assert.ok(html.includes('Claude Opus 4.7: Unverified (no verdict)'));
  });

  test('changed cells carry a mark and its text', () => {
    assert.equal(count(html, /data-changed="true"/g), 4);
    assert.equal(count(html, /data-testid="changed-mark"/g), 4);
    assert.ok(html.includes('Changed from pass on 2026-11-25'));
    assert.ok(html.includes('Changed from partial on 2026-11-25'));
    assert.match(html, /4 cells changed.*since the previous run/);
    assert.ok(html.includes('Tool use on Bedrock (Converse): pass → partial'));
  });

  test('row names with a description are buttons', () => {
    assert.equal(count(html, /<th scope="row"[^>]*><button type="button"[^>]*aria-haspopup="dialog"/g), 6);
    assert.ok(html.includes('(what this row checks)'));
  });

  test('banner: no freshness verdict without a clock; version notices from the context', () => {
    assert.match(html, /data-testid="compat-banner" data-freshness="unknown"/);
    assert.doesNotMatch(html, /data-testid="compat-freshness"/);
    assert.match(html, /data-testid="compat-claude-code-notice"[^>]*>.*3 releases behind \(latest 2\.1\.123\)/);
    assert.match(html, /data-kind="latest" data-testid="compat-litellm-notice"[^>]*>.*latest/);
  });

  test('the legend covers the seven statuses, the model marks and the change mark', () => {
    const legend = mod.renderLegendWith(load('v2-compatibility-matrix.json'));
    const items = [...legend.matchAll(/<li [^>]*data-status="([a-z_]+)"/g)].map((m) => m[1]);
    assert.deepEqual(items, ['pass', 'flaky', 'partial', 'fail', 'unverified', 'not_applicable', 'not_tested']);
    assert.match(legend, /data-legend="marks"/);
    assert.ok(legend.includes('Claude Haiku 4.5, Claude Sonnet 4.6, Claude Opus 4.7, in that order'));
    assert.match(legend, /data-legend="changed"/);
  });

  test('a v1 matrix still renders without buttons, marks or notices', () => {
    const v1 = mod.renderDefault();
    assert.doesNotMatch(v1, /<button/);
    assert.doesNotMatch(v1, /data-model-status|data-testid="compat-changes"|compat-claude-code-notice/);
  });
});

describe('server render of a matrix with column facts (issue 28)', () => {
  test('a group header row spans the columns in group order; summaries, column buttons, the not-offered list', () => {
    const html = mod.renderWith(load('v2-grouped-compatibility-matrix.json'));
    const groups = [...html.matchAll(/<th scope="colgroup" colSpan="(\d+)"[^>]*data-group="([a-z_]+)"/g)].map((m) => [m[2], Number(m[1])]);
    assert.deepEqual(groups, [
      ['base_url', 6],
      ['route', 2],
      ['native_mode', 4],
      ['rust_path', 2],
    ]);
    assert.match(html, /<th scope="col" rowspan="2"[^>]*>Feature<\/th>/i);
    assert.equal(count(html, /data-testid="col-summary"/g), 14);
    assert.equal(count(html, /<th scope="col"[^>]*data-provider="[a-z_]+"[^>]*><button type="button"/g), 14);
    assert.match(html, /data-provider="claude_code_gateway"[\s\S]*?data-passing="18" data-verdicts="20"/);
    assert.match(html, /data-testid="compat-not-offered"/);
    assert.ok(html.includes('CLAUDE_CODE_USE_ANTHROPIC_GOOGLE_CLOUD'));
  });

  test('without column facts: no group row, summaries still shown, names plain text', () => {
    const html = mod.renderWith(load('v2-compatibility-matrix.json'));
    assert.doesNotMatch(html, /scope="colgroup"|compat-not-offered/);
    assert.equal(count(html, /data-testid="col-summary"/g), 5);
    assert.equal(count(html, /<th scope="col"[^>]*data-provider="[a-z_]+"[^>]*><button/g), 0);
  });

  test('the legend says what the column summary counts', () => {
    const legend = mod.renderLegendWith(load('v2-grouped-compatibility-matrix.json'));
    assert.match(legend, /data-legend="summary"/);
    assert.ok(legend.includes('rows that pass (pass, or passed on a retry) over rows with a verdict'));
  });
});

describe('server render of columns with their own model sets (issue 29)', () => {
  const data = () => load('v2-builder-model-sets-compatibility-matrix.json');

  test('the legend names each column set of models once, in column order', () => {
    const legend = mod.renderLegendWith(data());
    assert.ok(
      legend.includes(
        "each column&#x27;s own models, in that order: Claude Haiku 4.5, Claude Opus 4.7; or GPT-5.6 Luna, GPT-5.6 Terra, GPT-5.6 Sol",
      ),
      legend,
    );
  });

  test('the table renders, with the GPT column among the others', () => {
    const html = mod.renderWith(data());
    assert.match(html, /data-provider="openai"/);
    assert.equal(count(html, /data-testid="col-summary"/g), 3);
  });
});

test('React reported nothing', () => {
  assert.deepEqual(reactErrors, []);
});
