#!/usr/bin/env node
/**
 * npm run preview -- <path-to-compatibility-matrix.json> [--releases PATH] [--port N] [--build-only]
 *
 * Builds a page with <CompatibilityMatrix /> over the given JSON (bundled in
 * at build time, as on the docs site) into docs-site/.preview/ and serves it
 * on 127.0.0.1 until interrupted, printing the URL. A relative path is taken
 * from the directory npm was started in. The weekly releases file
 * (compatibility-releases.json: the release switch, "works since") is read
 * from --releases, or from beside the matrix when it is there (as on the
 * docs site, and as `cargo xtask releases` writes it in target/compat/).
 *
 * Exit codes: 0 stopped by SIGINT/SIGTERM (or --build-only done),
 *             2 usage error (no path, missing file, bad --port),
 *             1 anything else (unreadable or invalid JSON, build or listen failure).
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { DOCS_SITE_ROOT, buildPage } from './build-page.mjs';
import { serveDir } from './static-server.mjs';

const USAGE = `usage: npm run preview -- <path-to-compatibility-matrix.json> [--releases PATH] [--port N] [--build-only]

  <path>        the compatibility-matrix.json to render (schema v1 or v2)
  --releases P  the compatibility-releases.json beside it (default: the one in the matrix's folder, if any)
  --port N      port to serve on, on 127.0.0.1 (default: 0, any free port)
  --build-only  build the page into docs-site/.preview/ and exit without serving
`;

class UsageError extends Error {}

function parseArgs(argv) {
  const opts = { port: 0, buildOnly: false, file: null, releases: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      opts.help = true;
    } else if (arg === '--build-only') {
      opts.buildOnly = true;
    } else if (arg === '--releases' || arg.startsWith('--releases=')) {
      const value = arg === '--releases' ? argv[++i] : arg.slice('--releases='.length);
      if (!value) throw new UsageError('--releases needs the path of a compatibility-releases.json');
      opts.releases = value;
    } else if (arg === '--port' || arg.startsWith('--port=')) {
      const value = arg === '--port' ? argv[++i] : arg.slice('--port='.length);
      if (value === undefined) throw new UsageError('--port needs a value');
      if (!/^\d+$/.test(value) || Number(value) > 65535) {
        throw new UsageError(`--port must be a whole number from 0 to 65535, got ${JSON.stringify(value)}`);
      }
      opts.port = Number(value);
    } else if (arg.startsWith('-') && arg !== '-') {
      throw new UsageError(`unknown option ${arg}`);
    } else if (opts.file === null) {
      opts.file = arg;
    } else {
      throw new UsageError(`expected one JSON path, got a second one: ${arg}`);
    }
  }
  return opts;
}

/**
 * The releases file to bundle: `given` (it must exist and be JSON), else
 * compatibility-releases.json beside the matrix when there is one, else null.
 * A file the page cannot read is still bundled (the page says why), with a warning here.
 */
async function findReleases(given, matrixFile) {
  const candidate = given ?? path.join(path.dirname(matrixFile), 'compatibility-releases.json');
  try {
    await stat(candidate);
  } catch (err) {
    if (err.code === 'ENOENT') {
      if (given) throw new UsageError(`no such file: ${given}`);
      return null;
    }
    throw err;
  }
  let parsed;
  try {
    parsed = JSON.parse(await readFile(candidate, 'utf8'));
  } catch (err) {
    throw new Error(`${candidate} is not valid JSON: ${err.message}`);
  }
  const { validateReleases } = await import('../src/components/CompatibilityMatrix/releasesModel.js');
  const check = validateReleases(parsed);
  if (!check.ok) {
    process.stderr.write(
      `warning: ${candidate} does not pass the page's check of the releases file; the page will say why and show no release switch:\n` +
        check.problems.map((p) => `  - ${p}\n`).join(''),
    );
  }
  process.stdout.write(`With the releases file ${candidate}\n`);
  return candidate;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (opts.file === null) throw new UsageError('missing the path of the compatibility-matrix.json to preview');

  // npm runs scripts in docs-site/; resolve relative paths from where npm was started.
  const base = process.env.INIT_CWD || process.cwd();
  const file = path.resolve(base, opts.file);
  let info;
  try {
    info = await stat(file);
  } catch (err) {
    if (err.code === 'ENOENT') throw new UsageError(`no such file: ${file}`);
    throw err;
  }
  if (!info.isFile()) throw new UsageError(`not a file: ${file}`);

  let parsed;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${err.message}`);
  }
  const { validateMatrix } = await import('../src/components/CompatibilityMatrix/matrixModel.js');
  const check = validateMatrix(parsed);
  if (!check.ok) {
    process.stderr.write(
      `warning: ${file} does not pass the page's schema check (v1 or v2); the page will show the error placeholder:\n` +
        check.problems.map((p) => `  - ${p}\n`).join(''),
    );
  }

  const releasesPath = await findReleases(opts.releases ? path.resolve(base, opts.releases) : null, file);
  const outDir = path.join(DOCS_SITE_ROOT, '.preview');
  const { indexHtml } = await buildPage({ matrixPath: file, releasesPath, outDir, mode: 'production', source: file });
  if (opts.buildOnly) {
    process.stdout.write(`Built ${indexHtml}\n`);
    return 0;
  }

  const server = await serveDir(outDir, { port: opts.port });
  process.stdout.write(`Compatibility matrix preview of ${file}\n  ${server.url}\n(Ctrl+C to stop)\n`);
  await new Promise((resolve) => {
    const stop = () => {
      server.close().then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    process.once('SIGHUP', stop);
  });
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n\n${USAGE}`);
      process.exit(2);
    }
    process.stderr.write(`error: ${err.message}\n`);
    process.exit(1);
  },
);
