/**
 * Builds a static page with <CompatibilityMatrix /> over a given
 * compatibility-matrix.json, the way the docs site does: the JSON is bundled
 * in at build time (as '@site/src/data/compatibility-matrix.json'), the page
 * is rendered to HTML on the server side and hydrated in the browser.
 *
 *   import { buildPage } from './build-page.mjs';
 *   await buildPage({ matrixPath, outDir, mode: 'production' });
 *   await buildPage({ matrixPath, releasesPath, outDir });  // with the weekly releases file
 *
 * The optional releases file (compatibility-releases.json) stands in for the
 * component's releasesData.js (which finds it with webpack's require.context
 * on the docs site): the file given, or null when none is.
 *
 * Writes outDir/index.html, outDir/assets/app.js and outDir/assets/app.css.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const DOCS_SITE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PAGE_DIR = path.join(DOCS_SITE_ROOT, 'scripts', 'page');
const MATRIX_IMPORT = '@site/src/data/compatibility-matrix.json';
/** The component's module that finds the optional releases file on the docs site. */
const RELEASES_MODULE = path.join(DOCS_SITE_ROOT, 'src', 'components', 'CompatibilityMatrix', 'releasesData.js');

let esbuildPromise;
async function loadEsbuild() {
  esbuildPromise ??= import('esbuild').catch((err) => {
    throw new Error(
      `cannot load esbuild (${err.message}); install the docs-site dependencies first: (cd ${DOCS_SITE_ROOT} && npm ci)`,
    );
  });
  return esbuildPromise;
}

/**
 * Resolves '@site/...' like Docusaurus, with the matrix import pointed at
 * `matrixPath`, and the component's releasesData.js at `releasesPath` (a
 * module exporting null when there is none).
 */
function siteAliasPlugin(matrixPath, releasesPath) {
  return {
    name: 'site-alias',
    setup(build) {
      build.onResolve({ filter: /releasesData(\.js)?$/ }, (args) => {
        if (path.resolve(args.resolveDir, args.path).replace(/(\.js)?$/, '.js') !== RELEASES_MODULE) return undefined;
        if (releasesPath) return { path: releasesPath };
        return { path: 'no-releases-file', namespace: 'compat-releases' };
      });
      build.onLoad({ filter: /.*/, namespace: 'compat-releases' }, () => ({ contents: 'export default null;', loader: 'js' }));
      build.onResolve({ filter: /^@site\// }, async (args) => {
        if (args.path === MATRIX_IMPORT) return { path: matrixPath };
        const rel = args.path.slice('@site/'.length);
        // Let esbuild apply its usual resolution (index files, extensions).
        const result = await build.resolve(`./${rel}`, { resolveDir: DOCS_SITE_ROOT, kind: args.kind });
        if (result.errors.length > 0) return { errors: result.errors };
        return { path: result.path };
      });
    },
  };
}

function commonOptions(matrixPath, mode, releasesPath) {
  return {
    bundle: true,
    write: false,
    logLevel: 'silent',
    jsx: 'automatic',
    loader: { '.js': 'jsx' },
    define: { 'process.env.NODE_ENV': JSON.stringify(mode) },
    plugins: [siteAliasPlugin(matrixPath, releasesPath)],
    absWorkingDir: DOCS_SITE_ROOT,
  };
}

let importCounter = 0;

/**
 * Bundles `entry` (JSX allowed, '@site/...' resolved, the matrix import
 * pointed at `matrixPath`) for Node and imports it. React stays external, so
 * node_modules' copy is used. Returns the module's exports.
 */
export async function importForNode(entry, { matrixPath, releasesPath = null, mode = 'production' }) {
  const esbuild = await loadEsbuild();
  const result = await esbuild.build({
    ...commonOptions(path.resolve(matrixPath), mode, releasesPath && path.resolve(releasesPath)),
    entryPoints: [entry],
    platform: 'node',
    format: 'esm',
    outdir: path.join(DOCS_SITE_ROOT, 'node_modules', '.cache', 'compat-ssr'),
    external: ['react', 'react-dom', 'react/*', 'react-dom/*'],
  });
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
  // Written inside node_modules/ so that its `import 'react'` resolves there.
  const file = path.join(DOCS_SITE_ROOT, 'node_modules', '.cache', `compat-ssr-${process.pid}-${++importCounter}.mjs`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, js.contents);
  try {
    return await import(pathToFileURL(file).href);
  } finally {
    await rm(file, { force: true });
  }
}

/**
 * @param {object} opts
 * @param {string} opts.matrixPath  the compatibility-matrix.json to bundle in
 * @param {string} [opts.releasesPath]  the compatibility-releases.json to bundle in (none: the page has no release switch)
 * @param {string} opts.outDir      where to write the page (emptied first)
 * @param {'production'|'development'} [opts.mode]  React build; development
 *   makes React report hydration mismatches and other warnings in the console
 * @param {string} [opts.source]    how to name the JSON on the page
 * @returns {Promise<{ indexHtml: string }>} the path of the written index.html
 */
export async function buildPage({ matrixPath, releasesPath = null, outDir, mode = 'production', source }) {
  const esbuild = await loadEsbuild();
  const absMatrix = path.resolve(matrixPath);
  const absReleases = releasesPath ? path.resolve(releasesPath) : null;
  const props = { source: source ?? path.basename(absMatrix) };
  await rm(outDir, { recursive: true, force: true });
  await mkdir(path.join(outDir, 'assets'), { recursive: true });

  // 1. Server render, exactly like the docs site's static build.
  const { render } = await importForNode(path.join(PAGE_DIR, 'server-entry.jsx'), { matrixPath: absMatrix, releasesPath: absReleases, mode });
  const markup = render(props);

  // 2. Client bundle that hydrates it.
  const client = await esbuild.build({
    ...commonOptions(absMatrix, mode, absReleases),
    entryPoints: { app: path.join(PAGE_DIR, 'client-entry.jsx') },
    platform: 'browser',
    format: 'iife',
    target: ['es2020'],
    // Not minifyIdentifiers: it would rename the CSS-module classes in the
    // client bundle only, and the server-rendered markup (unminified names)
    // would no longer match its stylesheet.
    minifyWhitespace: mode === 'production',
    minifySyntax: mode === 'production',
    sourcemap: mode === 'development' ? 'inline' : false,
    outdir: path.join(outDir, 'assets'),
  });
  for (const file of client.outputFiles) {
    await writeFile(file.path, file.contents);
  }
  const pageCss = await readFile(path.join(PAGE_DIR, 'page.css'), 'utf8');
  await writeFile(path.join(outDir, 'assets', 'page.css'), pageCss);

  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Claude Code Compatibility Matrix – preview</title>
<script>if (new URLSearchParams(location.search).get('theme') === 'dark') document.documentElement.dataset.theme = 'dark';</script>
<link rel="stylesheet" href="assets/page.css">
<link rel="stylesheet" href="assets/app.css">
</head>
<body>
<div id="root">${markup}</div>
<script type="application/json" id="page-props">${JSON.stringify(props).replace(/</g, '\\u003c')}</script>
<script src="assets/app.js" defer></script>
</body>
</html>
`;
  const indexHtml = path.join(outDir, 'index.html');
  await writeFile(indexHtml, html);
  return { indexHtml };
}
