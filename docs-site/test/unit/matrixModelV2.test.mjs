/**
 * matrixModel.js, schema v2: validation, the cell view model (statuses,
 * per-model results, previous verdicts, changes), the deep dive's helpers,
 * freshness and version notices.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  CLASS_INFO,
  ERROR_HEAD_CHARS,
  EVIDENCE_KINDS,
  INFERRED_MARK,
  MODEL_STATUS_INFO,
  STALE_AFTER_MS,
  STATUSES_V2,
  STATUS_INFO,
  STATUS_INFO_V2,
  VERY_STALE_AFTER_MS,
  changedCells,
  describeCellV2,
  describeModelResult,
  describeRecovery,
  formatAttempts,
  formatDuration,
  formatUtcDate,
  freshness,
  isHttpUrl,
  sourceLinks,
  splitError,
  statusInfoFor,
  validateMatrix,
  versionNotice,
  versionNotices,
} from '../../src/components/CompatibilityMatrix/matrixModel.js';

const fixture = (name) => JSON.parse(readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8'));
const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-11-25T10:00:00Z');

const MODELS = [
  { id: 'claude-haiku-4-5', name: 'Claude Haiku 4.5' },
  { id: 'claude-sonnet-4-6', name: 'Claude Sonnet 4.6' },
  { id: 'claude-opus-4-7', name: 'Claude Opus 4.7' },
];
const ok = { status: 'pass', attempts: 1, duration_ms: 1500 };

/** A small valid v2 matrix to mutate in tests. */
function tiny() {
  return {
    schema_version: '2',
    generated_at: '2026-11-25T10:00:00Z',
    litellm_version: 'v1.83.0-stable',
    claude_code_version: '2.1.120',
    providers: ['anthropic', 'azure'],
    models: MODELS.map((m) => ({ ...m })),
    features: [
      {
        id: 'tool_use',
        name: 'Tool use',
        providers: {
          anthropic: { status: 'pass', models: { 'claude-haiku-4-5': ok, 'claude-sonnet-4-6': ok, 'claude-opus-4-7': ok } },
          azure: { status: 'not_tested' },
        },
      },
    ],
  };
}

function expectProblem(m, pattern) {
  const r = validateMatrix(m);
  assert.equal(r.ok, false, 'rejected');
  assert.equal(r.kind, 'malformed');
  assert.ok(
    r.problems.some((p) => pattern.test(p)),
    `a problem matching ${pattern} in ${JSON.stringify(r.problems, null, 1)}`,
  );
}

describe('v2 statuses', () => {
  test('seven statuses, each with its own colour class, icon and label', () => {
    assert.deepEqual(STATUSES_V2, ['pass', 'flaky', 'partial', 'fail', 'unverified', 'not_applicable', 'not_tested']);
    for (const key of ['tone', 'icon', 'label']) {
      const values = STATUSES_V2.map((s) => STATUS_INFO_V2[s][key]);
      assert.equal(new Set(values).size, 7, `distinct ${key}s: ${values}`);
    }
    for (const s of STATUSES_V2) assert.ok(STATUS_INFO_V2[s].legend.length > 20, `${s} has a legend text`);
  });

  test("v1's four statuses keep their look in v2", () => {
    for (const s of Object.keys(STATUS_INFO)) {
      assert.equal(STATUS_INFO_V2[s].tone, STATUS_INFO[s].tone);
      assert.equal(STATUS_INFO_V2[s].icon, STATUS_INFO[s].icon);
      assert.equal(STATUS_INFO_V2[s].label, STATUS_INFO[s].label);
    }
  });

  test('statusInfoFor picks the version', () => {
    assert.equal(statusInfoFor('1'), STATUS_INFO);
    assert.equal(statusInfoFor('2'), STATUS_INFO_V2);
    assert.equal(statusInfoFor(undefined), STATUS_INFO);
  });

  test('model marks: a distinct glyph per model status, readable without colour', () => {
    const icons = Object.values(MODEL_STATUS_INFO).map((i) => i.icon);
    assert.equal(new Set(icons).size, icons.length);
  });

  test('the legend says a red cell is the gateway, not quota, credentials or the harness', () => {
    assert.match(STATUS_INFO_V2.fail.legend, /gateway broke the feature/);
    assert.match(STATUS_INFO_V2.fail.legend, /not a quota, credential or test-harness problem/);
    assert.match(STATUS_INFO_V2.unverified.legend, /No verdict/);
    assert.match(STATUS_INFO_V2.partial.legend, /some models/);
  });

  test('failure classes in words', () => {
    assert.deepEqual(Object.keys(CLASS_INFO), ['incompatible', 'upstream_unavailable', 'harness', 'sim_environment']);
    assert.equal(CLASS_INFO.incompatible.text, 'the gateway broke the feature');
    assert.match(CLASS_INFO.upstream_unavailable.text, /quota, credentials/);
    assert.match(CLASS_INFO.harness.text, /our side/);
    assert.match(CLASS_INFO.sim_environment.text, /no verdict on the gateway; a live run settles it/);
  });
});

describe('validateMatrix: v2 files', () => {
  for (const name of ['v2-compatibility-matrix.json', 'v2-large-compatibility-matrix.json']) {
    test(`fixture ${name} is valid`, () => {
      const r = validateMatrix(fixture(name));
      assert.equal(r.ok, true, JSON.stringify(r.problems));
      assert.equal(r.matrix.schemaVersion, '2');
      assert.equal(r.matrix.models.length, 3);
      const statuses = new Set(r.matrix.features.flatMap((f) => f.cells.map((c) => c.status)));
      assert.deepEqual([...statuses].sort(), [...STATUSES_V2].sort(), 'every v2 status appears');
    });
  }

  test('the large fixture is 15 features x 9 providers', () => {
    const r = validateMatrix(fixture('v2-large-compatibility-matrix.json'));
    assert.equal(r.matrix.features.length, 15);
    assert.equal(r.matrix.providers.length, 9);
    for (const f of r.matrix.features) assert.equal(f.cells.length, 9);
  });

  // The real builder's v2 output (compat-core's golden snapshots) must render;
  // the snapshots of inputs the builder refuses hold its error text, not JSON.
  const SNAPSHOTS = new URL('../../../golden/builder/snapshots/', import.meta.url);
  const snapBody = (file) => {
    const text = readFileSync(new URL(file, SNAPSHOTS), 'utf8');
    return text.slice(text.indexOf('\n---\n', 4) + 5);
  };
  const snaps = readdirSync(SNAPSHOTS).filter((f) => f.startsWith('builder_v2@') && snapBody(f).trimStart().startsWith('{'));
  test('there are builder v2 snapshots to check', () => {
    assert.ok(snaps.length >= 5, `found ${snaps.length}`);
  });
  for (const file of snaps) {
    test(`builder snapshot ${file} is valid`, () => {
      const json = JSON.parse(snapBody(file));
      const r = validateMatrix(json);
      assert.equal(r.ok, true, JSON.stringify(r.problems));
    });
  }

  test('the view model carries models, context, descriptions and links', () => {
    const r = validateMatrix(fixture('v2-compatibility-matrix.json'));
    const m = r.matrix;
    assert.deepEqual(
      m.models.map((x) => x.id),
      MODELS.map((x) => x.id),
    );
    assert.equal(m.context.claude_code_releases_behind, 3);
    assert.equal(m.context.source_commit.length, 40);
    const tool = m.features.find((f) => f.id === 'tool_use');
    assert.match(tool.description, /tool result survive the round trip/);
    assert.equal(tool.links.length, 2);
    assert.deepEqual(Object.keys(tool.links[0]), ['title', 'url']);
  });

  test('a v1 matrix gets no models or context (its rendering is unchanged)', () => {
    const r = validateMatrix(fixture('sample-compatibility-matrix.json'));
    assert.equal(r.ok, true);
    assert.equal('models' in r.matrix, false);
    assert.equal('context' in r.matrix, false);
    assert.equal('description' in r.matrix.features[0], false);
  });

  test('context and description are optional', () => {
    const r = validateMatrix(tiny());
    assert.equal(r.ok, true, JSON.stringify(r.problems));
    assert.equal(r.matrix.context, null);
    assert.equal(r.matrix.features[0].description, null);
    assert.deepEqual(r.matrix.features[0].links, []);
  });

  test('v1-only statuses are rejected in v1, accepted in v2', () => {
    const m = tiny();
    m.features[0].providers.azure = { status: 'flaky', models: { 'claude-haiku-4-5': { status: 'flaky', first_error: 'x', attempts: 2, duration_ms: 1 } } };
    assert.equal(validateMatrix(m).ok, true);
    m.schema_version = '1';
    delete m.models;
    expectProblem(m, /unknown status the string "flaky"/);
  });
});

describe('validateMatrix: v2 problems', () => {
  const cases = [
    ['models missing', (m) => delete m.models, /models is missing/],
    ['models empty', (m) => (m.models = []), /models is empty/],
    ['model without a name', (m) => (m.models[1] = { id: 'x' }), /models\[1\] must be an object with a non-empty id and name/],
    ['model listed twice', (m) => m.models.push({ ...MODELS[0] }), /model "claude-haiku-4-5" is listed twice/],
    ['unknown status', (m) => (m.features[0].providers.azure = { status: 'broken' }), /unknown status the string "broken"; expected one of "pass", "flaky"/],
    ['fail without error', (m) => (m.features[0].providers.azure = { status: 'fail' }), /a "fail" cell needs a non-empty "error"/],
    ['unverified without error', (m) => (m.features[0].providers.azure = { status: 'unverified' }), /a "unverified" cell needs a non-empty "error"/],
    ['partial without passing_models', (m) => (m.features[0].providers.azure = { status: 'partial', error: 'x' }), /"passing_models"/],
    ['flaky without models', (m) => (m.features[0].providers.azure = { status: 'flaky' }), /a "flaky" cell needs its per-model "models"/],
    ['not_applicable without reason', (m) => (m.features[0].providers.azure = { status: 'not_applicable' }), /needs a non-empty "reason"/],
    [
      'model result of an unknown model',
      (m) => (m.features[0].providers.anthropic.models['claude-2'] = ok),
      /model "claude-2" is not a model of this column/,
    ],
    [
      'model result with an unknown status',
      (m) => (m.features[0].providers.anthropic.models['claude-haiku-4-5'] = { status: 'partial', attempts: 1, duration_ms: 1 }),
      /models\.claude-haiku-4-5\.status: unknown model status/,
    ],
    [
      'model result without attempts',
      (m) => (m.features[0].providers.anthropic.models['claude-haiku-4-5'] = { status: 'pass', duration_ms: 1 }),
      /models\.claude-haiku-4-5\.attempts must be a whole number/,
    ],
    [
      'failed model without class',
      (m) => (m.features[0].providers.anthropic.models['claude-haiku-4-5'] = { status: 'fail', error: 'x', attempts: 1, duration_ms: 1 }),
      /a "fail" model result needs a "class"/,
    ],
    [
      'unknown failure class',
      (m) => (m.features[0].providers.anthropic.models['claude-haiku-4-5'] = { status: 'fail', class: 'quota', error: 'x', attempts: 1, duration_ms: 1 }),
      /unknown failure class the string "quota"/,
    ],
    [
      'bad history',
      (m) => (m.features[0].providers.anthropic.history = { previous_status: 'green', changed_at: '2026-11-25T10:00:00Z' }),
      /"history" must be/,
    ],
    [
      'bad previous',
      (m) => (m.features[0].providers.azure = { status: 'unverified', error: 'x', previous: { status: 'pass', verified_at: 'yesterday' } }),
      /"previous" must be/,
    ],
    ['description not a string', (m) => (m.features[0].description = 42), /description must be a non-empty string/],
    ['a javascript: link', (m) => (m.features[0].links = [{ title: 'x', url: 'javascript:alert(1)' }]), /links\[0\]\.url must be an http\(s\) URL/],
    ['context not an object', (m) => (m.context = 'x'), /context must be an object/],
    ['releases behind negative', (m) => (m.context = { claude_code_releases_behind: -1 }), /context\.claude_code_releases_behind must be a whole number/],
    ['run_url not http', (m) => (m.context = { run_url: 'file:///etc/passwd' }), /context\.run_url must be an http\(s\) URL/],
    ['source_commit not a commit', (m) => (m.context = { source_commit: 'main' }), /context\.source_commit must be a git commit id/],
  ];
  for (const [name, mutate, pattern] of cases) {
    test(name, () => {
      const m = tiny();
      mutate(m);
      expectProblem(m, pattern);
    });
  }
});

describe('describeCellV2', () => {
  const results = (statuses, extra = {}) =>
    Object.fromEntries(
      MODELS.map((m, i) => [m.id, { status: statuses[i], attempts: 1, durationMs: 1500, ...(extra[m.id] || {}) }]),
    );

  test('pass: marks in model order, summary', () => {
    const c = describeCellV2({ status: 'pass', results: results(['pass', 'pass', 'pass']) }, MODELS);
    assert.equal(c.icon, '✓');
    assert.equal(c.summary, 'Tested & passing on every model.');
    assert.deepEqual(
      c.modelResults.map((r) => [r.modelId, r.icon, r.srText]),
      [
        ['claude-haiku-4-5', '✓', 'Claude Haiku 4.5: Pass'],
        ['claude-sonnet-4-6', '✓', 'Claude Sonnet 4.6: Pass'],
        ['claude-opus-4-7', '✓', 'Claude Opus 4.7: Pass'],
      ],
    );
    assert.equal(c.changed, false);
    assert.equal(c.change, null);
  });

  test('no models: no marks', () => {
    assert.deepEqual(describeCellV2({ status: 'not_tested' }, MODELS).modelResults, []);
  });

  test('a model that did not run reads "Not run"', () => {
    const r = results(['pass', 'pass', 'pass']);
    delete r['claude-opus-4-7'];
    const c = describeCellV2({ status: 'not_tested', results: r }, MODELS);
    assert.deepEqual(
      c.modelResults.map((x) => [x.status, x.icon, x.label]),
      [
        ['pass', '✓', 'Pass'],
        ['pass', '✓', 'Pass'],
        ['not_run', '·', 'Not run'],
      ],
    );
  });

  test('flaky names the model that needed a retry and keeps its first error', () => {
    const c = describeCellV2(
      { status: 'flaky', results: results(['pass', 'flaky', 'pass'], { 'claude-sonnet-4-6': { attempts: 2, firstError: '529 Overloaded' } }) },
      MODELS,
    );
    assert.equal(c.summary, 'Passing, but Claude Sonnet 4.6 passed only on a retry.');
    assert.equal(c.modelResults[1].firstError.head, '529 Overloaded');
    assert.equal(c.modelResults[1].attemptsText, '2 attempts');
  });

  test('partial names passing and failing models; failures carry their class in words', () => {
    const c = describeCellV2(
      {
        status: 'partial',
        error: 'claude-haiku-4-5: 400',
        passingModels: ['claude-sonnet-4-6', 'claude-opus-4-7'],
        results: results(['fail', 'pass', 'pass'], { 'claude-haiku-4-5': { class: 'incompatible', error: '400' } }),
      },
      MODELS,
    );
    assert.equal(c.summary, 'Works on Claude Sonnet 4.6 and Claude Opus 4.7; the gateway broke it on Claude Haiku 4.5.');
    assert.equal(c.modelResults[0].classLabel, 'Incompatible');
    assert.match(c.modelResults[0].classText, /^Incompatible: the gateway broke the feature/);
    assert.equal(c.modelResults[0].error.full, '400');
  });

  test('unverified shows the previous verdict and its date', () => {
    const c = describeCellV2(
      {
        status: 'unverified',
        error: 'quota',
        previous: { status: 'pass', verifiedAt: '2026-11-23T10:00:00Z', verifiedAtMs: Date.parse('2026-11-23T10:00:00Z') },
        results: results(['unverified', 'unverified', 'unverified'], Object.fromEntries(MODELS.map((m) => [m.id, { class: 'upstream_unavailable', error: 'quota' }]))),
      },
      MODELS,
    );
    assert.equal(c.previous.text, 'Last verified pass on 2026-11-23');
    assert.equal(c.summary, 'No verdict this run.');
    assert.match(c.modelResults[0].classText, /^Upstream unavailable: the provider could not serve/);
  });

  test('unverified without a previous verdict says so', () => {
    const c = describeCellV2({ status: 'unverified', error: 'x' }, MODELS);
    assert.equal(c.summary, 'No verdict this run, and no earlier verdict on record.');
    assert.equal(c.previous, undefined);
  });

  test('not applicable: the reason; not tested: the v1 text', () => {
    assert.equal(describeCellV2({ status: 'not_applicable', reason: 'No such API.' }, MODELS).summary, 'No such API.');
    assert.equal(describeCellV2({ status: 'not_tested' }, MODELS).summary, 'No test for this combination yet.');
  });

  test('a changed cell is marked "changed from <previous> on <date>"', () => {
    const c = describeCellV2(
      { status: 'fail', error: 'x', history: { previousStatus: 'pass', changedAt: '2026-11-25T10:00:00Z', changedAtMs: T0 } },
      MODELS,
    );
    assert.equal(c.changed, true);
    assert.equal(c.change.text, 'Changed from pass on 2026-11-25');
    assert.equal(c.change.from, 'pass');
  });

  test('an unchanged cell with history is not marked, and says since when', () => {
    const c = describeCellV2({ status: 'pass', history: { previousStatus: 'pass', changedAt: '2026-11-18T10:00:00Z', changedAtMs: Date.parse('2026-11-18T10:00:00Z') } }, MODELS);
    assert.equal(c.changed, false);
    assert.equal(c.change.text, 'Pass since 2026-11-18');
  });

  test('validation fills the same view model from the JSON', () => {
    const r = validateMatrix(fixture('v2-compatibility-matrix.json'));
    const f = r.matrix.features.find((x) => x.id === 'tool_use');
    const cell = f.cells.find((c) => c.providerId === 'bedrock_converse');
    assert.equal(cell.status, 'partial');
    assert.equal(cell.changed, true);
    assert.equal(cell.change.text, 'Changed from pass on 2026-11-25');
    assert.deepEqual(cell.passingModels, ['claude-sonnet-4-6', 'claude-opus-4-7']);
    assert.ok(cell.modelResults[0].error.rest.length > 0, 'the long error has more to show');
  });

  test('describeModelResult without a result', () => {
    assert.equal(describeModelResult(MODELS[0], undefined).srText, 'Claude Haiku 4.5: Not run');
  });
});

describe('deep dive helpers', () => {
  test('splitError: short errors are shown whole', () => {
    assert.deepEqual(splitError('one\ntwo'), { head: 'one\ntwo', rest: '' });
    assert.deepEqual(splitError(undefined), { head: '', rest: '' });
  });

  test('splitError: three lines first, the rest expandable', () => {
    const { head, rest } = splitError('1\n2\n3\n4\n5');
    assert.equal(head, '1\n2\n3');
    assert.equal(rest, '4\n5');
  });

  test('splitError: a very long line is cut at a space', () => {
    const text = `${'word '.repeat(200)}end`;
    const { head, rest } = splitError(text);
    assert.ok(head.length <= ERROR_HEAD_CHARS + 1, `head ${head.length}`);
    assert.ok(head.endsWith('…'));
    assert.equal(`${head.slice(0, -1)} ${rest}`.replace(/\s+/g, ' '), text);
  });

  test('formatDuration', () => {
    assert.equal(formatDuration(850), '850 ms');
    assert.equal(formatDuration(1500), '1.5 s');
    assert.equal(formatDuration(2000), '2 s');
    assert.equal(formatDuration(61000), '1 min 1 s');
    assert.equal(formatDuration(120000), '2 min');
    assert.equal(formatDuration(-1), '');
  });

  test('formatAttempts and formatUtcDate', () => {
    assert.equal(formatAttempts(1), '1 attempt');
    assert.equal(formatAttempts(3), '3 attempts');
    assert.equal(formatUtcDate(Date.parse('2026-01-05T23:59:59Z')), '2026-01-05');
  });

  test('sourceLinks: the case and its check at the commit that ran', () => {
    const links = sourceLinks({ source_repo_url: 'https://github.com/o/r.git/', source_commit: 'abc1234' }, 'tool_use', 'azure');
    assert.deepEqual(links, [
      { title: 'compat-tests/tool_use/azure.rs', kind: 'case', url: 'https://github.com/o/r/blob/abc1234/compat-tests/tool_use/azure.rs' },
      { title: 'compat-tests/tool_use/check.rs', kind: 'check', url: 'https://github.com/o/r/blob/abc1234/compat-tests/tool_use/check.rs' },
    ]);
  });

  test('sourceLinks: nothing without both the repository and the commit', () => {
    assert.deepEqual(sourceLinks(null, 'f', 'p'), []);
    assert.deepEqual(sourceLinks({ source_repo_url: 'https://github.com/o/r' }, 'f', 'p'), []);
    assert.deepEqual(sourceLinks({ source_commit: 'abc1234' }, 'f', 'p'), []);
  });

  test('isHttpUrl', () => {
    assert.equal(isHttpUrl('https://docs.litellm.ai/x'), true);
    assert.equal(isHttpUrl('http://localhost:3000/'), true);
    for (const bad of ['javascript:alert(1)', 'ftp://x', 'https://', '/relative', 42, 'data:text/html,x']) assert.equal(isHttpUrl(bad), false, String(bad));
  });

  test('changedCells lists every flip in table order', () => {
    const r = validateMatrix(fixture('v2-compatibility-matrix.json'));
    assert.deepEqual(
      changedCells(r.matrix).map((c) => c.text),
      [
        'Basic messaging (streaming) on Vertex AI: pass → flaky',
        'Tool use on Bedrock (Converse): pass → partial',
        'Prompt caching (5 min) on Bedrock (Converse): partial → fail',
        'Extended thinking on Anthropic: fail → pass',
      ],
    );
    assert.deepEqual(changedCells(validateMatrix(fixture('sample-compatibility-matrix.json')).matrix), []);
  });
});

describe('freshness', () => {
  test('unknown before the clock is read (server render)', () => {
    assert.deepEqual(freshness(T0, null), { level: 'unknown', text: null });
  });

  test('fresh up to 36 hours', () => {
    assert.deepEqual(freshness(T0, T0 + 2 * HOUR), { level: 'fresh', text: null });
    assert.equal(freshness(T0, T0 + STALE_AFTER_MS).level, 'fresh');
  });

  test('amber past 36 hours, with words', () => {
    assert.deepEqual(freshness(T0, T0 + STALE_AFTER_MS + 1), { level: 'stale', text: 'Stale: last run 1 day ago' });
    assert.deepEqual(freshness(T0, T0 + 2 * DAY), { level: 'stale', text: 'Stale: last run 2 days ago' });
    assert.equal(freshness(T0, T0 + VERY_STALE_AFTER_MS).level, 'stale');
  });

  test('red past 72 hours, with words', () => {
    const f = freshness(T0, T0 + VERY_STALE_AFTER_MS + 1);
    assert.equal(f.level, 'very_stale');
    assert.equal(f.text, 'Very stale: last run 3 days ago; the daily run has not published since');
  });

  test('past a week the date is given', () => {
    assert.equal(freshness(T0, T0 + 30 * DAY).text, 'Very stale: last run on 2026-11-25; the daily run has not published since');
  });
});

describe('version notices', () => {
  test('latest', () => {
    assert.deepEqual(versionNotice('2.1.120', '2.1.120', 0), { kind: 'latest', text: 'latest' });
    assert.deepEqual(versionNotice('2.1.120', '2.1.120', undefined), { kind: 'latest', text: 'latest' });
    assert.deepEqual(versionNotice('2.1.120', undefined, 0), { kind: 'latest', text: 'latest' });
  });

  test('N releases behind (latest X)', () => {
    assert.deepEqual(versionNotice('2.1.120', '2.1.123', 3), { kind: 'behind', text: '3 releases behind (latest 2.1.123)' });
    assert.deepEqual(versionNotice('2.1.122', '2.1.123', 1), { kind: 'behind', text: '1 release behind (latest 2.1.123)' });
    assert.deepEqual(versionNotice('2.1.120', undefined, 2), { kind: 'behind', text: '2 releases behind' });
    assert.deepEqual(versionNotice('2.1.120', '2.1.123', undefined), { kind: 'behind', text: 'not the latest (latest 2.1.123)' });
  });

  test('nothing recorded: nothing shown', () => {
    assert.deepEqual(versionNotice('2.1.120', undefined, undefined), { kind: 'unknown', text: null });
  });

  test('from the matrix context (v1: none)', () => {
    const v2 = versionNotices(validateMatrix(fixture('v2-compatibility-matrix.json')).matrix);
    assert.equal(v2.claudeCode.text, '3 releases behind (latest 2.1.123)');
    assert.equal(v2.litellm.text, 'latest');
    const v1 = versionNotices(validateMatrix(fixture('sample-compatibility-matrix.json')).matrix);
    assert.equal(v1.claudeCode.kind, 'unknown');
    assert.equal(v1.litellm.kind, 'unknown');
  });
});

describe('recoveries in the deep dive', () => {
  const recovery = {
    refused: { side: 'provider', status: 400, method: 'POST', path: '/model/us.anthropic.claude-haiku-4-5-20251001-v1:0/invoke', model: 'us.anthropic.claude-haiku-4-5-20251001-v1:0', words: 'invalid beta flag' },
    resent: { seq: 12, path: '/model/us.anthropic.claude-haiku-4-5-20251001-v1:0/invoke', status: 200 },
    owner_row: 'beta_headers',
  };

  test('a model result carries its recoveries, with the row that owns the drop', () => {
    const m = tiny();
    m.features[0].providers.azure = { status: 'pass', models: { 'claude-haiku-4-5': { status: 'pass', attempts: 1, duration_ms: 1, recoveries: [recovery] } } };
    const r = validateMatrix(m);
    assert.equal(r.ok, true, JSON.stringify(r.problems));
    const cell = r.matrix.features[0].cells.find((c) => c.providerId === 'azure');
    const haiku = cell.modelResults.find((x) => x.modelId === 'claude-haiku-4-5');
    assert.equal(haiku.recoveries.length, 1);
    assert.match(haiku.recoveries[0].text, /^The provider answered 400 to POST \/model\/.*\/invoke for us\.anthropic\..*; the CLI resent the same turn there and got 200\.$/);
    assert.equal(haiku.recoveries[0].words, 'invalid beta flag');
    assert.equal(haiku.recoveries[0].owner, 'What the CLI dropped to recover is judged by the beta_headers row.');
  });

  test('a retried 429 is provider trouble, no row', () => {
    const d = describeRecovery({ side: 'gateway', status: 429, method: 'POST', path: '/v1/messages', model: null, words: 'rate limited', resentSeq: 3, resentPath: '/v1/messages', resentStatus: 200, ownerRow: 'provider_trouble' });
    assert.equal(d.text, 'The gateway answered 429 to POST /v1/messages; the CLI resent the same turn there and got 200.');
    assert.equal(d.owner, 'Provider trouble, retried as it was: no row judges it.');
  });

  test('no recoveries: nothing shown', () => {
    const m = tiny();
    m.features[0].providers.azure = { status: 'pass', models: { 'claude-haiku-4-5': { status: 'pass', attempts: 1, duration_ms: 1 } } };
    const r = validateMatrix(m);
    const cell = r.matrix.features[0].cells.find((c) => c.providerId === 'azure');
    assert.equal(r.ok, true, JSON.stringify(r.problems));
    assert.equal(cell.modelResults[0].recoveries, undefined);
  });

  test('a malformed recovery is named', () => {
    const m = tiny();
    const bad = { ...recovery, refused: { ...recovery.refused, side: 'cli' } };
    m.features[0].providers.azure = { status: 'pass', models: { 'claude-haiku-4-5': { status: 'pass', attempts: 1, duration_ms: 1, recoveries: [bad] } } };
    expectProblem(m, /recoveries\[0\]: refused\.side must be "provider" or "gateway"/);
    m.features[0].providers.azure.models['claude-haiku-4-5'].recoveries = 'x';
    expectProblem(m, /recoveries must be an array/);
  });
});

describe('evidence: reds resting only on inferred simulator rules (issue 25)', () => {
  const m = validateMatrix(fixture('v2-builder-evidence-compatibility-matrix.json'));
  const cellOf = (f, p) => m.matrix.features.find((x) => x.id === f).cells.find((c) => c.providerId === p);

  test('a red whose every failing model rests on inferred rules carries the mark and the deep-dive words', () => {
    assert.equal(m.ok, true, JSON.stringify(m.problems));
    const c = cellOf('tool_use', 'anthropic');
    assert.equal(c.status, 'fail');
    assert.equal(c.inferred.mark, INFERRED_MARK);
    assert.equal(
      c.inferred.text,
      'Rests on an unverified simulator rule: foundry.requires_anthropic_version; a live probe settles it.',
    );
    const haiku = c.modelResults.find((r) => r.modelId === 'claude-haiku-4-5');
    assert.equal(haiku.evidence.kind, 'inferred');
    assert.match(haiku.evidence.text, /^Rests on an unverified simulator rule: foundry\.requires_anthropic_version; a live probe settles it\.$/);
    assert.equal(cellOf('basic_messaging_streaming', 'vertex_ai').inferred.rules.join(), 'betas.vertex');
  });

  test('a red with a documented rule or none (the gateway) has no mark; a sim-environment model is unverified, in words', () => {
    assert.equal(cellOf('tool_use', 'bedrock_converse').inferred, undefined);
    const gw = cellOf('tool_use', 'vertex_ai');
    assert.equal(gw.inferred, undefined);
    assert.match(gw.modelResults[2].evidence.text, /^No simulator rule decided it/);
    const env = cellOf('basic_messaging_streaming', 'bedrock_converse');
    assert.equal(env.status, 'unverified');
    assert.match(env.modelResults[2].classText, /^Sim environment: .* a live run settles it$/);
    assert.ok(CLASS_INFO.sim_environment);
  });

  test('a malformed evidence is refused, naming the kinds', () => {
    const raw = fixture('v2-builder-evidence-compatibility-matrix.json');
    raw.features[1].providers.anthropic.models['claude-haiku-4-5'].evidence = { kind: 'guess', rules: [] };
    const r = validateMatrix(raw);
    assert.equal(r.ok, false);
    assert.match(r.problems.join('\n'), /evidence must be \{"kind": one of documented, client, observed, inferred, gateway/);
    assert.deepEqual(EVIDENCE_KINDS, ['documented', 'client', 'observed', 'inferred', 'gateway']);
  });
});
