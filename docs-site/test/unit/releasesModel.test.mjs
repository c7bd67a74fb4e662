/**
 * releasesModel.js (the weekly releases run's file beside the matrix) and the
 * version-bump words of matrixModel.js: validation of the releases file,
 * "works since" / "broke in" texts, the release switch's aggregation, and
 * `history.changed_with` on changed cells.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { changedCells, changesSummary, parseChangedWith, validateMatrix } from '../../src/components/CompatibilityMatrix/matrixModel.js';
import {
  DAILY,
  NOT_MEASURED_TEXT,
  acrossReleases,
  aggregateModelStatuses,
  releaseCell,
  releaseOptions,
  switchMatrix,
  switchNote,
  validateReleases,
} from '../../src/components/CompatibilityMatrix/releasesModel.js';

const fixture = (name) => JSON.parse(readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8'));
const RELEASES = () => fixture('releases-compatibility-releases.json');
const DAILY_MATRIX = () => validateMatrix(fixture('v2-releases-compatibility-matrix.json')).matrix;
const valid = () => {
  const r = validateReleases(RELEASES());
  assert.equal(r.ok, true, JSON.stringify(r.problems));
  return r.releases;
};
const cellOf = (matrix, f, p) => matrix.features.find((x) => x.id === f).cells.find((c) => c.providerId === p);

describe('validateReleases', () => {
  test('the fixture reads: releases oldest first, mode, counts, cells per model', () => {
    const r = valid();
    assert.deepEqual(
      r.releases.map((x) => x.version),
      ['1.106.12', '1.108.7', '1.110.2'],
    );
    assert.equal(r.mode, 'sim');
    assert.equal(r.claudeCodeVersion, '2.1.332');
    assert.equal(r.releases[0].why, 'the last stable release of 1.106');
    assert.deepEqual(r.skipped, [{ version: '1.108.8', why: 'the index lacks litellm-enterprise==0.1.79.post2' }]);
    assert.equal(r.cells.size, 16);
    const opus = r.cells.get('token_counting\u0000anthropic').get('claude-opus-4-7');
    assert.equal(opus.brokeIn.release, '1.110.2');
    assert.equal(opus.byRelease['1.108.7'].class, 'upstream_unavailable');
  });

  test('the malformed fixture: every problem named by its JSON location', () => {
    const r = validateReleases(fixture('malformed-compatibility-releases.json'));
    assert.equal(r.ok, false);
    assert.deepEqual(r.problems, [
      'mode must be one of sim, rehearsal, live, found the string "staging"',
      'cells[1] (basic_messaging_streaming × anthropic × claude-sonnet-4-6).by_release["1.999.0"]: release "1.999.0" is not in the top-level releases list',
    ]);
  });

  const cases = [
    ['not an object', () => [], /^the file must hold a JSON object, found an array$/],
    ['another schema version', (r) => Object.assign(r, { schema_version: 2 }), /^schema_version must be the number 1 .*found number 2$/],
    ['schema version as a string', (r) => Object.assign(r, { schema_version: '1' }), /found the string "1"$/],
    ['no releases', (r) => Object.assign(r, { releases: [] }), /^releases must be a non-empty array/],
    ['a release listed twice', (r) => r.releases.push({ ...r.releases[0] }), /^releases\[3\]: release "1.106.12" is listed twice$/],
    ['a bad measured_at', (r) => Object.assign(r.releases[1], { measured_at: '2026-12-06' }), /^releases\[1\]\.measured_at must be an ISO-8601 UTC timestamp/],
    ['a bad count', (r) => Object.assign(r.releases[2], { cells: -1 }), /^releases\[2\]\.cells must be a whole number >= 0, found number -1$/],
    ['a bad generated_at', (r) => Object.assign(r, { generated_at: 'yesterday' }), /^generated_at must be an ISO-8601 UTC timestamp/],
    ['no claude_code_version', (r) => delete r.claude_code_version, /^claude_code_version must be a non-empty string, found undefined$/],
    ['models not a list', (r) => Object.assign(r, { models: {} }), /^models must be an array of \{id, name\}, found an object$/],
    ['an unknown status', (r) => Object.assign(r.cells[0].by_release['1.106.12'], { status: 'broken' }), /^cells\[0\] .*\.by_release\["1.106.12"\]\.status must be one of pass, flaky, fail, unverified, not_applicable, not_tested, found the string "broken"$/],
    ['an unknown class', (r) => Object.assign(r.cells[0].by_release['1.106.12'], { class: 'gremlins' }), /\.class: unknown failure class the string "gremlins"$/],
    ['works_since not a measured release', (r) => Object.assign(r.cells[0], { works_since: '1.0.0' }), /^cells\[0\] .*\.works_since must be null or a release of the releases list, found the string "1.0.0"$/],
    ['broke_in without a message', (r) => Object.assign(r.cells[0], { works_since: null, broke_in: { release: '1.110.2' } }), /\.broke_in must be null or \{"release": .*found an object$/],
    ['both works_since and broke_in', (r) => Object.assign(r.cells[0], { broke_in: { release: '1.110.2', message: 'x' } }), /works_since and broke_in cannot both be set/],
    ['a cell without its model', (r) => delete r.cells[3].model, /^cells\[3\]\.model must be a non-empty string, found undefined$/],
  ];
  for (const [name, mutate, re] of cases) {
    test(`refused: ${name}`, () => {
      let raw = RELEASES();
      const out = mutate(raw);
      if (Array.isArray(out) && out.length === 0) raw = out;
      const r = validateReleases(raw);
      assert.equal(r.ok, false);
      assert.ok(
        r.problems.some((p) => re.test(p)),
        `${re} not in ${JSON.stringify(r.problems)}`,
      );
    });
  }
});

describe('works since / broke in (the deep dive, per model)', () => {
  const models = DAILY_MATRIX().models;
  const lines = (f, p) => acrossReleases(valid(), f, p, models);

  test('works in every measured release, with the range', () => {
    const l = lines('basic_messaging_streaming', 'anthropic');
    assert.deepEqual(
      l.map((x) => [x.kind, x.text]),
      models.map(() => ['every', 'Works in every measured release (1.106.12–1.110.2)']),
    );
    assert.deepEqual(
      l[0].strip.map((s) => [s.version, s.status, s.icon]),
      [
        ['1.106.12', 'pass', '✓'],
        ['1.108.7', 'pass', '✓'],
        ['1.110.2', 'pass', '✓'],
      ],
    );
  });

  test('works since a release, naming the last broken one', () => {
    assert.equal(lines('tool_use', 'bedrock_invoke')[0].text, 'Works since LiteLLM 1.108.7 (broken in 1.106.12)');
    assert.equal(lines('tool_use', 'bedrock_invoke')[0].kind, 'since');
  });

  test('a cell absent in the oldest release works in every release that had it', () => {
    const l = lines('vision', 'bedrock_invoke')[1];
    assert.equal(l.text, 'Works in every measured release (1.108.7–1.110.2)');
    assert.deepEqual(
      l.strip.map((s) => s.status),
      ['absent', 'pass', 'pass'],
    );
  });

  test('broke in a release, with its message and the last working release', () => {
    const l = lines('tool_use', 'bedrock_converse')[2];
    assert.equal(l.kind, 'broke');
    assert.equal(l.text, 'Broke in LiteLLM 1.110.2 (worked in 1.108.7)');
    assert.match(l.message, /^The provider answered 400 to what the gateway sent: toolConfig/);
  });

  test('an unverified release in between is skipped: broke in the newest, worked in the oldest', () => {
    const [haiku, sonnet, opus] = lines('token_counting', 'anthropic');
    assert.equal(haiku.kind, 'every');
    assert.equal(sonnet.text, 'Works in every measured release (1.106.12–1.110.2)');
    assert.equal(opus.text, 'Broke in LiteLLM 1.110.2 (worked in 1.106.12)');
    assert.deepEqual(
      opus.strip.map((s) => s.icon),
      ['✓', '◌', '✗'],
    );
  });

  test('never worked; not applicable; not measured', () => {
    assert.equal(lines('vision', 'vertex_ai')[0].text, 'Never worked in the measured releases (1.106.12–1.110.2)');
    assert.equal(lines('token_counting', 'bedrock_invoke')[0].text, 'Not applicable in the measured releases');
    assert.equal(acrossReleases(valid(), 'web_search', 'anthropic', models), null);
  });

  test('no verdict at all (only unverified)', () => {
    const raw = RELEASES();
    const c = raw.cells.find((x) => x.feature === 'vision' && x.provider === 'anthropic' && x.model === 'claude-haiku-4-5');
    for (const v of Object.keys(c.by_release)) c.by_release[v] = { status: 'unverified', class: 'harness', message: 'proxy died' };
    c.works_since = null;
    const r = validateReleases(raw).releases;
    assert.equal(acrossReleases(r, 'vision', 'anthropic', models)[0].text, 'No verdict in the measured releases');
  });
});

describe('the release switch', () => {
  test('aggregates per-model statuses as the v2 builder does', () => {
    const agg = (s) => aggregateModelStatuses(s, 3);
    assert.equal(agg({ a: 'pass', b: 'pass', c: 'pass' }), 'pass');
    assert.equal(agg({ a: 'pass', b: 'flaky', c: 'pass' }), 'flaky');
    assert.equal(agg({ a: 'fail', b: 'fail', c: 'fail' }), 'fail');
    assert.equal(agg({ a: 'fail', b: 'pass', c: 'unverified' }), 'partial');
    assert.equal(agg({ a: 'fail', b: 'unverified', c: 'not_applicable' }), 'fail');
    assert.equal(agg({ a: 'pass', b: 'unverified', c: 'pass' }), 'unverified');
    assert.equal(agg({ a: 'pass', b: 'pass' }), 'not_tested');
    assert.equal(agg({ a: 'not_applicable', b: 'pass', c: 'pass' }), 'pass');
    assert.equal(agg({ a: 'not_applicable' }), 'not_applicable');
    assert.equal(agg({ a: 'not_applicable', b: 'not_applicable', c: 'not_applicable' }), 'not_applicable');
    assert.equal(agg({}), 'not_tested');
  });

  test('recolours every cell from the chosen release; rows and columns stay the daily matrix’s', () => {
    const daily = DAILY_MATRIX();
    const r = valid();
    const old = switchMatrix(daily, r, '1.106.12');
    assert.equal(old.release, '1.106.12');
    assert.equal(old.context, null, "the daily run's commit and logs are not linked from a release's cells");
    assert.deepEqual(
      old.features.map((f) => f.id),
      daily.features.map((f) => f.id),
    );
    assert.equal(cellOf(daily, 'tool_use', 'bedrock_invoke').status, 'pass');
    const invoke = cellOf(old, 'tool_use', 'bedrock_invoke');
    assert.equal(invoke.status, 'fail');
    assert.equal(invoke.tone, 'fail');
    assert.match(invoke.error.full, /^claude-haiku-4-5: The provider answered 400: tool_use.input must be an object/);
    assert.equal(invoke.modelResults[0].classText, 'Incompatible: the gateway broke the feature');
    assert.equal(invoke.modelResults[0].attemptsText, null);
    assert.equal(invoke.changed, false);
    assert.equal(cellOf(old, 'tool_use', 'bedrock_converse').status, 'pass');
    // Absent in that release: not tested, "not measured in this release".
    const absent = cellOf(old, 'vision', 'bedrock_invoke');
    assert.equal(absent.status, 'not_tested');
    assert.equal(absent.summary, NOT_MEASURED_TEXT);
    // Not applicable keeps its reason.
    assert.match(cellOf(old, 'token_counting', 'bedrock_invoke').summary, /^Bedrock has no token-counting endpoint/);
    // No change marks in a switched view: they belong to the daily run.
    assert.deepEqual(changedCells(old), []);
    assert.equal(changesSummary(old), null);
  });

  test('flaky, unverified and partial cells of a release', () => {
    const daily = DAILY_MATRIX();
    const r = valid();
    const mid = switchMatrix(daily, r, '1.108.7');
    const counting = cellOf(mid, 'token_counting', 'anthropic');
    assert.equal(counting.status, 'unverified');
    assert.match(counting.error.full, /^claude-opus-4-7: 529 overloaded$/);
    assert.equal(counting.modelResults[1].status, 'flaky');
    const newest = switchMatrix(daily, r, '1.110.2');
    const partial = cellOf(newest, 'token_counting', 'anthropic');
    assert.equal(partial.status, 'partial');
    assert.deepEqual(partial.passingModels, ['claude-haiku-4-5', 'claude-sonnet-4-6']);
    assert.equal(releaseCell(r, 'web_search', 'anthropic', '1.110.2', daily.models).summary, NOT_MEASURED_TEXT);
  });

  test('the daily view and an unknown release are the daily matrix itself', () => {
    const daily = DAILY_MATRIX();
    assert.equal(switchMatrix(daily, valid(), DAILY), daily);
    assert.equal(switchMatrix(daily, valid(), '9.9.9'), daily);
  });

  test('options: the daily run first, then the releases newest first; the note says where the view comes from', () => {
    const daily = DAILY_MATRIX();
    const r = valid();
    assert.deepEqual(
      releaseOptions(daily, r).map((o) => [o.value, o.label]),
      [
        [DAILY, '1.110.2 (daily)'],
        ['1.110.2', '1.110.2 (newest measured)'],
        ['1.108.7', '1.108.7'],
        ['1.106.12', '1.106.12'],
      ],
    );
    assert.deepEqual(switchNote(daily, r, DAILY), {
      switched: false,
      text:
        'Showing the daily run (LiteLLM 1.110.2). The weekly releases run also measured 3 LiteLLM releases ' +
        '(1.106.12 to 1.110.2; 2026-12-06 06:00 UTC, sim mode: simulated providers): pick one to see its results. ' +
        'Not measured: 1.108.8 (the index lacks litellm-enterprise==0.1.79.post2).',
    });
    const n = switchNote(daily, r, '1.106.12');
    assert.equal(n.switched, true);
    assert.equal(
      n.text,
      'Showing LiteLLM 1.106.12 from the weekly releases run (generated 2026-12-06 06:00 UTC, sim mode: simulated providers, Claude Code 2.1.332), ' +
        'not the daily run above: the banner, the change marks and "last verified" belong to the daily run. ' +
        'It was measured because it is the last stable release of 1.106.',
    );
  });
});

describe('changed_with: the version bump that came with a change', () => {
  test('parsed and said in words; malformed ones refused', () => {
    assert.deepEqual(parseChangedWith({ litellm: { from: '1.108.7', to: '1.110.2' } }), {
      litellm: { from: '1.108.7', to: '1.110.2' },
      claudeCode: null,
      text: 'LiteLLM 1.108.7 → 1.110.2',
    });
    assert.equal(
      parseChangedWith({ litellm: { from: 'a', to: 'b' }, claude_code: { from: '2.1.331', to: '2.1.332' } }).text,
      'LiteLLM a → b and Claude Code 2.1.331 → 2.1.332',
    );
    for (const bad of [{}, null, { litellm: { from: 'a' } }, { lite_llm: { from: 'a', to: 'b' } }, 'LiteLLM 1 → 2']) {
      assert.equal(parseChangedWith(bad), null, JSON.stringify(bad));
    }
  });

  test('the changed cells and the summary name the bump', () => {
    const daily = DAILY_MATRIX();
    const converse = cellOf(daily, 'tool_use', 'bedrock_converse');
    assert.equal(converse.change.text, 'Changed from pass on 2026-12-06 with LiteLLM 1.108.7 → 1.110.2');
    // An unchanged cell's history has no bump.
    assert.equal(cellOf(daily, 'vision', 'vertex_ai').change.text, 'Fail since 2026-12-05');
    const s = changesSummary(daily);
    assert.equal(s.title, '2 cells changed since the previous run with LiteLLM 1.108.7 → 1.110.2:');
    assert.deepEqual(
      s.items.map((i) => i.line),
      ['Tool use on Bedrock (Converse): pass → fail', 'Token counting on Anthropic: pass → partial'],
    );
  });

  test('cells that changed with different bumps (or none) name theirs per line', () => {
    const raw = fixture('v2-releases-compatibility-matrix.json');
    delete raw.features[3].providers.anthropic.history.changed_with;
    const s = changesSummary(validateMatrix(raw).matrix);
    assert.equal(s.title, '2 cells changed since the previous run:');
    assert.deepEqual(
      s.items.map((i) => i.line),
      ['Tool use on Bedrock (Converse): pass → fail (with LiteLLM 1.108.7 → 1.110.2)', 'Token counting on Anthropic: pass → partial'],
    );
  });

  test('a malformed changed_with makes the matrix malformed, naming the cell', () => {
    const raw = fixture('v2-releases-compatibility-matrix.json');
    raw.features[1].providers.bedrock_converse.history.changed_with = { litellm: '1.110.2' };
    const r = validateMatrix(raw);
    assert.equal(r.ok, false);
    assert.match(r.problems[0], /^features\[1\] \(tool_use\)\.providers\.bedrock_converse: "history\.changed_with" must be/);
  });
});
