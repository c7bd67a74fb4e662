/**
 * The weekly releases run's file, when the docs site has one:
 * src/data/compatibility-releases.json (written by `cargo xtask publish
 * --releases`), or null.
 *
 * The file is optional, so it is not imported (a missing import fails the
 * build): webpack's require.context (Docusaurus's bundler, webpack or
 * Rspack) lists src/data at build time and yields no module when the file
 * is absent, so a site without it builds and the page shows the daily
 * matrix only. Like the matrix, the data is bundled in: no request at
 * render time. The standalone build (scripts/build-page.mjs, esbuild) swaps
 * this module for the releases file it is given, or null.
 */
/* global require */
const context = require.context('@site/src/data', false, /^\.\/compatibility-releases\.json$/);
const keys = context.keys();

const releasesData = keys.length > 0 ? context(keys[0]) : null;

export default releasesData;
