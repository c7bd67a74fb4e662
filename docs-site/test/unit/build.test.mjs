/**
 * The production build of the preview page (what `cargo xtask preview`
 * serves): every CSS-module class in the server-rendered markup must exist in
 * the bundled stylesheet. (A minifier that renamed the classes in the client
 * bundle only once shipped an unstyled page.)
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { DOCS_SITE_ROOT, buildPage } from '../../scripts/build-page.mjs';

for (const mode of ['production', 'development']) {
  test(`${mode} build: the markup's classes are in app.css`, async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'cm-build-'));
    try {
      const matrixPath = path.join(DOCS_SITE_ROOT, 'fixtures', 'sample-compatibility-matrix.json');
      const { indexHtml } = await buildPage({ matrixPath, outDir: out, mode });
      const html = await readFile(indexHtml, 'utf8');
      const css = await readFile(path.join(out, 'assets', 'app.css'), 'utf8');
      const classes = new Set(
        [...html.matchAll(/class="([^"]*)"/g)].flatMap((m) => m[1].split(/\s+/)).filter((c) => c.startsWith('styles_')),
      );
      assert.ok(classes.size >= 5, `expected CSS-module classes in the markup, got ${[...classes]}`);
      const missing = [...classes].filter((c) => !css.includes(`.${c}`));
      assert.deepEqual(missing, [], `classes in the markup but not in app.css`);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
}
