/**
 * Server render of the component with the weekly releases file: the release
 * switch and its note, the notice for an unreadable file (the matrix still
 * shows), nothing at all without the file, and build-page.mjs's stand-in for
 * releasesData.js (the file given, or null).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DOCS_SITE_ROOT, importForNode } from '../../scripts/build-page.mjs';

const FIXTURES = path.join(DOCS_SITE_ROOT, 'fixtures');
const MATRIX = path.join(FIXTURES, 'v2-releases-compatibility-matrix.json');
const RELEASES = path.join(FIXTURES, 'releases-compatibility-releases.json');
const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'render-entry.jsx');
const load = (name) => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8'));
const count = (html, re) => (html.match(re) || []).length;

let without;
let withFile;
const reactErrors = [];
const realConsoleError = console.error;
before(async () => {
  console.error = (...args) => reactErrors.push(args.map(String).join(' '));
  without = await importForNode(ENTRY, { matrixPath: MATRIX, mode: 'development' });
  withFile = await importForNode(ENTRY, { matrixPath: MATRIX, releasesPath: RELEASES, mode: 'development' });
});
after(() => {
  console.error = realConsoleError;
});

describe('server render with and without the releases file', () => {
  test('no releases file: no switch, no notice, the same markup as before', () => {
    const html = without.renderDefault();
    assert.doesNotMatch(html, /data-testid="release-switch"/);
    assert.doesNotMatch(html, /compat-releases-error/);
    assert.equal(html, without.renderWithReleases(load('v2-releases-compatibility-matrix.json'), null));
    assert.equal(count(html, /<td /g), 16);
  });

  test('the file bundled in (build-page.mjs stands in for releasesData.js): a labelled select, daily first', () => {
    const html = withFile.renderDefault();
    assert.match(html, /<label for="([^"]+)"[^>]*>LiteLLM release:<\/label> <select id="\1"[^>]*data-testid="release-select"/);
    const options = [...html.matchAll(/<option value="([^"]*)"[^>]*>([^<]*)<\/option>/g)].map((m) => [m[1], m[2]]);
    assert.deepEqual(options, [
      ['daily', '1.110.2 (daily)'],
      ['1.110.2', '1.110.2 (newest measured)'],
      ['1.108.7', '1.108.7'],
      ['1.106.12', '1.106.12'],
    ]);
    assert.match(html, /<p[^>]*role="status"[^>]*data-testid="release-note"[^>]*>Showing the daily run \(LiteLLM 1.110.2\)\. The weekly releases run also measured 3 LiteLLM releases/);
    // The server render is the daily view.
    assert.match(html, /data-testid="release-switch" data-switched="false"/);
    assert.doesNotMatch(html, /data-release="/);
    assert.equal(count(html, /<td /g), 16);
  });

  test('the changed summary names the bump', () => {
    const html = without.renderDefault();
    assert.match(html, /data-testid="compat-changes" data-bump="LiteLLM 1.108.7 → 1.110.2"/);
    assert.match(html, /2 cells changed since the previous run with LiteLLM 1.108.7 → 1.110.2:/);
    assert.match(html, /Changed from pass on 2026-12-06 with LiteLLM 1.108.7 → 1.110.2/);
  });

  test('an unreadable releases file: a notice naming the problems, and the matrix as without it', () => {
    const html = without.renderWithReleases(load('v2-releases-compatibility-matrix.json'), load('malformed-compatibility-releases.json'));
    assert.match(html, /data-testid="compat-releases-error"/);
    assert.match(html, /The releases file compatibility-releases.json cannot be read/);
    assert.match(html, /mode must be one of sim, rehearsal, live, found the string &quot;staging&quot;/);
    assert.doesNotMatch(html, /role="alert"/);
    assert.doesNotMatch(html, /release-select/);
    assert.equal(count(html, /<td /g), 16);
  });

  test('a schema v1 matrix ignores the releases file (its cells have no models)', () => {
    const html = withFile.renderWith(load('sample-compatibility-matrix.json'));
    assert.doesNotMatch(html, /release-switch|compat-releases-error/);
    assert.equal(count(html, /<td /g), 30);
  });

  test('React reported nothing', () => {
    assert.deepEqual(reactErrors, []);
  });
});
