import React from 'react';
import { hydrateRoot } from 'react-dom/client';
import Page from './Page.jsx';

const root = document.getElementById('root');
const props = JSON.parse(document.getElementById('page-props').textContent);
hydrateRoot(root, <Page {...props} />);
window.__compatHydrated = true;
