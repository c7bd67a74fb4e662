/**
 * Pure logic behind <CompatibilityMatrix />: no React, no DOM, no clock.
 *
 * - validateMatrix(raw): checks a parsed compatibility-matrix.json against
 *   schema v1 and turns it into the view model the component renders, or
 *   lists every problem found so the component can show an error placeholder
 *   instead of a silently wrong table.
 * - describeCell / STATUS_INFO: status -> colour class, icon, label, tooltip.
 * - formatLastUpdated: the banner's "2 hours ago" / absolute date logic.
 *
 * Everything here is deterministic given its arguments (the current time,
 * locale and time zone are parameters), so it is unit-tested directly.
 */

import { groupOrder, validateColumnFacts } from './columnGroups.js';

/** The schema versions this component knows how to render, oldest first. */
export const SUPPORTED_SCHEMA_VERSIONS = Object.freeze(['1', '2']);
/** The newest of them (v1 kept for the files published before v2). */
export const SUPPORTED_SCHEMA_VERSION = '2';

/**
 * The four cell statuses of schema v1. `tone` names the colour class in
 * styles.module.css; `icon` is the visible non-colour cue; `label` is the
 * text for screen readers and the legend.
 */
export const STATUS_INFO = Object.freeze({
  pass: Object.freeze({
    tone: 'pass',
    icon: '✓',
    label: 'Pass',
    legend: 'Tested & passing on every model (Claude Haiku 4.5, Sonnet 4.6 and Opus 4.7).',
  }),
  fail: Object.freeze({
    tone: 'fail',
    icon: '✗',
    label: 'Fail',
    legend: 'Tested and failing; the tooltip shows the error and names the failing model.',
  }),
  not_applicable: Object.freeze({
    tone: 'notApplicable',
    icon: '—',
    label: 'Not applicable',
    legend: 'The feature does not apply to this provider; the tooltip says why.',
  }),
  not_tested: Object.freeze({
    tone: 'notTested',
    icon: '?',
    label: 'Not tested',
    legend: 'No test for this combination yet.',
  }),
});

/** Status ids in legend order. */
export const STATUSES = Object.freeze(Object.keys(STATUS_INFO));

export const PASS_TOOLTIP = 'Tested & passing';
export const NOT_TESTED_TOOLTIP = 'No test for this combination yet.';

/** Display names of the known provider ids; unknown ids are shown as they are. */
export const PROVIDER_NAMES = Object.freeze({
  anthropic: 'Anthropic',
  bedrock_invoke: 'Bedrock (Invoke)',
  bedrock_converse: 'Bedrock (Converse)',
  vertex_ai: 'Vertex AI',
  azure: 'Azure',
  // The CLI in its native provider mode through the gateway's pass-through
  // route (docs/columns/<id>.md): the header says the route.
  bedrock_passthrough: 'Bedrock (pass-through)',
  vertex_passthrough: 'Vertex AI (pass-through)',
  azure_passthrough: 'Azure AI (pass-through)',
  // The CLI's ANTHROPIC_BASE_URL at LiteLLM's `/anthropic` pass-through.
  anthropic_passthrough: 'Anthropic (pass-through)',
  // Bedrock's Anthropic-native endpoint, and LiteLLM's opt-in Rust
  // `/v1/messages` on the same routes as anthropic and vertex_ai (the names
  // are manifest.yaml's; the matrix carries only ids).
  bedrock_mantle: 'Bedrock Mantle',
  anthropic_rust_path: 'Anthropic (LiteLLM Rust path)',
  vertex_ai_rust_path: 'Vertex AI (LiteLLM Rust path)',
  // The CLI in its gateway mode (CLAUDE_CODE_USE_GATEWAY) at LiteLLM's
  // `/claude_code_gateway` route (docs/columns/claude_code_gateway.md).
  claude_code_gateway: 'Claude Code gateway mode',
});

export function providerDisplayName(id) {
  return Object.prototype.hasOwnProperty.call(PROVIDER_NAMES, id) ? PROVIDER_NAMES[id] : id;
}

/** The tooltip text of a (validated) cell. */
export function cellTooltip(cell) {
  switch (cell.status) {
    case 'pass':
      return PASS_TOOLTIP;
    case 'fail':
      return cell.error;
    case 'not_applicable':
      return cell.reason;
    case 'not_tested':
      return NOT_TESTED_TOOLTIP;
    default:
      throw new Error(`unknown status ${JSON.stringify(cell.status)}`);
  }
}

/** Everything the view needs to draw one cell. */
export function describeCell(cell) {
  const info = STATUS_INFO[cell.status];
  if (!info) throw new Error(`unknown status ${JSON.stringify(cell.status)}`);
  return { status: cell.status, tone: info.tone, icon: info.icon, label: info.label, tooltip: cellTooltip(cell) };
}

// ---------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------

/** Stop listing problems after this many: the placeholder must stay readable. */
export const MAX_REPORTED_PROBLEMS = 12;

const ISO_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?Z$/;

/**
 * Parses an ISO-8601 UTC timestamp ("2026-11-25T10:00:00Z", optional
 * fraction, the `Z` required). Returns epoch milliseconds, or null when the
 * string is not one or names an impossible date (2026-02-30, 25:00, ...).
 */
export function parseUtcTimestamp(value) {
  if (typeof value !== 'string') return null;
  const m = ISO_UTC.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const d = new Date(ms);
  if (
    d.getUTCFullYear() !== year ||
    d.getUTCMonth() !== month - 1 ||
    d.getUTCDate() !== day ||
    d.getUTCHours() !== hour ||
    d.getUTCMinutes() !== minute ||
    d.getUTCSeconds() !== second
  ) {
    return null;
  }
  const fraction = m[7] ? Math.floor(Number(m[7]) * 1000) : 0;
  return ms + fraction;
}

export function isPlainObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function typeName(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  return typeof v === 'object' ? 'an object' : typeof v;
}

export function isNonEmptyString(v) {
  return typeof v === 'string' && v.trim() !== '';
}

/**
 * Validates a parsed compatibility-matrix.json.
 *
 * Returns one of
 *   { ok: true, matrix }                                  - safe to render
 *   { ok: false, kind: 'schema_version', found, problems } - a version this
 *                                                            component does not know
 *   { ok: false, kind: 'malformed', problems }             - v1 but broken
 *
 * `problems` are human-readable strings naming the JSON location. Fields
 * the schema does not define are ignored; everything the table shows is
 * checked: every feature must have exactly one cell per listed provider,
 * each with a known status and the text its status requires.
 */
export function validateMatrix(raw) {
  if (!isPlainObject(raw)) {
    return { ok: false, kind: 'malformed', problems: [`the file must hold a JSON object, found ${typeName(raw)}`] };
  }
  if (!('schema_version' in raw)) {
    return { ok: false, kind: 'malformed', problems: ['schema_version is missing'] };
  }
  if (!SUPPORTED_SCHEMA_VERSIONS.includes(raw.schema_version)) {
    const found = raw.schema_version;
    const versions = SUPPORTED_SCHEMA_VERSIONS.map((v) => JSON.stringify(v)).join(' or ');
    const problem =
      typeof found === 'string'
        ? `schema_version is ${JSON.stringify(found)}; this component renders only schema version ${versions}`
        : `schema_version must be the string ${versions}, found ${typeName(found)}`;
    return { ok: false, kind: 'schema_version', found, problems: [problem] };
  }
  const v2 = raw.schema_version === '2';

  const problems = [];
  const problem = (msg) => {
    problems.push(msg);
  };

  const generatedAtMs = parseUtcTimestamp(raw.generated_at);
  if (!('generated_at' in raw)) problem('generated_at is missing');
  else if (generatedAtMs === null) {
    problem(`generated_at must be an ISO-8601 UTC timestamp like "2026-11-25T10:00:00Z", found ${typeName(raw.generated_at)}`);
  }
  for (const field of ['litellm_version', 'claude_code_version']) {
    if (!(field in raw)) problem(`${field} is missing`);
    else if (!isNonEmptyString(raw[field])) problem(`${field} must be a non-empty string, found ${typeName(raw[field])}`);
  }

  let providerIds = [];
  if (!('providers' in raw)) problem('providers is missing');
  else if (!Array.isArray(raw.providers)) problem(`providers must be an array of provider ids, found ${typeName(raw.providers)}`);
  else if (raw.providers.length === 0) problem('providers is empty: the table would have no columns');
  else {
    const seen = new Set();
    raw.providers.forEach((id, i) => {
      if (!isNonEmptyString(id)) problem(`providers[${i}] must be a non-empty string, found ${typeName(id)}`);
      else if (seen.has(id)) problem(`providers[${i}]: provider ${JSON.stringify(id)} is listed twice`);
      else seen.add(id);
    });
    // Array.from, not [...seen]: the docs build's Babel (loose mode) turns spread into
    // concat, which does not iterate a Set.
    providerIds = Array.from(seen);
  }
  const providerSet = new Set(providerIds);

  const models = v2 ? validateModels(raw, problem) : [];
  const context = v2 ? validateContext(raw, problem) : null;
  const facts = v2 ? validateColumnFacts(raw, providerIds, problem, models) : null;
  // A column's models: its own (`columns[].models`, its model set) or, when
  // it names none, every model of the file. A cell shows and accepts only them.
  const modelsOf = (pid) => {
    const own = facts && facts.columns && facts.columns.get(pid) ? facts.columns.get(pid).models : null;
    return own ? models.filter((m) => own.includes(m.id)).sort((a, b) => own.indexOf(a.id) - own.indexOf(b.id)) : models;
  };

  const features = [];
  if (!('features' in raw)) problem('features is missing');
  else if (!Array.isArray(raw.features)) problem(`features must be an array, found ${typeName(raw.features)}`);
  else if (raw.features.length === 0) problem('features is empty: the table would have no rows');
  else {
    const seenFeatures = new Set();
    raw.features.forEach((f, i) => {
      const at = `features[${i}]`;
      if (!isPlainObject(f)) {
        problem(`${at} must be an object, found ${typeName(f)}`);
        return;
      }
      const where = isNonEmptyString(f.id) ? `${at} (${f.id})` : at;
      if (!isNonEmptyString(f.id)) problem(`${at}.id must be a non-empty string, found ${typeName(f.id)}`);
      else if (seenFeatures.has(f.id)) problem(`${where}: feature ${JSON.stringify(f.id)} is listed twice`);
      else seenFeatures.add(f.id);
      if (!isNonEmptyString(f.name)) problem(`${where}.name must be a non-empty string, found ${typeName(f.name)}`);
      if (!isPlainObject(f.providers)) {
        problem(`${where}.providers must be an object mapping provider id to status, found ${typeName(f.providers)}`);
        return;
      }
      for (const key of Object.keys(f.providers)) {
        if (!providerSet.has(key)) {
          problem(`${where}.providers.${key}: provider ${JSON.stringify(key)} is not in the top-level providers list`);
        }
      }
      const cells = [];
      for (const pid of providerIds) {
        const cellAt = `${where}.providers.${pid}`;
        if (!Object.prototype.hasOwnProperty.call(f.providers, pid)) {
          problem(`${cellAt} is missing`);
          continue;
        }
        const cell = f.providers[pid];
        if (!isPlainObject(cell)) {
          problem(`${cellAt} must be an object like {"status": "pass"}, found ${typeName(cell)}`);
          continue;
        }
        if (v2) {
          const c = validateCellV2(cell, cellAt, modelsOf(pid), problem);
          if (c) cells.push({ providerId: pid, ...c });
          continue;
        }
        if (!Object.prototype.hasOwnProperty.call(STATUS_INFO, cell.status)) {
          problem(
            `${cellAt}.status: unknown status ${typeName(cell.status)}; expected one of ${STATUSES.map((s) => JSON.stringify(s)).join(', ')}`,
          );
          continue;
        }
        if (cell.status === 'fail' && !isNonEmptyString(cell.error)) {
          problem(`${cellAt}: a "fail" cell needs a non-empty "error" string, found ${typeName(cell.error)}`);
          continue;
        }
        if (cell.status === 'not_applicable' && !isNonEmptyString(cell.reason)) {
          problem(`${cellAt}: a "not_applicable" cell needs a non-empty "reason" string, found ${typeName(cell.reason)}`);
          continue;
        }
        const normalized = { status: cell.status };
        if (cell.status === 'fail') normalized.error = cell.error;
        if (cell.status === 'not_applicable') normalized.reason = cell.reason;
        cells.push({ providerId: pid, ...describeCell(normalized), ...normalized });
      }
      const feature = { id: f.id, name: f.name, cells };
      if (v2) Object.assign(feature, validateFeatureExtras(f, where, problem));
      if (isNonEmptyString(f.id) && isNonEmptyString(f.name)) features.push(feature);
    });
  }

  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_REPORTED_PROBLEMS);
    if (problems.length > shown.length) shown.push(`… and ${problems.length - shown.length} more problem(s)`);
    return { ok: false, kind: 'malformed', problems: shown };
  }

  // A v2 file's own column names win over the built-in ones; its reaches
  // put the columns in group order (columnGroups.js).
  let providers = providerIds.map((id) => {
    const c = facts && facts.columns ? facts.columns.get(id) : null;
    if (!c) return { id, name: providerDisplayName(id) };
    // A column that names its own models (its model set) carries them.
    return { id, name: c.name, reach: c.reach, format: c.format, ...(c.models ? { models: modelsOf(id) } : {}) };
  });
  let groups = null;
  const grouped = facts ? groupOrder(providers, facts.reaches) : null;
  if (grouped) {
    providers = grouped.order.map((i) => providers[i]);
    for (const f of features) f.cells = grouped.order.map((i) => f.cells[i]);
    groups = grouped.groups;
  }
  return {
    ok: true,
    matrix: {
      schemaVersion: raw.schema_version,
      generatedAt: raw.generated_at,
      generatedAtMs,
      litellmVersion: raw.litellm_version,
      claudeCodeVersion: raw.claude_code_version,
      providers,
      features,
      ...(v2 ? { models, context, groups, formats: facts.formats, notOffered: facts.notOffered } : {}),
    },
  };
}

// ---------------------------------------------------------------------------
// "Last updated"
// ---------------------------------------------------------------------------

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Up to this age "Last updated" reads as relative time ("2 hours ago");
 * from it on, as an absolute date. A week: the matrix is regenerated daily
 * (and on every stable release), so anything older is worth a real date.
 */
export const RELATIVE_TIME_LIMIT_MS = 7 * DAY;

/**
 * A timestamp at most this far in the future (the reader's clock running
 * slow) reads as "just now"; further in the future, as an absolute date,
 * never "in 3 hours".
 */
export const CLOCK_SKEW_TOLERANCE_MS = 5 * MINUTE;

function plural(n, unit) {
  return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
}

/**
 * The relative text for an age in milliseconds, or null when the age is
 * outside the relative window (too old, or too far in the future).
 *
 *   < 1 minute  -> "just now"
 *   < 1 hour    -> "N minute(s) ago"
 *   < 1 day     -> "N hour(s) ago"
 *   < 7 days    -> "N day(s) ago"
 *   otherwise   -> null (show an absolute date)
 *
 * Units are floored: 119 minutes is "1 hour ago".
 */
export function relativeAge(ageMs) {
  if (!Number.isFinite(ageMs)) return null;
  if (ageMs < -CLOCK_SKEW_TOLERANCE_MS) return null;
  if (ageMs < MINUTE) return 'just now';
  if (ageMs < HOUR) return plural(Math.floor(ageMs / MINUTE), 'minute');
  if (ageMs < DAY) return plural(Math.floor(ageMs / HOUR), 'hour');
  if (ageMs < RELATIVE_TIME_LIMIT_MS) return plural(Math.floor(ageMs / DAY), 'day');
  return null;
}

function pad(n, width = 2) {
  return String(n).padStart(width, '0');
}

/**
 * "2026-11-25 10:00 UTC": built by hand, not with Intl, so that the server
 * render and the first client render (hydration) produce identical text
 * whatever ICU versions Node and the browser ship.
 */
export function formatUtcStable(ms, { seconds = false } = {}) {
  const d = new Date(ms);
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${seconds ? `:${pad(d.getUTCSeconds())}` : ''}`;
  return `${date} ${time} UTC`;
}

/** The reader's IANA time zone ("Europe/Berlin"), or "UTC" if unknown. */
export function resolveTimeZone(timeZone) {
  if (timeZone) return timeZone;
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/**
 * The banner's "Last updated" content.
 *
 * @param {number} generatedAtMs  when the matrix was generated (epoch ms)
 * @param {object} [opts]
 * @param {number|null} [opts.nowMs]  the reader's current time; null before
 *   the component has mounted (server render and hydration), which gives the
 *   stable UTC form with no relative text
 * @param {string} [opts.locale]     BCP 47 locale for absolute dates (default: the reader's)
 * @param {string} [opts.timeZone]   IANA zone (default: the reader's)
 * @returns {{ text: string, relative: boolean, tooltipLines: string[], tooltip: string, timeZone: string }}
 *   `text` is what the banner shows; `tooltipLines` the absolute timestamp in
 *   the reader's zone, the zone's name, and the UTC time (`tooltip` is them
 *   joined with newlines).
 */
export function formatLastUpdated(generatedAtMs, { nowMs = null, locale, timeZone } = {}) {
  const utc = formatUtcStable(generatedAtMs, { seconds: true });
  if (nowMs === null || nowMs === undefined) {
    return withTooltip({ text: formatUtcStable(generatedAtMs), relative: false, timeZone: 'UTC' }, [`Generated at ${utc}`]);
  }
  const zone = resolveTimeZone(timeZone);
  const when = new Date(generatedAtMs);
  let local;
  try {
    local = new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'long', timeZone: zone }).format(when);
  } catch {
    // Unknown zone or locale: fall back to UTC rather than throwing.
    return formatLastUpdated(generatedAtMs, { nowMs, locale: 'en-US', timeZone: 'UTC' });
  }
  const lines = [local, `Your time zone: ${zone}`, `(${utc})`];
  const rel = relativeAge(nowMs - generatedAtMs);
  if (rel !== null) return withTooltip({ text: rel, relative: true, timeZone: zone }, lines);
  const absolute = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: zone }).format(when);
  return withTooltip({ text: `on ${absolute}`, relative: false, timeZone: zone }, lines);
}

function withTooltip(info, lines) {
  return { ...info, tooltipLines: lines, tooltip: lines.join('\n') };
}

// ---------------------------------------------------------------------------
// Schema v2: statuses, per-model results, failure classes
// ---------------------------------------------------------------------------

/**
 * The seven cell statuses of schema v2, in legend order. pass, fail,
 * not_applicable and not_tested keep v1's colour and icon; each status has
 * its own colour (`tone`), icon and words.
 */
export const STATUS_INFO_V2 = Object.freeze({
  pass: Object.freeze({
    tone: 'pass',
    icon: '✓',
    label: 'Pass',
    legend: 'Every model passed at the first attempt.',
  }),
  flaky: Object.freeze({
    tone: 'flaky',
    icon: '≈',
    label: 'Flaky',
    legend: 'Every model passed, but at least one only on a retry; the details keep the first error.',
  }),
  partial: Object.freeze({
    tone: 'partial',
    icon: '◐',
    label: 'Partial',
    legend: 'The gateway broke the feature on some models and not on others; the details name which.',
  }),
  fail: Object.freeze({
    tone: 'fail',
    icon: '✗',
    label: 'Fail',
    legend: 'The gateway broke the feature on every model that reached a verdict (not a quota, credential or test-harness problem).',
  }),
  unverified: Object.freeze({
    tone: 'unverified',
    icon: '◌',
    label: 'Unverified',
    legend: 'No verdict this run: the provider could not serve (quota, credentials, outage) or our harness failed. The details show the last verdict and when it was measured.',
  }),
  not_applicable: Object.freeze({
    tone: 'notApplicable',
    icon: '—',
    label: 'Not applicable',
    legend: 'The feature does not apply to this provider; the details say why.',
  }),
  not_tested: Object.freeze({
    tone: 'notTested',
    icon: '?',
    label: 'Not tested',
    legend: 'No test for this combination yet, or not every model ran.',
  }),
});

export const STATUSES_V2 = Object.freeze(Object.keys(STATUS_INFO_V2));

/** The statuses (and legend texts) a matrix of `schemaVersion` uses. */
export function statusInfoFor(schemaVersion) {
  return schemaVersion === '2' ? STATUS_INFO_V2 : STATUS_INFO;
}

/** One model's result inside a cell: glyph + words (the marks are readable without colour). */
export const MODEL_STATUS_INFO = Object.freeze({
  pass: Object.freeze({ tone: 'pass', icon: '✓', label: 'Pass' }),
  flaky: Object.freeze({ tone: 'flaky', icon: '≈', label: 'Flaky (passed on a retry)' }),
  fail: Object.freeze({ tone: 'fail', icon: '✗', label: 'Fail' }),
  unverified: Object.freeze({ tone: 'unverified', icon: '◌', label: 'Unverified (no verdict)' }),
  not_applicable: Object.freeze({ tone: 'notApplicable', icon: '—', label: 'Not applicable' }),
  not_run: Object.freeze({ tone: 'notTested', icon: '·', label: 'Not run' }),
});

const MODEL_STATUSES = Object.freeze(['pass', 'flaky', 'fail', 'unverified', 'not_applicable']);

/** Failure classes in words. Only `incompatible` makes a cell fail or partial. */
export const CLASS_INFO = Object.freeze({
  incompatible: Object.freeze({
    label: 'Incompatible',
    text: 'the gateway broke the feature',
  }),
  upstream_unavailable: Object.freeze({
    label: 'Upstream unavailable',
    text: 'the provider could not serve (quota, credentials, outage), so no verdict',
  }),
  harness: Object.freeze({
    label: 'Test harness',
    text: 'a problem on our side (CLI, proxy or test suite), so no verdict',
  }),
  sim_environment: Object.freeze({
    label: 'Sim environment',
    text: 'the simulated environment could not serve what the gateway or CLI needed, so no verdict on the gateway; a live run settles it',
  }),
});

/**
 * What a failing model's red rests on (`evidence.kind`, schema v2): the
 * strongest evidence among the simulator rules that decided it, or
 * `gateway` when no simulator rule did.
 */
export const EVIDENCE_KINDS = Object.freeze(['documented', 'client', 'observed', 'inferred', 'gateway']);

/** The mark of a red cell that rests only on inferred simulator rules (readable without colour). */
export const INFERRED_MARK = '†';

/** A failing model's evidence in words (the deep dive's line). */
export function describeEvidence(evidence) {
  const rules = evidence.rules.join(', ');
  let text;
  if (evidence.kind === 'gateway') text = 'No simulator rule decided it: the simulators accepted every request and the gateway broke the answer itself.';
  else if (evidence.kind === 'inferred') text = `Rests on an unverified simulator rule: ${rules}; a live probe settles it.`;
  else text = `Decided by the simulator rule ${rules} (evidence: ${evidence.kind}).`;
  return { kind: evidence.kind, rules: evidence.rules.slice(), inferred: evidence.kind === 'inferred', text };
}

function isNonNegativeInteger(v) {
  return Number.isInteger(v) && v >= 0;
}

/** http(s) URLs only: a link on the page must never run script (`javascript:`) or reach odd schemes. */
export function isHttpUrl(value) {
  if (typeof value !== 'string' || !/^https?:\/\//i.test(value)) return false;
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

function validateModels(raw, problem) {
  if (!('models' in raw)) {
    problem('models is missing (schema v2 lists the Claude models every cell runs on)');
    return [];
  }
  if (!Array.isArray(raw.models)) {
    problem(`models must be an array of {id, name}, found ${typeName(raw.models)}`);
    return [];
  }
  if (raw.models.length === 0) {
    problem('models is empty');
    return [];
  }
  const out = [];
  const seen = new Set();
  raw.models.forEach((m, i) => {
    if (!isPlainObject(m) || !isNonEmptyString(m.id) || !isNonEmptyString(m.name)) {
      problem(`models[${i}] must be an object with a non-empty id and name, found ${typeName(m)}`);
      return;
    }
    if (seen.has(m.id)) {
      problem(`models[${i}]: model ${JSON.stringify(m.id)} is listed twice`);
      return;
    }
    seen.add(m.id);
    out.push({ id: m.id, name: m.name });
  });
  return out;
}

const CONTEXT_STRINGS = ['claude_code_latest', 'litellm_latest_stable'];
const CONTEXT_COUNTS = ['claude_code_releases_behind', 'litellm_releases_behind'];
const CONTEXT_URLS = ['source_repo_url', 'run_url'];

function validateContext(raw, problem) {
  if (!('context' in raw)) return null;
  const c = raw.context;
  if (!isPlainObject(c)) {
    problem(`context must be an object, found ${typeName(c)}`);
    return null;
  }
  const out = {};
  for (const k of CONTEXT_STRINGS) {
    if (!(k in c)) continue;
    if (!isNonEmptyString(c[k])) problem(`context.${k} must be a non-empty string, found ${typeName(c[k])}`);
    else out[k] = c[k];
  }
  for (const k of CONTEXT_COUNTS) {
    if (!(k in c)) continue;
    if (!isNonNegativeInteger(c[k])) problem(`context.${k} must be a whole number >= 0, found ${typeName(c[k])}`);
    else out[k] = c[k];
  }
  for (const k of CONTEXT_URLS) {
    if (!(k in c)) continue;
    if (!isHttpUrl(c[k])) problem(`context.${k} must be an http(s) URL, found ${typeName(c[k])}`);
    else out[k] = c[k];
  }
  if ('source_commit' in c) {
    if (typeof c.source_commit !== 'string' || !/^[0-9a-f]{7,40}$/.test(c.source_commit)) {
      problem(`context.source_commit must be a git commit id (7 to 40 lowercase hex digits), found ${typeName(c.source_commit)}`);
    } else out.source_commit = c.source_commit;
  }
  return out;
}

function validateFeatureExtras(f, where, problem) {
  const out = { description: null, links: [] };
  if ('description' in f) {
    if (!isNonEmptyString(f.description)) problem(`${where}.description must be a non-empty string, found ${typeName(f.description)}`);
    else out.description = f.description;
  }
  if ('links' in f) {
    if (!Array.isArray(f.links)) problem(`${where}.links must be an array of {title, url}, found ${typeName(f.links)}`);
    else {
      f.links.forEach((l, i) => {
        if (!isPlainObject(l) || !isNonEmptyString(l.title)) problem(`${where}.links[${i}] must be an object with a non-empty title, found ${typeName(l)}`);
        else if (!isHttpUrl(l.url)) problem(`${where}.links[${i}].url must be an http(s) URL, found ${typeName(l.url)}`);
        else out.links.push({ title: l.title, url: l.url });
      });
    }
  }
  return out;
}

const PREVIOUS_STATUSES = ['pass', 'flaky', 'fail', 'partial'];

/**
 * A model result's `recoveries` (the refusals the CLI recovered from: the
 * refused request, its resend, the row that owns what the CLI dropped), as
 * view data; null after reporting its problems.
 */
function validateRecoveries(list, at, problem) {
  if (!Array.isArray(list)) {
    problem(`${at} must be an array of {refused, resent, owner_row}, found ${typeName(list)}`);
    return null;
  }
  const out = [];
  let ok = true;
  list.forEach((rec, i) => {
    const where = `${at}[${i}]`;
    const refused = isPlainObject(rec) ? rec.refused : undefined;
    const resent = isPlainObject(rec) ? rec.resent : undefined;
    const bad = [];
    if (!isPlainObject(refused)) bad.push('refused must be an object');
    else {
      if (!['provider', 'gateway'].includes(refused.side)) bad.push(`refused.side must be "provider" or "gateway", found ${typeName(refused.side)}`);
      if (!isNonNegativeInteger(refused.status)) bad.push(`refused.status must be a whole number, found ${typeName(refused.status)}`);
      for (const k of ['method', 'path']) if (!isNonEmptyString(refused[k])) bad.push(`refused.${k} must be a non-empty string, found ${typeName(refused[k])}`);
      if (typeof refused.words !== 'string') bad.push(`refused.words must be a string, found ${typeName(refused.words)}`);
      if ('model' in refused && typeof refused.model !== 'string') bad.push(`refused.model must be a string, found ${typeName(refused.model)}`);
    }
    if (!isPlainObject(resent)) bad.push('resent must be an object');
    else {
      for (const k of ['seq', 'status']) if (!isNonNegativeInteger(resent[k])) bad.push(`resent.${k} must be a whole number, found ${typeName(resent[k])}`);
      if (!isNonEmptyString(resent.path)) bad.push(`resent.path must be a non-empty string, found ${typeName(resent.path)}`);
    }
    if (!isPlainObject(rec) || !isNonEmptyString(rec.owner_row)) bad.push(`owner_row must be a non-empty string, found ${typeName(isPlainObject(rec) ? rec.owner_row : rec)}`);
    if (bad.length > 0) {
      bad.forEach((b) => problem(`${where}: ${b}`));
      ok = false;
      return;
    }
    out.push({
      side: refused.side,
      status: refused.status,
      method: refused.method,
      path: refused.path,
      model: typeof refused.model === 'string' ? refused.model : null,
      words: refused.words,
      resentSeq: resent.seq,
      resentPath: resent.path,
      resentStatus: resent.status,
      ownerRow: rec.owner_row,
    });
  });
  return ok ? out : null;
}

/**
 * One recovery as the deep dive says it: what was refused and by whom, the
 * resend that was answered, and which row judges what the CLI dropped.
 */
export function describeRecovery(rec) {
  const who = rec.side === 'provider' ? 'The provider' : 'The gateway';
  const forModel = rec.model ? ` for ${rec.model}` : '';
  const text = `${who} answered ${rec.status} to ${rec.method} ${rec.path}${forModel}; the CLI resent the same turn there and got ${rec.resentStatus}.`;
  const owner =
    rec.ownerRow === 'provider_trouble'
      ? 'Provider trouble, retried as it was: no row judges it.'
      : `What the CLI dropped to recover is judged by the ${rec.ownerRow} row.`;
  return { text, words: rec.words, owner, ownerRow: rec.ownerRow };
}

function validateModelResult(r, at, problem) {
  if (!isPlainObject(r)) {
    problem(`${at} must be an object like {"status": "pass", "attempts": 1, "duration_ms": 1500}, found ${typeName(r)}`);
    return null;
  }
  if (!MODEL_STATUSES.includes(r.status)) {
    problem(`${at}.status: unknown model status ${typeName(r.status)}; expected one of ${MODEL_STATUSES.map((s) => JSON.stringify(s)).join(', ')}`);
    return null;
  }
  let ok = true;
  for (const k of ['attempts', 'duration_ms']) {
    if (!isNonNegativeInteger(r[k])) {
      problem(`${at}.${k} must be a whole number >= 0, found ${typeName(r[k])}`);
      ok = false;
    }
  }
  if ('class' in r && !Object.prototype.hasOwnProperty.call(CLASS_INFO, r.class)) {
    problem(`${at}.class: unknown failure class ${typeName(r.class)}`);
    ok = false;
  }
  if (r.status === 'fail' || r.status === 'unverified') {
    if (!('class' in r)) {
      problem(`${at}: a "${r.status}" model result needs a "class"`);
      ok = false;
    }
    if (!isNonEmptyString(r.error)) {
      problem(`${at}: a "${r.status}" model result needs a non-empty "error" string, found ${typeName(r.error)}`);
      ok = false;
    }
  }
  if (r.status === 'not_applicable' && !isNonEmptyString(r.reason)) {
    problem(`${at}: a "not_applicable" model result needs a non-empty "reason" string, found ${typeName(r.reason)}`);
    ok = false;
  }
  for (const k of ['error', 'first_error', 'reason']) {
    if (k in r && typeof r[k] !== 'string') {
      problem(`${at}.${k} must be a string, found ${typeName(r[k])}`);
      ok = false;
    }
  }
  const recoveries = 'recoveries' in r ? validateRecoveries(r.recoveries, `${at}.recoveries`, problem) : [];
  if (recoveries === null) ok = false;
  if ('evidence' in r) {
    const e = r.evidence;
    if (!isPlainObject(e) || !EVIDENCE_KINDS.includes(e.kind) || !Array.isArray(e.rules) || !e.rules.every(isNonEmptyString)) {
      problem(`${at}.evidence must be {"kind": one of ${EVIDENCE_KINDS.join(', ')}, "rules": a list of rule ids}, found ${typeName(e)}`);
      ok = false;
    }
  }
  if (!ok) return null;
  const out = { status: r.status, attempts: r.attempts, durationMs: r.duration_ms };
  if (r.evidence) out.evidence = { kind: r.evidence.kind, rules: r.evidence.rules.slice() };
  if (recoveries.length > 0) out.recoveries = recoveries;
  if (r.class) out.class = r.class;
  for (const [k, to] of [
    ['error', 'error'],
    ['first_error', 'firstError'],
    ['reason', 'reason'],
  ]) {
    if (isNonEmptyString(r[k])) out[to] = r[k];
  }
  return out;
}

/**
 * Checks one v2 cell and returns its view model (see describeCellV2), or
 * null after reporting its problems.
 */
function validateCellV2(cell, cellAt, models, problem) {
  if (!Object.prototype.hasOwnProperty.call(STATUS_INFO_V2, cell.status)) {
    problem(`${cellAt}.status: unknown status ${typeName(cell.status)}; expected one of ${STATUSES_V2.map((s) => JSON.stringify(s)).join(', ')}`);
    return null;
  }
  const s = cell.status;
  let ok = true;
  const need = (cond, msg) => {
    if (!cond) {
      problem(`${cellAt}: ${msg}`);
      ok = false;
    }
  };
  if (s === 'fail' || s === 'partial' || s === 'unverified') {
    need(isNonEmptyString(cell.error), `a "${s}" cell needs a non-empty "error" string, found ${typeName(cell.error)}`);
  }
  if (s === 'not_applicable') need(isNonEmptyString(cell.reason), `a "not_applicable" cell needs a non-empty "reason" string, found ${typeName(cell.reason)}`);
  if (s === 'partial') {
    need(
      Array.isArray(cell.passing_models) && cell.passing_models.length > 0 && cell.passing_models.every(isNonEmptyString),
      `a "partial" cell needs a non-empty "passing_models" list of model ids, found ${typeName(cell.passing_models)}`,
    );
  }
  if (s === 'flaky') need(isPlainObject(cell.models), 'a "flaky" cell needs its per-model "models" results');

  const modelIds = new Set(models.map((m) => m.id));
  let results = null;
  if ('models' in cell) {
    if (!isPlainObject(cell.models)) {
      need(false, `"models" must be an object mapping model id to result, found ${typeName(cell.models)}`);
    } else {
      results = {};
      for (const [mid, r] of Object.entries(cell.models)) {
        if (!modelIds.has(mid)) {
          need(false, `models.${mid}: model ${JSON.stringify(mid)} is not a model of this column (the top-level models, or its columns[].models)`);
          continue;
        }
        const v = validateModelResult(r, `${cellAt}.models.${mid}`, problem);
        if (v) results[mid] = v;
        else ok = false;
      }
    }
  }

  let previous = null;
  if ('previous' in cell) {
    const p = cell.previous;
    if (!isPlainObject(p) || !PREVIOUS_STATUSES.includes(p.status) || parseUtcTimestamp(p.verified_at) === null) {
      need(false, `"previous" must be {"status": one of ${PREVIOUS_STATUSES.join(', ')}, "verified_at": a UTC timestamp}, found ${typeName(p)}`);
    } else previous = { status: p.status, verifiedAt: p.verified_at, verifiedAtMs: parseUtcTimestamp(p.verified_at) };
  }

  let history = null;
  if ('history' in cell) {
    const hst = cell.history;
    if (!isPlainObject(hst) || !STATUSES_V2.includes(hst.previous_status) || parseUtcTimestamp(hst.changed_at) === null) {
      need(false, `"history" must be {"previous_status": a status, "changed_at": a UTC timestamp}, found ${typeName(hst)}`);
    } else {
      history = { previousStatus: hst.previous_status, changedAt: hst.changed_at, changedAtMs: parseUtcTimestamp(hst.changed_at) };
      if ('changed_with' in hst) {
        const cw = parseChangedWith(hst.changed_with);
        if (cw === null) {
          need(
            false,
            `"history.changed_with" must be {"litellm"?: {"from", "to"}, "claude_code"?: {"from", "to"}} with at least one of them, found ${typeName(hst.changed_with)}`,
          );
        } else history.changedWith = cw;
      }
    }
  }
  if (!ok) return null;

  return describeCellV2(
    {
      status: s,
      error: isNonEmptyString(cell.error) ? cell.error : undefined,
      reason: isNonEmptyString(cell.reason) ? cell.reason : undefined,
      passingModels: s === 'partial' ? cell.passing_models.slice() : undefined,
      previous,
      history,
      results,
    },
    models,
  );
}

/** "2026-11-23": a date that reads the same on the server and in every browser. */
export function formatUtcDate(ms) {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

function statusWord(status) {
  const info = STATUS_INFO_V2[status];
  return info ? info.label.toLowerCase() : status;
}

function listNames(names) {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** "1 attempt", "3 attempts". */
export function formatAttempts(n) {
  return `${n} attempt${n === 1 ? '' : 's'}`;
}

/** 850 -> "850 ms", 1500 -> "1.5 s", 125000 -> "2 min 5 s". */
export function formatDuration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) {
    const s = Math.round(ms / 100) / 10;
    return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
  }
  const total = Math.round(ms / 1000);
  const min = Math.floor(total / 60);
  const sec = total % 60;
  return sec === 0 ? `${min} min` : `${min} min ${sec} s`;
}

/** Lines and characters of an error shown before "show the rest". */
export const ERROR_HEAD_LINES = 3;
export const ERROR_HEAD_CHARS = 320;

/**
 * Splits an error into the part shown at once and the rest (expandable):
 * at most ERROR_HEAD_LINES lines and about ERROR_HEAD_CHARS characters
 * (cut at a space when there is one nearby).
 * Returns { head, rest } with `rest` '' when nothing is hidden.
 */
export function splitError(text) {
  if (typeof text !== 'string') return { head: '', rest: '' };
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let head = lines.slice(0, ERROR_HEAD_LINES).join('\n');
  let rest = lines.slice(ERROR_HEAD_LINES).join('\n');
  if (head.length > ERROR_HEAD_CHARS) {
    let cut = head.lastIndexOf(' ', ERROR_HEAD_CHARS);
    if (cut < ERROR_HEAD_CHARS * 0.6) cut = ERROR_HEAD_CHARS;
    rest = head.slice(cut).replace(/^ /, '') + (rest ? `\n${rest}` : '');
    head = `${head.slice(0, cut)}…`;
  }
  return { head, rest };
}

/** One model's row in the deep dive (and its mark in the cell). */
export function describeModelResult(model, result) {
  if (!result) {
    const info = MODEL_STATUS_INFO.not_run;
    return { modelId: model.id, name: model.name, status: 'not_run', tone: info.tone, icon: info.icon, label: info.label, srText: `${model.name}: ${info.label}` };
  }
  const info = MODEL_STATUS_INFO[result.status];
  const out = {
    modelId: model.id,
    name: model.name,
    status: result.status,
    tone: info.tone,
    icon: info.icon,
    label: info.label,
    srText: `${model.name}: ${info.label}`,
    attempts: result.attempts,
    // The releases file keeps no attempts or durations: no meta line then.
    attemptsText: Number.isInteger(result.attempts) ? formatAttempts(result.attempts) : null,
    durationMs: result.durationMs,
    durationText: Number.isFinite(result.durationMs) ? formatDuration(result.durationMs) : null,
  };
  if (result.class) {
    const c = CLASS_INFO[result.class];
    out.class = result.class;
    out.classLabel = c.label;
    out.classText = `${c.label}: ${c.text}`;
  }
  if (result.error) out.error = { full: result.error, ...splitError(result.error) };
  if (result.firstError) out.firstError = { full: result.firstError, ...splitError(result.firstError) };
  if (result.reason) out.reason = result.reason;
  if (result.recoveries) out.recoveries = result.recoveries.map(describeRecovery);
  if (result.evidence) out.evidence = describeEvidence(result.evidence);
  return out;
}

/**
 * The view model of a v2 cell: its look (tone, icon, label), a one-line
 * summary (its hover text and the start of its deep dive), the per-model
 * marks, the previous verdict of an unverified cell, and the change mark.
 */
export function describeCellV2(cell, models) {
  const info = STATUS_INFO_V2[cell.status];
  if (!info) throw new Error(`unknown status ${JSON.stringify(cell.status)}`);
  const results = cell.results || null;
  const nameOf = (id) => (models.find((m) => m.id === id) || { name: id }).name;
  const modelResults = results ? models.map((m) => describeModelResult(m, results[m.id])) : [];

  let summary;
  switch (cell.status) {
    case 'pass':
      summary = 'Tested & passing on every model.';
      break;
    case 'flaky': {
      const retried = modelResults.filter((r) => r.status === 'flaky').map((r) => r.name);
      summary = retried.length
        ? `Passing, but ${listNames(retried)} passed only on a retry.`
        : 'Passing, but the runs of this cell disagreed.';
      break;
    }
    case 'partial': {
      const passing = cell.passingModels.map(nameOf);
      const failing = modelResults.filter((r) => r.status === 'fail').map((r) => r.name);
      summary = `Works on ${listNames(passing)}${failing.length ? `; the gateway broke it on ${listNames(failing)}` : ''}.`;
      break;
    }
    case 'fail':
      summary = 'The gateway broke this feature on every model that reached a verdict.';
      break;
    case 'unverified':
      // The previous verdict has its own line (`previous.text`).
      summary = cell.previous ? 'No verdict this run.' : 'No verdict this run, and no earlier verdict on record.';
      break;
    case 'not_applicable':
      summary = cell.reason;
      break;
    default:
      summary = NOT_TESTED_TOOLTIP;
  }

  let change = null;
  if (cell.history) {
    const changed = cell.history.previousStatus !== cell.status;
    const date = formatUtcDate(cell.history.changedAtMs);
    const bump = cell.history.changedWith ? ` with ${cell.history.changedWith.text}` : '';
    change = {
      changed,
      from: cell.history.previousStatus,
      at: cell.history.changedAt,
      changedWith: cell.history.changedWith || null,
      text: changed ? `Changed from ${statusWord(cell.history.previousStatus)} on ${date}${bump}` : `${info.label} since ${date}${bump}`,
    };
  }

  const out = {
    status: cell.status,
    tone: info.tone,
    icon: info.icon,
    label: info.label,
    summary,
    tooltip: summary,
    modelResults,
    changed: Boolean(change && change.changed),
    change,
  };
  // A red that rests only on inferred simulator rules: every failing model's
  // evidence is `inferred` (nobody has checked the rule against the provider).
  const failing = modelResults.filter((r) => r.status === 'fail');
  if (
    (cell.status === 'fail' || cell.status === 'partial') &&
    failing.length > 0 &&
    failing.every((r) => r.evidence && r.evidence.inferred)
  ) {
    const rules = [...new Set(failing.flatMap((r) => r.evidence.rules))];
    out.inferred = {
      mark: INFERRED_MARK,
      rules,
      text: `Rests on an unverified simulator rule: ${rules.join(', ')}; a live probe settles it.`,
    };
  }
  if (cell.error) out.error = { full: cell.error, ...splitError(cell.error) };
  if (cell.reason) out.reason = cell.reason;
  if (cell.passingModels) out.passingModels = cell.passingModels;
  if (cell.previous) {
    out.previous = {
      ...cell.previous,
      text: `Last verified ${statusWord(cell.previous.status)} on ${formatUtcDate(cell.previous.verifiedAtMs)}`,
    };
  }
  return out;
}

/**
 * Links to the test that produced a cell, at the commit that ran:
 * compat-tests/<feature>/<provider>.rs and compat-tests/<feature>/check.rs.
 * Only when the context names both the repository and the commit.
 */
export function sourceLinks(context, featureId, providerId) {
  if (!context || !context.source_repo_url || !context.source_commit) return [];
  const base = context.source_repo_url.replace(/\/+$/, '').replace(/\.git$/, '');
  const at = (file) => `${base}/blob/${context.source_commit}/compat-tests/${featureId}/${file}`;
  return [
    { title: `compat-tests/${featureId}/${providerId}.rs`, kind: 'case', url: at(`${providerId}.rs`) },
    { title: `compat-tests/${featureId}/check.rs`, kind: 'check', url: at('check.rs') },
  ];
}

// ---------------------------------------------------------------------------
// Freshness of the run and of the versions it used
// ---------------------------------------------------------------------------

/** Past this age since generated_at the banner turns amber ("stale")... */
export const STALE_AFTER_MS = 36 * HOUR;
/** ...and past this one red: the daily run has missed three days. */
export const VERY_STALE_AFTER_MS = 72 * HOUR;

/**
 * How fresh the matrix is at `nowMs`.
 * Returns { level, text }: level 'unknown' (no clock yet: server render and
 * hydration), 'fresh', 'stale' (amber, > 36 h) or 'very_stale' (red, > 72 h);
 * text is the words the banner shows for the last two, else null.
 */
export function freshness(generatedAtMs, nowMs) {
  if (nowMs === null || nowMs === undefined || !Number.isFinite(generatedAtMs)) return { level: 'unknown', text: null };
  const age = nowMs - generatedAtMs;
  if (age <= STALE_AFTER_MS) return { level: 'fresh', text: null };
  const rel = relativeAge(age);
  const when = rel !== null ? rel : `on ${formatUtcDate(generatedAtMs)}`;
  if (age <= VERY_STALE_AFTER_MS) return { level: 'stale', text: `Stale: last run ${when}` };
  return { level: 'very_stale', text: `Very stale: last run ${when}; the daily run has not published since` };
}

/**
 * Whether the version a run used was the newest one at run time.
 * Returns { kind: 'latest' | 'behind' | 'unknown', text } where text is
 * "latest", "3 releases behind (latest 2.1.140)", or null when the
 * publisher recorded nothing.
 */
export function versionNotice(version, latest, releasesBehind) {
  const hasLatest = isNonEmptyString(latest);
  const hasBehind = isNonNegativeInteger(releasesBehind);
  if (hasBehind) {
    if (releasesBehind === 0) return { kind: 'latest', text: 'latest' };
    const n = `${releasesBehind} release${releasesBehind === 1 ? '' : 's'} behind`;
    return { kind: 'behind', text: hasLatest ? `${n} (latest ${latest})` : n };
  }
  if (hasLatest) {
    if (latest === version) return { kind: 'latest', text: 'latest' };
    return { kind: 'behind', text: `not the latest (latest ${latest})` };
  }
  return { kind: 'unknown', text: null };
}

/** The banner's version notices of a validated matrix (v1: none). */
export function versionNotices(matrix) {
  const c = matrix.context || {};
  return {
    claudeCode: versionNotice(matrix.claudeCodeVersion, c.claude_code_latest, c.claude_code_releases_behind),
    litellm: versionNotice(matrix.litellmVersion, c.litellm_latest_stable, c.litellm_releases_behind),
  };
}

/**
 * The cells whose status differs from the previous run's, in table order:
 * [{ featureId, featureName, providerId, providerName, from, to, text }],
 * text like "Tool use on Bedrock (Converse): pass → partial".
 */
export function changedCells(matrix) {
  const out = [];
  if (matrix.schemaVersion !== '2') return out;
  for (const f of matrix.features) {
    f.cells.forEach((c, i) => {
      if (!c.changed) return;
      const providerName = matrix.providers[i].name;
      out.push({
        featureId: f.id,
        featureName: f.name,
        providerId: c.providerId,
        providerName,
        from: c.change.from,
        to: c.status,
        at: c.change.at,
        changedWith: c.change.changedWith,
        text: `${f.name} on ${providerName}: ${statusWord(c.change.from)} → ${statusWord(c.status)}`,
      });
    });
  }
  return out;
}

/**
 * A history's `changed_with` (the versions that moved with the change) as
 * { litellm: {from, to} | null, claudeCode: {from, to} | null, text }, text
 * like "LiteLLM 1.108.7 → 1.110.2 and Claude Code 2.1.331 → 2.1.332"; null
 * when it is not that shape (unknown keys, or neither version).
 */
export function parseChangedWith(raw) {
  if (!isPlainObject(raw)) return null;
  const keys = Object.keys(raw);
  if (keys.length === 0 || keys.some((k) => k !== 'litellm' && k !== 'claude_code')) return null;
  const move = (m) => (isPlainObject(m) && isNonEmptyString(m.from) && isNonEmptyString(m.to) ? { from: m.from, to: m.to } : undefined);
  const litellm = 'litellm' in raw ? move(raw.litellm) : null;
  const claudeCode = 'claude_code' in raw ? move(raw.claude_code) : null;
  if (litellm === undefined || claudeCode === undefined) return null;
  const text = [
    ['LiteLLM', litellm],
    ['Claude Code', claudeCode],
  ]
    .filter(([, m]) => m)
    .map(([name, m]) => `${name} ${m.from} → ${m.to}`)
    .join(' and ');
  return { litellm, claudeCode, text };
}

/**
 * The "N cells changed since the previous run" summary: its title and lines.
 * When every changed cell names the same version bump (the usual case: they
 * all changed in this run), the title says it once ("... since the previous
 * run with LiteLLM 1.108.7 → 1.110.2"); otherwise each line names its own.
 */
export function changesSummary(matrix) {
  const changes = changedCells(matrix);
  if (changes.length === 0) return null;
  const bumps = new Set(changes.map((c) => (c.changedWith ? c.changedWith.text : '')));
  const shared = bumps.size === 1 ? Array.from(bumps)[0] : '';
  const count = changes.length === 1 ? '1 cell changed' : `${changes.length} cells changed`;
  return {
    title: `${count} since the previous run${shared ? ` with ${shared}` : ''}:`,
    bump: shared || null,
    items: changes.map((c) => ({
      ...c,
      line: !shared && c.changedWith ? `${c.text} (with ${c.changedWith.text})` : c.text,
    })),
  };
}
