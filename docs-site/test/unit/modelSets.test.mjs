/**
 * A column of another model set (issue 29): the builder's output for
 * golden/builder/model_sets/ (column `openai` runs GPT-5.6 Luna/Terra/Sol,
 * the others Claude models). A cell's details list its own column's models,
 * and a cell or column naming a model it does not run is refused.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { validateMatrix } from '../../src/components/CompatibilityMatrix/matrixModel.js';

const load = () =>
  JSON.parse(readFileSync(new URL('../../fixtures/v2-builder-model-sets-compatibility-matrix.json', import.meta.url), 'utf8'));
const NOW = Date.parse('2026-11-25T12:00:00Z');

const cellOf = (matrix, feature, provider) =>
  matrix.features.find((f) => f.id === feature).cells.find((c) => c.providerId === provider);
const names = (cell) => cell.modelResults.map((r) => `${r.name} ${r.status}`);

describe('model sets: each column its own models', () => {
  test('the details of a cell list its column\'s models, in the set\'s order', () => {
    const r = validateMatrix(load(), { now: NOW });
    assert.equal(r.ok, true, JSON.stringify(r.problems));
    const m = r.matrix;
    assert.deepEqual(names(cellOf(m, 'tool_use', 'openai')), ['GPT-5.6 Luna fail', 'GPT-5.6 Terra pass', 'GPT-5.6 Sol pass']);
    assert.deepEqual(names(cellOf(m, 'tool_use', 'anthropic')), ['Claude Haiku 4.5 pass', 'Claude Opus 4.7 pass']);
    // A partial names its failing GPT model, not a Claude one.
    const partial = cellOf(m, 'tool_use', 'openai');
    assert.equal(partial.status, 'partial');
    assert.match(partial.summary, /GPT-5\.6 Luna/);
    assert.doesNotMatch(partial.summary, /Claude/);
    // A column naming its own models carries them (the legend lists the sets).
    const byId = Object.fromEntries(m.providers.map((p) => [p.id, (p.models || []).map((x) => x.id)]));
    assert.deepEqual(byId.openai, ['gpt-5.6-luna', 'gpt-5.6-terra', 'gpt-5.6-sol']);
    assert.deepEqual(byId.anthropic, ['claude-haiku-4-5', 'claude-opus-4-7']);
    // Every model of the file is listed once at the top.
    assert.deepEqual(
      m.models.map((x) => x.id),
      ['claude-haiku-4-5', 'claude-opus-4-7', 'gpt-5.6-luna', 'gpt-5.6-terra', 'gpt-5.6-sol'],
    );
  });

  test('without columns[].models a column runs every model (older files)', () => {
    const raw = load();
    for (const c of raw.columns) delete c.models;
    // The Claude cells then show the GPT models as not run, as any model a
    // cell has no result for.
    const r = validateMatrix(raw, { now: NOW });
    assert.equal(r.ok, true, JSON.stringify(r.problems));
    assert.equal(cellOf(r.matrix, 'tool_use', 'anthropic').modelResults.length, 5);
  });

  test('a cell with a result for a model its column does not run is refused', () => {
    const raw = load();
    const tool = raw.features.find((f) => f.id === 'tool_use');
    tool.providers.anthropic.models['gpt-5.6-sol'] = tool.providers.openai.models['gpt-5.6-sol'];
    const r = validateMatrix(raw, { now: NOW });
    assert.equal(r.ok, false);
    assert.match(r.problems.join('\n'), /anthropic: models\.gpt-5\.6-sol: model "gpt-5\.6-sol" is not a model of this column/);
  });

  test('a column naming an unknown or duplicate model is refused', () => {
    for (const bad of [['gpt-9'], [], ['gpt-5.6-sol', 'gpt-5.6-sol'], 'gpt-5.6-sol']) {
      const raw = load();
      raw.columns[2].models = bad;
      const r = validateMatrix(raw, { now: NOW });
      assert.equal(r.ok, false, JSON.stringify(bad));
      assert.match(r.problems.join('\n'), /columns\[2\] \(openai\)\.models must be a non-empty list of distinct ids of the top-level models/);
    }
  });
});
