/**
 * Column facts of a schema v2 matrix (issue 28): how the CLI reaches the
 * gateway per column (`columns[].reach`, described in `reaches`: the page's
 * column groups), the gateway-contract format a column exercises
 * (`columns[].format`, described in `formats`), the per-column summary, and
 * the CLI modes the gateway does not offer (`not_offered`). All optional in
 * the file: a matrix without them renders as before (no groups, no list).
 *
 * Pure: no React, DOM or clock (matrixModel.js calls it while validating).
 */

const ID = /^[a-z0-9][a-z0-9_]*$/;
const MODE = /^[A-Z0-9_]+$/;

function isPlainObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isText(v) {
  return typeof v === 'string' && v.trim() !== '';
}

function show(v) {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (v === null) return 'null';
  return Array.isArray(v) ? 'an array' : typeof v;
}

/** A list of { id, name, description } (`reaches`, `formats`); [] when absent. */
function validateDescribed(raw, field, problem) {
  if (!(field in raw)) return [];
  if (!Array.isArray(raw[field])) {
    problem(`${field} must be an array of {id, name, description}, found ${show(raw[field])}`);
    return [];
  }
  const out = [];
  raw[field].forEach((d, i) => {
    const at = `${field}[${i}]`;
    if (!isPlainObject(d) || !(typeof d.id === 'string' && ID.test(d.id)) || !isText(d.name) || !isText(d.description)) {
      problem(`${at} must be {id, name, description} with a lower-case id and non-empty texts`);
      return;
    }
    if (out.some((o) => o.id === d.id)) problem(`${at}: ${JSON.stringify(d.id)} is listed twice`);
    else out.push({ id: d.id, name: d.name, description: d.description });
  });
  return out;
}

/**
 * Validates the optional column facts of a v2 matrix against its provider
 * ids. Returns { columns: Map id -> {name, reach, format} | null, reaches,
 * formats, notOffered }; problems go to `problem`.
 */
export function validateColumnFacts(raw, providerIds, problem, models = []) {
  const modelIds = new Set(models.map((m) => m.id));
  const reaches = validateDescribed(raw, 'reaches', problem);
  const formats = validateDescribed(raw, 'formats', problem);
  let columns = null;
  if ('columns' in raw) {
    if (!Array.isArray(raw.columns)) problem(`columns must be an array, found ${show(raw.columns)}`);
    else {
      const ids = raw.columns.map((c) => (isPlainObject(c) ? c.id : undefined));
      if (ids.length !== providerIds.length || ids.some((id, i) => id !== providerIds[i])) {
        problem(`columns must follow providers one to one (ids ${JSON.stringify(ids)}, providers ${JSON.stringify(providerIds)})`);
      } else {
        columns = new Map();
        raw.columns.forEach((c, i) => {
          const at = `columns[${i}] (${c.id})`;
          if (!isText(c.name)) problem(`${at}.name must be a non-empty string, found ${show(c.name)}`);
          for (const [key, list, field] of [
            ['reach', reaches, 'reaches'],
            ['format', formats, 'formats'],
          ]) {
            if (c[key] !== undefined && !list.some((d) => d.id === c[key])) {
              problem(`${at}.${key}: ${show(c[key])} is not described in ${field}`);
            }
          }
          // The column's own models (its model set), when it runs fewer
          // than all of the top-level `models`; absent: all of them.
          let own = null;
          if (c.models !== undefined) {
            const ok =
              Array.isArray(c.models) &&
              c.models.length > 0 &&
              c.models.every((id) => isText(id) && modelIds.has(id)) &&
              new Set(c.models).size === c.models.length;
            if (!ok) problem(`${at}.models must be a non-empty list of distinct ids of the top-level models, found ${show(c.models)}`);
            else own = c.models.slice();
          }
          columns.set(c.id, { name: c.name, reach: c.reach ?? null, format: c.format ?? null, models: own });
        });
      }
    }
  }
  const notOffered = [];
  if ('not_offered' in raw) {
    if (!Array.isArray(raw.not_offered)) problem(`not_offered must be an array, found ${show(raw.not_offered)}`);
    else {
      raw.not_offered.forEach((n, i) => {
        const at = `not_offered[${i}]`;
        if (!isPlainObject(n) || !(typeof n.mode === 'string' && MODE.test(n.mode)) || !isText(n.name) || !isText(n.why) || !isText(n.evidence)) {
          problem(`${at} must be {mode (the CLI variable), name, why, evidence} with non-empty texts`);
          return;
        }
        if (n.evidence.includes('://') && !n.evidence.startsWith('https://')) {
          problem(`${at}.evidence must be a repository path or an https URL, found ${show(n.evidence)}`);
          return;
        }
        notOffered.push({ mode: n.mode, name: n.name, why: n.why, evidence: n.evidence });
      });
    }
  }
  return { columns, reaches, formats, notOffered };
}

/**
 * The display order of the columns: grouped by reach, groups in `reaches`'
 * order, columns within a group in the file's order, columns without a reach
 * last. Returns { order: [provider index], groups: [{id, name, description,
 * span}] } or null when no column names a reach (nothing to group).
 */
export function groupOrder(providers, reaches) {
  if (!providers.some((p) => p.reach)) return null;
  const order = [];
  const groups = [];
  for (const r of reaches) {
    const members = providers.map((p, i) => (p.reach && p.reach === r.id ? i : -1)).filter((i) => i >= 0);
    if (members.length === 0) continue;
    order.push(...members);
    groups.push({ id: r.id, name: r.name, description: r.description, span: members.length });
  }
  const rest = providers.map((p, i) => (p.reach ? -1 : i)).filter((i) => i >= 0);
  if (rest.length > 0) {
    order.push(...rest);
    groups.push({ id: null, name: 'Other', description: 'Columns the matrix does not place in a group.', span: rest.length });
  }
  return { order, groups };
}

/** Statuses counted in a column's summary: rows with a verdict on the gateway. */
export const VERDICT_STATUSES = Object.freeze(['pass', 'flaky', 'partial', 'fail']);
/** Of those, the ones that count as passing. */
export const PASSING_STATUSES = Object.freeze(['pass', 'flaky']);

export const SUMMARY_LEGEND =
  'Under each column: rows that pass (pass, or passed on a retry) over rows with a verdict on the gateway ' +
  '(pass, passed on a retry, partial, fail); rows not applicable, with no verdict this run, or not tested are not counted.';

/**
 * A column's summary over its cells (v2 statuses): { passing, verdicts,
 * text: "18 / 22 rows pass" } (the header shows `count` "18 / 22" unbroken
 * and lets `words` wrap under it), or "no verdict yet" when no row has one.
 */
export function columnSummary(cells) {
  const verdicts = cells.filter((c) => VERDICT_STATUSES.includes(c.status)).length;
  const passing = cells.filter((c) => PASSING_STATUSES.includes(c.status)).length;
  if (verdicts === 0) return { passing, verdicts, count: '', words: 'no verdict yet', text: 'no verdict yet' };
  const count = `${passing} / ${verdicts}`;
  const words = verdicts === 1 ? 'row passes' : 'rows pass';
  return { passing, verdicts, count, words, text: `${count} ${words}` };
}

/**
 * Where a not-offered entry's evidence can be read: an https URL as it is;
 * a repository path at the run's source commit when the context names both
 * the repository and the commit; else null (the path is shown as text).
 */
export function evidenceUrl(evidence, context) {
  if (evidence.startsWith('https://')) return evidence;
  const repo = context && context.source_repo_url;
  const commit = context && context.source_commit;
  if (!repo || !commit) return null;
  return `${repo.replace(/\/+$/, '').replace(/\.git$/, '')}/blob/${commit}/${evidence.replace(/^\/+/, '')}`;
}
