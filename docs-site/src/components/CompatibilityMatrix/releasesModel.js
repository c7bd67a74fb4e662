/**
 * Pure logic behind the release switch and "works since": the weekly
 * releases run's file (compatibility-releases.json, schema version 1, the
 * format of ../../../../schemas/compatibility-releases.v1.schema.json), read
 * beside the daily matrix. No React, no DOM, no clock.
 *
 * - validateReleases(raw): checks the file's shape and turns it into the
 *   view model, or lists every problem (naming the JSON location), so the
 *   page can say why the switch is missing and still show the matrix.
 * - switchMatrix(matrix, releases, version): the daily matrix's view model
 *   recoloured from one release's per-model statuses, aggregated per cell as
 *   the v2 builder aggregates models (aggregateModelStatuses).
 * - acrossReleases(releases, featureId, providerId, models): per model,
 *   "Works since LiteLLM X" / "Broke in LiteLLM Y" / "Works in every measured
 *   release (X–Z)" / "Never worked in the measured releases", for the deep dive.
 */
import {
  CLASS_INFO,
  MAX_REPORTED_PROBLEMS,
  MODEL_STATUS_INFO,
  describeCellV2,
  formatUtcStable,
  isNonEmptyString,
  isPlainObject,
  parseUtcTimestamp,
  typeName,
} from './matrixModel.js';

/** The releases file's schema version this page reads. */
export const RELEASES_SCHEMA_VERSION = 1;

/** The select's value for the daily matrix (a LiteLLM version never looks like it). */
export const DAILY = 'daily';

/** Per-model statuses of the releases file (the v2 matrix's, plus not_tested: the model did not run). */
export const RELEASE_MODEL_STATUSES = Object.freeze(['pass', 'flaky', 'fail', 'unverified', 'not_applicable', 'not_tested']);

const MODES = Object.freeze({
  sim: 'sim mode: simulated providers',
  rehearsal: 'rehearsal mode: simulated providers behind the real host names',
  live: 'live mode: the real providers',
});

/** The summary of a cell that release did not measure. */
export const NOT_MEASURED_TEXT = 'Not measured in this release.';

const isCount = (v) => Number.isInteger(v) && v >= 0;
const cellKey = (featureId, providerId) => `${featureId}\u0000${providerId}`;

function validateIdNames(raw, field, problem) {
  if (!(field in raw)) {
    problem(`${field} is missing`);
    return [];
  }
  if (!Array.isArray(raw[field])) {
    problem(`${field} must be an array of {id, name}, found ${typeName(raw[field])}`);
    return [];
  }
  const out = [];
  raw[field].forEach((x, i) => {
    if (!isPlainObject(x) || !isNonEmptyString(x.id) || !isNonEmptyString(x.name)) {
      problem(`${field}[${i}] must be an object with a non-empty id and name, found ${typeName(x)}`);
    } else out.push({ id: x.id, name: x.name });
  });
  return out;
}

function validateReleaseList(raw, problem) {
  if (!('releases' in raw)) {
    problem('releases is missing');
    return [];
  }
  if (!Array.isArray(raw.releases) || raw.releases.length === 0) {
    problem(`releases must be a non-empty array of measured releases, found ${typeName(raw.releases)}`);
    return [];
  }
  const out = [];
  const seen = new Set();
  raw.releases.forEach((r, i) => {
    const at = `releases[${i}]`;
    if (!isPlainObject(r)) {
      problem(`${at} must be an object, found ${typeName(r)}`);
      return;
    }
    let ok = true;
    const bad = (msg) => {
      problem(`${at}${msg}`);
      ok = false;
    };
    if (!isNonEmptyString(r.litellm_version)) bad(`.litellm_version must be a non-empty string, found ${typeName(r.litellm_version)}`);
    else if (r.litellm_version === DAILY) bad(`.litellm_version must be a LiteLLM version, found ${typeName(r.litellm_version)}`);
    else if (seen.has(r.litellm_version)) bad(`: release ${JSON.stringify(r.litellm_version)} is listed twice`);
    const measuredAtMs = parseUtcTimestamp(r.measured_at);
    if (measuredAtMs === null) bad(`.measured_at must be an ISO-8601 UTC timestamp, found ${typeName(r.measured_at)}`);
    if ('why' in r && typeof r.why !== 'string') bad(`.why must be a string, found ${typeName(r.why)}`);
    for (const k of ['cells', 'passing_models']) {
      if (k in r && !isCount(r[k])) bad(`.${k} must be a whole number >= 0, found ${typeName(r[k])}`);
    }
    if (!ok) return;
    seen.add(r.litellm_version);
    out.push({
      version: r.litellm_version,
      measuredAt: r.measured_at,
      measuredAtMs,
      why: isNonEmptyString(r.why) ? r.why : null,
      cells: isCount(r.cells) ? r.cells : null,
      passingModels: isCount(r.passing_models) ? r.passing_models : null,
    });
  });
  return out;
}

function validateSkipped(raw, problem) {
  if (!('skipped' in raw)) return [];
  if (!Array.isArray(raw.skipped)) {
    problem(`skipped must be an array of {litellm_version, why}, found ${typeName(raw.skipped)}`);
    return [];
  }
  const out = [];
  raw.skipped.forEach((s, i) => {
    if (!isPlainObject(s) || !isNonEmptyString(s.litellm_version) || typeof s.why !== 'string') {
      problem(`skipped[${i}] must be {"litellm_version": a version, "why": a string}, found ${typeName(s)}`);
    } else out.push({ version: s.litellm_version, why: s.why });
  });
  return out;
}

function validateByRelease(byRelease, at, versions, problem) {
  if (!isPlainObject(byRelease)) {
    problem(`${at}.by_release must be an object mapping a measured release to {status, ...}, found ${typeName(byRelease)}`);
    return null;
  }
  const out = {};
  let ok = true;
  for (const [v, e] of Object.entries(byRelease)) {
    const where = `${at}.by_release[${JSON.stringify(v)}]`;
    if (!versions.has(v)) {
      problem(`${where}: release ${JSON.stringify(v)} is not in the top-level releases list`);
      ok = false;
      continue;
    }
    if (!isPlainObject(e) || !RELEASE_MODEL_STATUSES.includes(e.status)) {
      problem(`${where}.status must be one of ${RELEASE_MODEL_STATUSES.join(', ')}, found ${typeName(isPlainObject(e) ? e.status : e)}`);
      ok = false;
      continue;
    }
    if ('class' in e && !Object.prototype.hasOwnProperty.call(CLASS_INFO, e.class)) {
      problem(`${where}.class: unknown failure class ${typeName(e.class)}`);
      ok = false;
      continue;
    }
    if ('message' in e && typeof e.message !== 'string') {
      problem(`${where}.message must be a string, found ${typeName(e.message)}`);
      ok = false;
      continue;
    }
    out[v] = { status: e.status, class: e.class || null, message: isNonEmptyString(e.message) ? e.message : null };
  }
  return ok ? out : null;
}

function validateCells(raw, versions, problem) {
  if (!('cells' in raw)) {
    problem('cells is missing');
    return new Map();
  }
  if (!Array.isArray(raw.cells)) {
    problem(`cells must be an array, found ${typeName(raw.cells)}`);
    return new Map();
  }
  const cells = new Map();
  raw.cells.forEach((c, i) => {
    const at = `cells[${i}]`;
    if (!isPlainObject(c)) {
      problem(`${at} must be an object, found ${typeName(c)}`);
      return;
    }
    let ok = true;
    for (const k of ['feature', 'provider', 'model']) {
      if (!isNonEmptyString(c[k])) {
        problem(`${at}.${k} must be a non-empty string, found ${typeName(c[k])}`);
        ok = false;
      }
    }
    if (!ok) return;
    const where = `${at} (${c.feature} × ${c.provider} × ${c.model})`;
    const byRelease = validateByRelease(c.by_release, where, versions, problem);
    if (byRelease === null) ok = false;
    let worksSince = null;
    if (c.works_since !== null && c.works_since !== undefined) {
      if (!versions.has(c.works_since)) {
        problem(`${where}.works_since must be null or a release of the releases list, found ${typeName(c.works_since)}`);
        ok = false;
      } else worksSince = c.works_since;
    }
    let brokeIn = null;
    if (c.broke_in !== null && c.broke_in !== undefined) {
      const b = c.broke_in;
      if (!isPlainObject(b) || !versions.has(b.release) || typeof b.message !== 'string') {
        problem(`${where}.broke_in must be null or {"release": a release of the releases list, "message": a string}, found ${typeName(b)}`);
        ok = false;
      } else brokeIn = { release: b.release, message: b.message };
    }
    if (worksSince && brokeIn) {
      problem(`${where}: works_since and broke_in cannot both be set (a cell works now or is broken now)`);
      ok = false;
    }
    if (!ok) return;
    const key = cellKey(c.feature, c.provider);
    if (!cells.has(key)) cells.set(key, new Map());
    const models = cells.get(key);
    if (models.has(c.model)) {
      problem(`${where}: listed twice`);
      return;
    }
    models.set(c.model, { byRelease, worksSince, brokeIn });
  });
  return cells;
}

/**
 * Validates a parsed compatibility-releases.json.
 *
 * Returns { ok: true, releases } (the view model) or { ok: false, problems }
 * (human-readable, naming the JSON location; at most MAX_REPORTED_PROBLEMS).
 */
export function validateReleases(raw) {
  if (!isPlainObject(raw)) {
    return { ok: false, problems: [`the file must hold a JSON object, found ${typeName(raw)}`] };
  }
  if (raw.schema_version !== RELEASES_SCHEMA_VERSION) {
    const found = 'schema_version' in raw ? typeName(raw.schema_version) : 'nothing';
    return { ok: false, problems: [`schema_version must be the number ${RELEASES_SCHEMA_VERSION} (the releases file this page reads), found ${found}`] };
  }
  const problems = [];
  const problem = (msg) => problems.push(msg);
  const generatedAtMs = parseUtcTimestamp(raw.generated_at);
  if (generatedAtMs === null) problem(`generated_at must be an ISO-8601 UTC timestamp like "2026-12-06T06:00:00Z", found ${typeName(raw.generated_at)}`);
  if (!Object.prototype.hasOwnProperty.call(MODES, raw.mode)) {
    problem(`mode must be one of ${Object.keys(MODES).join(', ')}, found ${typeName(raw.mode)}`);
  }
  if (!isNonEmptyString(raw.claude_code_version)) {
    problem(`claude_code_version must be a non-empty string, found ${typeName(raw.claude_code_version)}`);
  }
  const releases = validateReleaseList(raw, problem);
  const skipped = validateSkipped(raw, problem);
  const features = validateIdNames(raw, 'features', problem);
  const providers = validateIdNames(raw, 'providers', problem);
  const models = validateIdNames(raw, 'models', problem);
  const cells = validateCells(raw, new Set(releases.map((r) => r.version)), problem);
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_REPORTED_PROBLEMS);
    if (problems.length > shown.length) shown.push(`… and ${problems.length - shown.length} more problem(s)`);
    return { ok: false, problems: shown };
  }
  return {
    ok: true,
    releases: {
      generatedAt: raw.generated_at,
      generatedAtMs,
      mode: raw.mode,
      modeText: MODES[raw.mode],
      claudeCodeVersion: raw.claude_code_version,
      releases,
      skipped,
      features,
      providers,
      models,
      cells,
    },
  };
}

/** The models' entries of one cell (model id -> {byRelease, worksSince, brokeIn}), or null. */
export function releaseCellModels(releases, featureId, providerId) {
  return releases.cells.get(cellKey(featureId, providerId)) || null;
}

// ---------------------------------------------------------------------------
// The release switch
// ---------------------------------------------------------------------------

/**
 * The cell status of per-model statuses, as compat-matrix's v2 builder
 * aggregates them (compat-matrix/src/matrix/v2.rs `aggregate`): any fail ->
 * fail (none passing) or partial; else any unverified -> unverified; fewer
 * models than the matrix runs (and not all of them not applicable) ->
 * not_tested; none passing and some not applicable -> not_applicable; any
 * flaky -> flaky; else pass. `statuses` maps model id -> status of the models
 * that ran; `modelCount` is how many models every cell runs on.
 */
export function aggregateModelStatuses(statuses, modelCount) {
  const list = Object.values(statuses);
  const count = (s) => list.filter((x) => x === s).length;
  const passing = count('pass') + count('flaky');
  if (count('fail') > 0) return passing === 0 ? 'fail' : 'partial';
  if (count('unverified') > 0) return 'unverified';
  if (list.length < modelCount && count('not_applicable') < list.length) return 'not_tested';
  if (list.length === 0) return 'not_tested';
  if (passing === 0 && count('not_applicable') > 0) return 'not_applicable';
  if (count('flaky') > 0) return 'flaky';
  return 'pass';
}

/**
 * One cell of `version` as the deep dive and the table draw it: the view
 * model of describeCellV2 over that release's per-model results (no
 * attempts or durations: the releases file keeps only statuses and
 * messages), or not_tested "not measured in this release".
 */
export function releaseCell(releases, featureId, providerId, version, models) {
  const entries = releaseCellModels(releases, featureId, providerId);
  const results = {};
  const statuses = {};
  for (const m of models) {
    const e = entries && entries.get(m.id);
    const r = e && e.byRelease[version];
    if (!r || r.status === 'not_tested') continue;
    statuses[m.id] = r.status;
    const result = { status: r.status };
    if (r.class) result.class = r.class;
    if (r.message && (r.status === 'fail' || r.status === 'unverified')) result.error = r.message;
    if (r.message && r.status === 'not_applicable') result.reason = r.message;
    if (r.message && r.status === 'flaky') result.firstError = r.message;
    results[m.id] = result;
  }
  if (Object.keys(results).length === 0) {
    const cell = describeCellV2({ status: 'not_tested' }, models);
    return { ...cell, providerId, summary: NOT_MEASURED_TEXT, tooltip: NOT_MEASURED_TEXT, notMeasured: true, release: version };
  }
  const status = aggregateModelStatuses(statuses, models.length);
  const lines = (s) =>
    models
      .filter((m) => results[m.id] && results[m.id].status === s)
      .map((m) => `${m.id}: ${results[m.id].error || ''}`)
      .join('\n');
  const cell = { status, results };
  if (status === 'fail' || status === 'partial') cell.error = lines('fail');
  if (status === 'unverified') cell.error = lines('unverified');
  if (status === 'partial') cell.passingModels = models.filter((m) => ['pass', 'flaky'].includes(statuses[m.id])).map((m) => m.id);
  if (status === 'not_applicable') {
    cell.reason = Array.from(new Set(models.map((m) => results[m.id] && results[m.id].reason).filter(Boolean))).join(' ') || 'Not applicable.';
  }
  return { ...describeCellV2(cell, models), providerId, release: version };
}

/**
 * The daily matrix's view model (validateMatrix's `matrix`, schema v2) with
 * every cell recoloured from release `version` of the releases file. Rows
 * and columns stay the daily matrix's; a cell the release did not measure is
 * not_tested; no run context (the deep dive links no daily commit or logs). Returns the matrix itself for DAILY or a version the file
 * does not hold.
 */
export function switchMatrix(matrix, releases, version) {
  if (version === DAILY || !releases.releases.some((r) => r.version === version)) return matrix;
  return {
    ...matrix,
    release: version,
    // The daily run's source commit and logs are not that release's run.
    context: null,
    features: matrix.features.map((f) => ({
      ...f,
      cells: f.cells.map((c) => releaseCell(releases, f.id, c.providerId, version, matrix.models)),
    })),
  };
}

/** The select's options: the daily matrix first, then each measured release, newest first. */
export function releaseOptions(matrix, releases) {
  const newest = releases.releases[releases.releases.length - 1].version;
  return [
    { value: DAILY, label: `${matrix.litellmVersion} (daily)` },
    ...releases.releases
      .slice()
      .reverse()
      .map((r) => ({ value: r.version, label: r.version === newest ? `${r.version} (newest measured)` : r.version })),
  ];
}

/**
 * The note beside the switch. On DAILY: what the releases run measured; on a
 * release: that the view comes from the weekly releases run, not the daily one.
 */
export function switchNote(matrix, releases, version) {
  const when = formatUtcStable(releases.generatedAtMs);
  const n = releases.releases.length;
  const range = n === 1 ? releases.releases[0].version : `${releases.releases[0].version} to ${releases.releases[n - 1].version}`;
  if (version === DAILY) {
    const skipped = releases.skipped.map((x) => `${x.version} (${x.why.replace(/\.$/, '')})`).join(', ');
    return {
      switched: false,
      text:
        `Showing the daily run (LiteLLM ${matrix.litellmVersion}). The weekly releases run also measured ${n} LiteLLM release${n === 1 ? '' : 's'} ` +
        `(${range}; ${when}, ${releases.modeText}): pick one to see its results.${skipped ? ` Not measured: ${skipped}.` : ''}`,
    };
  }
  const r = releases.releases.find((x) => x.version === version);
  const why = r && r.why ? ` It was measured because it is ${r.why.replace(/\.$/, '')}.` : '';
  return {
    switched: true,
    text:
      `Showing LiteLLM ${version} from the weekly releases run (generated ${when}, ${releases.modeText}, Claude Code ${releases.claudeCodeVersion}), ` +
      `not the daily run above: the banner, the change marks and "last verified" belong to the daily run.${why}`,
  };
}

// ---------------------------------------------------------------------------
// "Works since" / "broke in"
// ---------------------------------------------------------------------------

const WORKS = new Set(['pass', 'flaky']);
const VERDICT = new Set(['pass', 'flaky', 'fail']);

/**
 * One model's line across the measured releases, from the file's
 * works_since / broke_in and its by_release statuses:
 *   { kind: 'every' | 'since' | 'broke' | 'never' | 'not_applicable' | 'no_verdict' | 'not_measured',
 *     text, message?, strip: [{ version, status, icon, label }] }
 * `strip` is the model's status in each measured release (oldest first; a
 * release where the cell did not exist: status 'absent').
 */
export function describeAcrossReleases(releases, entry) {
  const order = releases.releases.map((r) => r.version);
  if (!entry) return { kind: 'not_measured', text: 'Not measured by the releases run.', strip: [] };
  const strip = order.map((v) => {
    const r = entry.byRelease[v];
    const status = r ? r.status : 'absent';
    const info = r ? MODEL_STATUS_INFO[status === 'not_tested' ? 'not_run' : status] : null;
    return { version: v, status, icon: info ? info.icon : ' ', label: info ? info.label : 'Not measured' };
  });
  const withVerdict = order.filter((v) => entry.byRelease[v] && VERDICT.has(entry.byRelease[v].status));
  const first = withVerdict[0];
  const last = withVerdict[withVerdict.length - 1];
  if (entry.worksSince) {
    if (entry.worksSince === first) {
      const range = first === last ? first : `${first}–${last}`;
      return { kind: 'every', text: `Works in every measured release (${range})`, strip };
    }
    const before = withVerdict.filter((v) => order.indexOf(v) < order.indexOf(entry.worksSince));
    const lastBroken = before.reverse().find((v) => !WORKS.has(entry.byRelease[v].status));
    return {
      kind: 'since',
      text: `Works since LiteLLM ${entry.worksSince}${lastBroken ? ` (broken in ${lastBroken})` : ''}`,
      strip,
    };
  }
  if (entry.brokeIn) {
    const before = withVerdict.filter((v) => order.indexOf(v) < order.indexOf(entry.brokeIn.release));
    const lastWorking = before.reverse().find((v) => WORKS.has(entry.byRelease[v].status));
    return {
      kind: 'broke',
      text: `Broke in LiteLLM ${entry.brokeIn.release}${lastWorking ? ` (worked in ${lastWorking})` : ''}`,
      message: entry.brokeIn.message,
      strip,
    };
  }
  if (withVerdict.length > 0) {
    const range = first === last ? first : `${first}–${last}`;
    return { kind: 'never', text: `Never worked in the measured releases (${range})`, strip };
  }
  const present = Object.values(entry.byRelease);
  if (present.length > 0 && present.every((r) => r.status === 'not_applicable')) {
    return { kind: 'not_applicable', text: 'Not applicable in the measured releases', strip };
  }
  return { kind: 'no_verdict', text: 'No verdict in the measured releases', strip };
}

/**
 * The deep dive's "Across LiteLLM releases" section of a cell: one line per
 * model of the matrix (in its order), or null when the releases run never
 * measured the cell.
 */
export function acrossReleases(releases, featureId, providerId, models) {
  const entries = releaseCellModels(releases, featureId, providerId);
  if (!entries) return null;
  return models.map((m) => ({ modelId: m.id, name: m.name, ...describeAcrossReleases(releases, entries.get(m.id) || null) }));
}
