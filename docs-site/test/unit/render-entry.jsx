// Bundled by render.test.mjs: the component rendered the way the docs build does.
import React from 'react';
import { renderToString } from 'react-dom/server';
import CompatibilityMatrix, { CompatibilityLegend } from '@site/src/components/CompatibilityMatrix';

export const renderDefault = () => renderToString(<CompatibilityMatrix />);
export const renderWith = (data) => renderToString(<CompatibilityMatrix data={data} />);
export const renderLegend = () => renderToString(<CompatibilityLegend />);
export const renderLegendWith = (data) => renderToString(<CompatibilityLegend data={data} />);
export const renderWithReleases = (data, releases) => renderToString(<CompatibilityMatrix data={data} releases={releases} />);
