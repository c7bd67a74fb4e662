import React from 'react';
import { renderToString } from 'react-dom/server';
import Page from './Page.jsx';

export function render(props) {
  return renderToString(<Page {...props} />);
}
