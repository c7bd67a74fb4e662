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

/** The only schema version this component knows how to render. */
export const SUPPORTED_SCHEMA_VERSION = '1';

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

function isPlainObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeName(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  return typeof v === 'object' ? 'an object' : typeof v;
}

function isNonEmptyString(v) {
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
  if (raw.schema_version !== SUPPORTED_SCHEMA_VERSION) {
    const found = raw.schema_version;
    const problem =
      typeof found === 'string'
        ? `schema_version is ${JSON.stringify(found)}; this component renders only schema version ${JSON.stringify(SUPPORTED_SCHEMA_VERSION)}`
        : `schema_version must be the string ${JSON.stringify(SUPPORTED_SCHEMA_VERSION)}, found ${typeName(found)}`;
    return { ok: false, kind: 'schema_version', found, problems: [problem] };
  }

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
      if (isNonEmptyString(f.id) && isNonEmptyString(f.name)) features.push({ id: f.id, name: f.name, cells });
    });
  }

  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_REPORTED_PROBLEMS);
    if (problems.length > shown.length) shown.push(`… and ${problems.length - shown.length} more problem(s)`);
    return { ok: false, kind: 'malformed', problems: shown };
  }

  return {
    ok: true,
    matrix: {
      schemaVersion: raw.schema_version,
      generatedAt: raw.generated_at,
      generatedAtMs,
      litellmVersion: raw.litellm_version,
      claudeCodeVersion: raw.claude_code_version,
      providers: providerIds.map((id) => ({ id, name: providerDisplayName(id) })),
      features,
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
