/**
 * columnGroups.js and its use in validateMatrix (issue 28): the column facts
 * (`columns`, `reaches`, `formats`), grouping by reach, the per-column
 * summary, and the "not offered by the gateway" list.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { columnSummary, evidenceUrl, groupOrder, validateColumnFacts } from '../../src/components/CompatibilityMatrix/columnGroups.js';
import { validateMatrix } from '../../src/components/CompatibilityMatrix/matrixModel.js';

const fixture = (name) => JSON.parse(readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8'));

/** A small v2 matrix with column facts; `cells[feature][provider]` is a status. */
function small(extra = {}) {
  const providers = ['a', 'b', 'c'];
  const cell = (status) =>
    ({ fail: { status, error: 'x' }, partial: { status, error: 'x', passing_models: ['m'] }, not_applicable: { status, reason: 'r' }, unverified: { status, error: 'x' } })[status] ||
    { status };
  const rows = [
    ['pass', 'fail', 'pass'],
    ['pass', 'not_applicable', 'partial'],
    ['not_tested', 'unverified', 'pass'],
  ];
  return {
    schema_version: '2',
    generated_at: '2026-12-06T00:00:00Z',
    litellm_version: 'v1',
    claude_code_version: '2',
    providers,
    columns: [
      { id: 'a', name: 'A', reach: 'native', format: 'f' },
      { id: 'b', name: 'B', reach: 'base', format: 'f' },
      { id: 'c', name: 'C', reach: 'native', format: 'f' },
    ],
    reaches: [
      { id: 'base', name: 'Base URL', description: 'Base.' },
      { id: 'native', name: 'Native mode', description: 'Native.' },
    ],
    formats: [{ id: 'f', name: 'Format F', description: 'F.' }],
    models: [{ id: 'm', name: 'M' }],
    features: rows.map((r, i) => ({ id: `f${i}`, name: `F${i}`, providers: Object.fromEntries(providers.map((p, j) => [p, cell(r[j])])) })),
    not_offered: [{ mode: 'CLAUDE_CODE_USE_X', name: 'X mode', why: 'No route.', evidence: 'docs/x.md' }],
    ...extra,
  };
}

describe('column facts', () => {
  test('columns are regrouped by reach, in the reaches order, cells with them', () => {
    const r = validateMatrix(small());
    assert.ok(r.ok, JSON.stringify(r.problems));
    const m = r.matrix;
    assert.deepEqual(
      m.providers.map((p) => [p.id, p.name, p.reach]),
      [
        ['b', 'B', 'base'],
        ['a', 'A', 'native'],
        ['c', 'C', 'native'],
      ],
    );
    assert.deepEqual(
      m.groups.map((g) => [g.id, g.name, g.span]),
      [
        ['base', 'Base URL', 1],
        ['native', 'Native mode', 2],
      ],
    );
    assert.deepEqual(
      m.features[0].cells.map((c) => [c.providerId, c.status]),
      [
        ['b', 'fail'],
        ['a', 'pass'],
        ['c', 'pass'],
      ],
    );
    assert.deepEqual(m.notOffered, [{ mode: 'CLAUDE_CODE_USE_X', name: 'X mode', why: 'No route.', evidence: 'docs/x.md' }]);
    assert.equal(m.formats[0].name, 'Format F');
  });

  test('a matrix without them renders as before: no groups, built-in names, no list', () => {
    const raw = small();
    for (const k of ['columns', 'reaches', 'formats', 'not_offered']) delete raw[k];
    const r = validateMatrix(raw);
    assert.ok(r.ok);
    assert.equal(r.matrix.groups, null);
    assert.deepEqual(r.matrix.notOffered, []);
    assert.deepEqual(
      r.matrix.providers.map((p) => p.id),
      ['a', 'b', 'c'],
    );
  });

  test('bad facts make the file malformed, naming where', () => {
    const bad = (extra) => {
      const r = validateMatrix(small(extra));
      assert.equal(r.ok, false);
      return r.problems.join('\n');
    };
    assert.match(bad({ columns: [{ id: 'b', name: 'B' }, { id: 'a', name: 'A' }, { id: 'c', name: 'C' }] }), /columns must follow providers one to one/);
    assert.match(bad({ columns: small().columns.map((c) => ({ ...c, reach: c.id === 'a' ? 'nope' : c.reach })) }), /columns\[0\] \(a\)\.reach: "nope" is not described in reaches/);
    assert.match(bad({ not_offered: [{ mode: 'lower', name: 'n', why: 'w', evidence: 'e' }] }), /not_offered\[0\] must be/);
    assert.match(bad({ not_offered: [{ mode: 'X', name: 'n', why: 'w', evidence: 'javascript://x' }] }), /evidence must be a repository path or an https URL/);
    assert.match(bad({ reaches: 'x' }), /reaches must be an array/);
  });

  test('columns without a reach go last, under "Other"', () => {
    const providers = [{ id: 'a', reach: null }, { id: 'b', reach: 'r' }];
    assert.deepEqual(groupOrder(providers, [{ id: 'r', name: 'R', description: 'R.' }]), {
      order: [1, 0],
      groups: [
        { id: 'r', name: 'R', description: 'R.', span: 1 },
        { id: null, name: 'Other', description: 'Columns the matrix does not place in a group.', span: 1 },
      ],
    });
    assert.equal(groupOrder([{ id: 'a', reach: null }], []), null);
  });
});

describe('column summary', () => {
  test('pass and flaky over rows with a verdict; n/a, unverified, not tested not counted', () => {
    const s = (...statuses) => columnSummary(statuses.map((status) => ({ status })));
    assert.deepEqual(s('pass', 'flaky', 'partial', 'fail', 'not_applicable', 'unverified', 'not_tested'), {
      passing: 2,
      verdicts: 4,
      count: '2 / 4',
      words: 'rows pass',
      text: '2 / 4 rows pass',
    });
    assert.equal(s('pass').text, '1 / 1 row passes');
    assert.equal(s('not_tested', 'unverified').text, 'no verdict yet');
  });

  test("the grouped fixture: claude_code_gateway's hand-made column reads 18 / 20", () => {
    const r = validateMatrix(fixture('v2-grouped-compatibility-matrix.json'));
    assert.ok(r.ok, JSON.stringify(r.problems));
    const pi = r.matrix.providers.findIndex((p) => p.id === 'claude_code_gateway');
    assert.equal(columnSummary(r.matrix.features.map((f) => f.cells[pi])).text, '18 / 20 rows pass');
    assert.deepEqual(
      r.matrix.groups.map((g) => [g.id, g.span]),
      [
        ['base_url', 6],
        ['route', 2],
        ['native_mode', 4],
        ['rust_path', 2],
      ],
    );
    assert.equal(r.matrix.providers[5].id, 'bedrock_mantle', 'Mantle joins the base-URL group');
    assert.equal(r.matrix.notOffered.length, 2);
  });
});

describe('not offered', () => {
  test('evidence links: an https URL as it is, a repository path at the source commit, else none', () => {
    const ctx = { source_repo_url: 'https://github.com/o/r.git', source_commit: 'abc' };
    assert.equal(evidenceUrl('https://example.org/x', null), 'https://example.org/x');
    assert.equal(evidenceUrl('docs/columns/mantle_passthrough.md', ctx), 'https://github.com/o/r/blob/abc/docs/columns/mantle_passthrough.md');
    assert.equal(evidenceUrl('docs/x.md', { source_repo_url: 'https://github.com/o/r' }), null);
  });

  test('validateColumnFacts collects the list in order', () => {
    const problems = [];
    const f = validateColumnFacts(small(), ['a', 'b', 'c'], (p) => problems.push(p));
    assert.deepEqual(problems, []);
    assert.deepEqual(
      f.notOffered.map((n) => n.mode),
      ['CLAUDE_CODE_USE_X'],
    );
  });
});
