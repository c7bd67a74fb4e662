/**
 * The stand-alone page the tests and `npm run preview` build: the component
 * and its legend, roughly as the MDX page lays them out. The matrix comes
 * from '@site/src/data/compatibility-matrix.json', which build-page.mjs
 * points at the JSON file being previewed or tested.
 */
import React from 'react';
import CompatibilityMatrix, { CompatibilityLegend } from '@site/src/components/CompatibilityMatrix';

export default function Page({ source }) {
  return (
    <main className="page">
      <h1>Claude Code Compatibility Matrix</h1>
      <p className="source">
        Preview of <code>{source}</code>
      </p>
      <CompatibilityMatrix />
      <h2>Legend</h2>
      <CompatibilityLegend />
    </main>
  );
}
