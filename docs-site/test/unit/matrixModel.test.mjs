import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  CLOCK_SKEW_TOLERANCE_MS,
  MAX_REPORTED_PROBLEMS,
  NOT_TESTED_TOOLTIP,
  PASS_TOOLTIP,
  RELATIVE_TIME_LIMIT_MS,
  STATUSES,
  STATUS_INFO,
  cellTooltip,
  describeCell,
  formatLastUpdated,
  formatUtcStable,
  parseUtcTimestamp,
  providerDisplayName,
  relativeAge,
  validateMatrix,
} from '../../src/components/CompatibilityMatrix/matrixModel.js';

const fixture = (name) => JSON.parse(readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8'));
const sample = () => fixture('sample-compatibility-matrix.json');

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** A small valid v1 matrix to mutate in tests. */
function tiny() {
  return {
    schema_version: '1',
    generated_at: '2026-11-25T10:00:00Z',
    litellm_version: 'v1.83.0-stable',
    claude_code_version: '2.1.120',
    providers: ['anthropic', 'azure'],
    features: [
      {
        id: 'tool_use',
        name: 'Tool use',
        providers: {
          anthropic: { status: 'pass' },
          azure: { status: 'fail', error: 'claude-opus-4-7: boom' },
        },
      },
      {
        id: 'vision',
        name: 'Vision',
        providers: {
          azure: { status: 'not_applicable', reason: 'no images' },
          anthropic: { status: 'not_tested' },
        },
      },
    ],
  };
}

function problemsOf(raw) {
  const r = validateMatrix(raw);
  assert.equal(r.ok, false, 'expected the matrix to be rejected');
  return r.problems;
}

function assertRejected(raw, pattern) {
  const problems = problemsOf(raw);
  assert.ok(
    problems.some((p) => pattern.test(p)),
    `expected a problem matching ${pattern}, got:\n  ${problems.join('\n  ')}`,
  );
}

describe('status mapping', () => {
  test('each status has its own icon, colour class and label', () => {
    assert.deepEqual(STATUSES, ['pass', 'fail', 'not_applicable', 'not_tested']);
    const expected = {
      pass: ['✓', 'pass', 'Pass'],
      fail: ['✗', 'fail', 'Fail'],
      not_applicable: ['—', 'notApplicable', 'Not applicable'],
      not_tested: ['?', 'notTested', 'Not tested'],
    };
    for (const [status, [icon, tone, label]] of Object.entries(expected)) {
      assert.equal(STATUS_INFO[status].icon, icon, status);
      assert.equal(STATUS_INFO[status].tone, tone, status);
      assert.equal(STATUS_INFO[status].label, label, status);
    }
  });

  test('tooltips: pass, the fail error, the n/a reason, not tested', () => {
    assert.equal(cellTooltip({ status: 'pass' }), 'Tested & passing');
    assert.equal(PASS_TOOLTIP, 'Tested & passing');
    assert.equal(cellTooltip({ status: 'fail', error: 'claude-opus-4-7: 500 from upstream' }), 'claude-opus-4-7: 500 from upstream');
    assert.equal(cellTooltip({ status: 'not_applicable', reason: 'no such API' }), 'no such API');
    assert.equal(cellTooltip({ status: 'not_tested' }), 'No test for this combination yet.');
    assert.equal(NOT_TESTED_TOOLTIP, 'No test for this combination yet.');
  });

  test('describeCell bundles everything a cell needs, and refuses unknown statuses', () => {
    assert.deepEqual(describeCell({ status: 'fail', error: 'e' }), {
      status: 'fail',
      tone: 'fail',
      icon: '✗',
      label: 'Fail',
      tooltip: 'e',
    });
    assert.throws(() => describeCell({ status: 'flaky' }), /unknown status "flaky"/);
    assert.throws(() => cellTooltip({ status: 'partial' }), /unknown status/);
  });

  test('provider display names; unknown ids shown as they are', () => {
    assert.equal(providerDisplayName('anthropic'), 'Anthropic');
    assert.equal(providerDisplayName('bedrock_invoke'), 'Bedrock (Invoke)');
    assert.equal(providerDisplayName('bedrock_converse'), 'Bedrock (Converse)');
    assert.equal(providerDisplayName('vertex_ai'), 'Vertex AI');
    assert.equal(providerDisplayName('azure'), 'Azure');
    assert.equal(providerDisplayName('bedrock_passthrough'), 'Bedrock (pass-through)');
    assert.equal(providerDisplayName('vertex_passthrough'), 'Vertex AI (pass-through)');
    assert.equal(providerDisplayName('azure_passthrough'), 'Azure AI (pass-through)');
    assert.equal(providerDisplayName('openrouter'), 'openrouter');
    assert.equal(providerDisplayName('constructor'), 'constructor', 'no prototype lookups');
    assert.equal(providerDisplayName('toString'), 'toString');
  });
});

describe('validateMatrix: accepts schema v1', () => {
  test('the sample fixture: columns and rows in the JSON order, all four statuses', () => {
    const r = validateMatrix(sample());
    assert.equal(r.ok, true, JSON.stringify(r.problems));
    const m = r.matrix;
    assert.equal(m.generatedAt, '2026-11-25T10:00:00Z');
    assert.equal(m.generatedAtMs, Date.UTC(2026, 10, 25, 10, 0, 0));
    assert.equal(m.litellmVersion, 'v1.83.0-stable');
    assert.equal(m.claudeCodeVersion, '2.1.120');
    assert.deepEqual(
      m.providers.map((p) => p.name),
      ['Anthropic', 'Bedrock (Invoke)', 'Bedrock (Converse)', 'Vertex AI', 'Azure'],
    );
    assert.deepEqual(
      m.features.map((f) => f.id),
      ['basic_messaging_non_streaming', 'basic_messaging_streaming', 'tool_use', 'prompt_caching_5m', 'vision', 'extended_thinking'],
    );
    assert.deepEqual(
      m.features.map((f) => f.name),
      ['Basic messaging (non-streaming)', 'Basic messaging (streaming)', 'Tool use', 'Prompt caching (5 min)', 'Vision', 'Extended thinking'],
    );
    const statuses = new Set(m.features.flatMap((f) => f.cells.map((c) => c.status)));
    assert.deepEqual([...statuses].sort(), ['fail', 'not_applicable', 'not_tested', 'pass']);
    const azureToolUse = m.features[2].cells[4];
    assert.equal(azureToolUse.providerId, 'azure');
    assert.equal(azureToolUse.status, 'fail');
    assert.match(azureToolUse.tooltip, /^claude-opus-4-7: /);
  });

  test('cells follow the top-level provider order, not the order of the feature map', () => {
    const r = validateMatrix(tiny());
    assert.equal(r.ok, true);
    const vision = r.matrix.features[1];
    assert.deepEqual(
      vision.cells.map((c) => [c.providerId, c.status, c.tooltip]),
      [
        ['anthropic', 'not_tested', 'No test for this combination yet.'],
        ['azure', 'not_applicable', 'no images'],
      ],
    );
  });

  test('unknown provider ids are kept and shown as they are', () => {
    const m = tiny();
    m.providers.push('openrouter');
    for (const f of m.features) f.providers.openrouter = { status: 'not_tested' };
    const r = validateMatrix(m);
    assert.equal(r.ok, true);
    assert.deepEqual(r.matrix.providers.at(-1), { id: 'openrouter', name: 'openrouter' });
  });

  test('fields the schema does not define are ignored', () => {
    const m = tiny();
    m.extra = 1;
    m.features[0].description = 'x';
    m.features[0].providers.anthropic.models = ['a'];
    assert.equal(validateMatrix(m).ok, true);
  });

  test('fractional seconds in generated_at', () => {
    const m = tiny();
    m.generated_at = '2026-11-25T10:00:00.250Z';
    const r = validateMatrix(m);
    assert.equal(r.ok, true);
    assert.equal(r.matrix.generatedAtMs, Date.UTC(2026, 10, 25, 10, 0, 0) + 250);
  });
});

describe('validateMatrix: rejects other versions', () => {
  test('schema_version "3" (the v3 fixture) is a version mismatch, not checked further', () => {
    const r = validateMatrix(fixture('schema-v3-compatibility-matrix.json'));
    assert.equal(r.ok, false);
    assert.equal(r.kind, 'schema_version');
    assert.equal(r.found, '3');
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0], /schema_version is "3"; this component renders only schema version "1" or "2"/);
  });

  for (const [value, pattern] of [
    ['1.0', /schema_version is "1.0"/],
    ['', /schema_version is ""/],
    [1, /must be the string "1" or "2", found number 1/],
    [null, /found null/],
  ]) {
    test(`schema_version ${JSON.stringify(value)}`, () => {
      const m = tiny();
      m.schema_version = value;
      const r = validateMatrix(m);
      assert.equal(r.ok, false);
      assert.equal(r.kind, 'schema_version');
      assert.match(r.problems[0], pattern);
    });
  }

  test('missing schema_version is malformed', () => {
    const m = tiny();
    delete m.schema_version;
    const r = validateMatrix(m);
    assert.equal(r.kind, 'malformed');
    assert.deepEqual(r.problems, ['schema_version is missing']);
  });
});

describe('validateMatrix: rejects malformed v1 files', () => {
  for (const raw of [null, [], 'matrix', 42, undefined]) {
    test(`not an object: ${JSON.stringify(raw)}`, () => {
      assertRejected(raw, /must hold a JSON object/);
    });
  }

  for (const field of ['generated_at', 'litellm_version', 'claude_code_version', 'providers', 'features']) {
    test(`missing ${field}`, () => {
      const m = tiny();
      delete m[field];
      assertRejected(m, new RegExp(`^${field} is missing$`));
    });
  }

  for (const bad of ['yesterday', '2026-11-25', '2026-11-25T10:00:00', '2026-11-25T10:00:00+01:00', '2026-02-30T10:00:00Z', '2026-11-25T24:00:00Z', 1764064800]) {
    test(`generated_at ${JSON.stringify(bad)}`, () => {
      const m = tiny();
      m.generated_at = bad;
      assertRejected(m, /generated_at must be an ISO-8601 UTC timestamp/);
    });
  }

  test('version fields must be non-empty strings', () => {
    const m = tiny();
    m.litellm_version = '';
    m.claude_code_version = 2.1;
    const problems = problemsOf(m);
    assert.ok(problems.includes('litellm_version must be a non-empty string, found the string ""'), problems.join('\n'));
    assert.ok(problems.includes('claude_code_version must be a non-empty string, found number 2.1'), problems.join('\n'));
  });

  test('providers: wrong type, empty, bad entries, duplicates', () => {
    assertRejected({ ...tiny(), providers: 'anthropic' }, /providers must be an array/);
    assertRejected({ ...tiny(), providers: [] }, /providers is empty/);
    assertRejected({ ...tiny(), providers: ['anthropic', 7, 'azure'] }, /providers\[1\] must be a non-empty string, found number 7/);
    assertRejected({ ...tiny(), providers: ['anthropic', 'azure', 'anthropic'] }, /providers\[2\]: provider "anthropic" is listed twice/);
  });

  test('features: wrong type, empty, bad entries, duplicates', () => {
    assertRejected({ ...tiny(), features: {} }, /features must be an array, found an object/);
    assertRejected({ ...tiny(), features: [] }, /features is empty/);
    const m = tiny();
    m.features.push('vision');
    assertRejected(m, /features\[2\] must be an object, found the string "vision"/);
    const d = tiny();
    d.features[1].id = 'tool_use';
    assertRejected(d, /features\[1\] \(tool_use\): feature "tool_use" is listed twice/);
    const n = tiny();
    delete n.features[0].name;
    assertRejected(n, /features\[0\] \(tool_use\)\.name must be a non-empty string, found undefined/);
    const i = tiny();
    i.features[0].id = 3;
    assertRejected(i, /features\[0\]\.id must be a non-empty string/);
    const p = tiny();
    p.features[0].providers = ['pass', 'fail'];
    assertRejected(p, /features\[0\] \(tool_use\)\.providers must be an object/);
  });

  test('a missing cell', () => {
    const m = tiny();
    delete m.features[1].providers.azure;
    assertRejected(m, /^features\[1\] \(vision\)\.providers\.azure is missing$/);
  });

  test('a cell for a provider that is not a column', () => {
    const m = tiny();
    m.features[0].providers.openai = { status: 'pass' };
    assertRejected(m, /providers\.openai: provider "openai" is not in the top-level providers list/);
  });

  for (const status of ['flaky', 'partial', 'PASS', 'skipped', '', null, 1]) {
    test(`unknown status ${JSON.stringify(status)}`, () => {
      const m = tiny();
      m.features[0].providers.anthropic = { status };
      assertRejected(m, /features\[0\] \(tool_use\)\.providers\.anthropic\.status: unknown status .*expected one of "pass", "fail", "not_applicable", "not_tested"/);
    });
  }

  test('a cell that is not an object', () => {
    const m = tiny();
    m.features[0].providers.anthropic = 'pass';
    assertRejected(m, /providers\.anthropic must be an object like \{"status": "pass"\}, found the string "pass"/);
  });

  test('fail needs an error, not_applicable a reason', () => {
    const f = tiny();
    delete f.features[0].providers.azure.error;
    assertRejected(f, /a "fail" cell needs a non-empty "error" string, found undefined/);
    const g = tiny();
    g.features[0].providers.azure.error = '   ';
    assertRejected(g, /a "fail" cell needs a non-empty "error" string/);
    const n = tiny();
    n.features[1].providers.azure = { status: 'not_applicable', error: 'wrong field' };
    assertRejected(n, /a "not_applicable" cell needs a non-empty "reason" string/);
  });

  test('the malformed fixture reports each of its problems', () => {
    const r = validateMatrix(fixture('malformed-compatibility-matrix.json'));
    assert.equal(r.ok, false);
    assert.equal(r.kind, 'malformed');
    assert.equal(r.problems.length, 3, r.problems.join('\n'));
    assert.match(r.problems.join('\n'), /generated_at must be/);
    assert.match(r.problems.join('\n'), /tool_use\)\.providers\.azure\.status: unknown status the string "flaky"/);
    assert.match(r.problems.join('\n'), /vision\)\.providers\.vertex_ai is missing/);
  });

  test('the problem list is capped', () => {
    const m = tiny();
    for (const f of m.features) f.providers = { anthropic: { status: 'x' }, azure: { status: 'y' } };
    m.providers = ['anthropic', 'azure', 'a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const problems = problemsOf(m);
    assert.equal(problems.length, MAX_REPORTED_PROBLEMS + 1);
    assert.match(problems.at(-1), /^… and \d+ more problem\(s\)$/);
  });
});

describe('parseUtcTimestamp', () => {
  test('valid and invalid forms', () => {
    assert.equal(parseUtcTimestamp('2026-11-25T10:00:00Z'), Date.UTC(2026, 10, 25, 10));
    assert.equal(parseUtcTimestamp('2024-02-29T23:59:59Z'), Date.UTC(2024, 1, 29, 23, 59, 59));
    assert.equal(parseUtcTimestamp('2025-02-29T00:00:00Z'), null);
    assert.equal(parseUtcTimestamp('2026-11-25 10:00:00Z'), null);
    assert.equal(parseUtcTimestamp('2026-11-25T10:00:00z'), null);
    assert.equal(parseUtcTimestamp(' 2026-11-25T10:00:00Z'), null);
    assert.equal(parseUtcTimestamp(undefined), null);
  });
});

describe('relative time thresholds', () => {
  const cases = [
    [0, 'just now'],
    [59 * SEC, 'just now'],
    [60 * SEC, '1 minute ago'],
    [119 * SEC, '1 minute ago'],
    [2 * MIN, '2 minutes ago'],
    [59 * MIN + 59 * SEC, '59 minutes ago'],
    [HOUR, '1 hour ago'],
    [2 * HOUR, '2 hours ago'],
    [2 * HOUR + 59 * MIN, '2 hours ago'],
    [23 * HOUR + 59 * MIN, '23 hours ago'],
    [DAY, '1 day ago'],
    [6 * DAY + 23 * HOUR, '6 days ago'],
    [RELATIVE_TIME_LIMIT_MS - 1, '6 days ago'],
    [RELATIVE_TIME_LIMIT_MS, null],
    [30 * DAY, null],
    // the reader's clock a little behind: still "just now"; far behind: absolute
    [-CLOCK_SKEW_TOLERANCE_MS, 'just now'],
    [-CLOCK_SKEW_TOLERANCE_MS - 1, null],
    [NaN, null],
  ];
  for (const [age, expected] of cases) {
    test(`${age} ms -> ${JSON.stringify(expected)}`, () => {
      assert.equal(relativeAge(age), expected);
    });
  }

  test('the threshold is seven days', () => {
    assert.equal(RELATIVE_TIME_LIMIT_MS, 7 * DAY);
  });
});

describe('formatLastUpdated', () => {
  const generated = Date.UTC(2026, 10, 25, 10, 0, 0);

  test('before mount (no clock): stable UTC text, no relative time', () => {
    const r = formatLastUpdated(generated, { nowMs: null });
    assert.deepEqual(r, {
      text: '2026-11-25 10:00 UTC',
      relative: false,
      tooltipLines: ['Generated at 2026-11-25 10:00:00 UTC'],
      tooltip: 'Generated at 2026-11-25 10:00:00 UTC',
      timeZone: 'UTC',
    });
  });

  test('recent: relative text; tooltip in the reader zone, labelled', () => {
    const r = formatLastUpdated(generated, { nowMs: generated + 2 * HOUR, locale: 'en-US', timeZone: 'Asia/Tokyo' });
    assert.equal(r.text, '2 hours ago');
    assert.equal(r.relative, true);
    assert.equal(r.timeZone, 'Asia/Tokyo');
    assert.equal(r.tooltipLines.length, 3);
    assert.match(r.tooltipLines[0], /^Wednesday, November 25, 2026 at 7:00:00\sPM GMT\+9$/);
    assert.equal(r.tooltipLines[1], 'Your time zone: Asia/Tokyo');
    assert.equal(r.tooltipLines[2], '(2026-11-25 10:00:00 UTC)');
    assert.equal(r.tooltip, r.tooltipLines.join('\n'));
  });

  test('old: absolute date, in the reader zone', () => {
    // 23:30 UTC on the 25th is already the 26th in Tokyo and still the 25th in New York.
    const late = Date.UTC(2026, 10, 25, 23, 30);
    const tokyo = formatLastUpdated(late, { nowMs: late + 30 * DAY, locale: 'en-US', timeZone: 'Asia/Tokyo' });
    assert.equal(tokyo.text, 'on Nov 26, 2026');
    assert.equal(tokyo.relative, false);
    const ny = formatLastUpdated(late, { nowMs: late + 30 * DAY, locale: 'en-US', timeZone: 'America/New_York' });
    assert.equal(ny.text, 'on Nov 25, 2026');
    assert.match(ny.tooltip, /6:30:00\sPM EST\nYour time zone: America\/New_York\n/);
  });

  test('exactly at the threshold switches to absolute', () => {
    const justBefore = formatLastUpdated(generated, { nowMs: generated + RELATIVE_TIME_LIMIT_MS - MIN, locale: 'en-US', timeZone: 'UTC' });
    assert.equal(justBefore.text, '6 days ago');
    const at = formatLastUpdated(generated, { nowMs: generated + RELATIVE_TIME_LIMIT_MS, locale: 'en-US', timeZone: 'UTC' });
    assert.equal(at.text, 'on Nov 25, 2026');
  });

  test('a timestamp in the future is not "in 3 hours"', () => {
    const r = formatLastUpdated(generated, { nowMs: generated - 3 * HOUR, locale: 'en-US', timeZone: 'UTC' });
    assert.equal(r.text, 'on Nov 25, 2026');
  });

  test('an unknown time zone falls back to UTC instead of throwing', () => {
    const r = formatLastUpdated(generated, { nowMs: generated + HOUR, locale: 'en-US', timeZone: 'Mars/Olympus_Mons' });
    assert.equal(r.text, '1 hour ago');
    assert.match(r.tooltip, /\nYour time zone: UTC\n/);
  });

  test('formatUtcStable pads and is independent of Intl', () => {
    assert.equal(formatUtcStable(Date.UTC(2027, 0, 2, 3, 4, 5)), '2027-01-02 03:04 UTC');
    assert.equal(formatUtcStable(Date.UTC(2027, 0, 2, 3, 4, 5), { seconds: true }), '2027-01-02 03:04:05 UTC');
  });
});
