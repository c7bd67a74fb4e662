/**
 * <CompatibilityMatrix />: the Claude Code compatibility grid.
 *
 * Plain React 18 (no Docusaurus-only imports). The data is imported at build
 * time from the docs site's src/data/compatibility-matrix.json (written there
 * by the publisher); pass `data` to render another matrix instead.
 *
 * Server render and first client render are identical (no clock, no time
 * zone): "Last updated" starts as a UTC timestamp and switches to relative
 * time / the reader's zone in an effect after mount.
 */
import React, { Component, useEffect, useId, useLayoutEffect, useRef, useState } from 'react';
import matrixData from '@site/src/data/compatibility-matrix.json';
import { STATUSES, STATUS_INFO, SUPPORTED_SCHEMA_VERSION, formatLastUpdated, validateMatrix } from './matrixModel.js';
import styles from './styles.module.css';

const useIsomorphicLayoutEffect = typeof window === 'undefined' ? useEffect : useLayoutEffect;

/** How often the relative "Last updated" text is refreshed while the page is open. */
const CLOCK_TICK_MS = 60 * 1000;

/** Gap between a trigger and its tooltip, and the tooltip's margin to the viewport edges (px). */
const TOOLTIP_GAP = 6;
const VIEWPORT_MARGIN = 8;

/**
 * Hover + focus tooltip state for one trigger. The tooltip is position:fixed
 * so the table's scroll wrapper cannot clip it; it is placed below the
 * trigger (above when there is no room), kept inside the viewport, follows
 * scrolling, and Escape dismisses it (WCAG 1.4.13).
 */
function useTooltip() {
  const triggerRef = useRef(null);
  const tooltipRef = useRef(null);
  const [hovered, setHovered] = useState(false);
  const [focused, setFocused] = useState(false);
  const [dismissed, setDismissed] = useState(false);
  const [position, setPosition] = useState(null);
  const open = (hovered || focused) && !dismissed;

  useIsomorphicLayoutEffect(() => {
    if (!open) {
      setPosition(null);
      return undefined;
    }
    const place = () => {
      const trigger = triggerRef.current;
      const tip = tooltipRef.current;
      if (!trigger || !tip) return;
      const r = trigger.getBoundingClientRect();
      const vw = document.documentElement.clientWidth;
      const vh = document.documentElement.clientHeight;
      const w = tip.offsetWidth;
      const h = tip.offsetHeight;
      let left = r.left + r.width / 2 - w / 2;
      left = Math.max(VIEWPORT_MARGIN, Math.min(left, vw - w - VIEWPORT_MARGIN));
      let top = r.bottom + TOOLTIP_GAP;
      let placement = 'below';
      if (top + h > vh - VIEWPORT_MARGIN && r.top - TOOLTIP_GAP - h >= VIEWPORT_MARGIN) {
        top = r.top - TOOLTIP_GAP - h;
        placement = 'above';
      }
      setPosition({ left: Math.round(left), top: Math.round(top), placement });
    };
    // Scrolling moves the trigger away from the pointer: a hover tooltip
    // closes; a focus tooltip follows its trigger.
    const onScroll = () => {
      setHovered(false);
      place();
    };
    place();
    window.addEventListener('scroll', onScroll, true);
    window.addEventListener('resize', place);
    return () => {
      window.removeEventListener('scroll', onScroll, true);
      window.removeEventListener('resize', place);
    };
  }, [open]);

  const triggerProps = {
    ref: triggerRef,
    onMouseEnter: () => {
      setHovered(true);
      setDismissed(false);
    },
    onMouseLeave: () => setHovered(false),
    onFocus: () => {
      setFocused(true);
      setDismissed(false);
    },
    onBlur: () => setFocused(false),
    onKeyDown: (event) => {
      if (event.key === 'Escape' && open) {
        event.stopPropagation();
        setDismissed(true);
      }
    },
  };
  // Hidden (display:none) until open, but always in the DOM so that
  // aria-describedby resolves for assistive technology.
  const tooltipProps = {
    ref: tooltipRef,
    role: 'tooltip',
    className: styles.tooltip,
    'data-open': open ? 'true' : 'false',
    'data-placement': position ? position.placement : undefined,
    style: open ? { left: position ? position.left : 0, top: position ? position.top : 0, visibility: position ? 'visible' : 'hidden' } : undefined,
  };
  return { open, triggerProps, tooltipProps };
}

function Cell({ cell, tooltipId }) {
  const { triggerProps, tooltipProps } = useTooltip();
  return (
    <td
      {...triggerProps}
      tabIndex={0}
      className={`${styles.cell} ${styles[cell.tone]}`}
      data-status={cell.status}
      data-provider={cell.providerId}
      aria-describedby={tooltipId}
    >
      <span className={styles.icon} aria-hidden="true">
        {cell.icon}
      </span>
      <span className={styles.srOnly}>{cell.label}</span>
      <span id={tooltipId} {...tooltipProps}>
        {cell.tooltip}
      </span>
    </td>
  );
}

function LastUpdated({ generatedAt, generatedAtMs }) {
  // null until mounted: the server render must not depend on the clock.
  const [nowMs, setNowMs] = useState(null);
  useEffect(() => {
    setNowMs(Date.now());
    const timer = setInterval(() => setNowMs(Date.now()), CLOCK_TICK_MS);
    return () => clearInterval(timer);
  }, []);
  const info = formatLastUpdated(generatedAtMs, { nowMs });
  const tooltipId = `${useId()}-updated`;
  const { triggerProps, tooltipProps } = useTooltip();
  return (
    <span className={styles.bannerItem}>
      Last updated{' '}
      <time
        {...triggerProps}
        dateTime={generatedAt}
        tabIndex={0}
        className={styles.timestamp}
        aria-describedby={tooltipId}
        data-relative={info.relative ? 'true' : 'false'}
      >
        {info.text}
        <span id={tooltipId} {...tooltipProps}>
          {info.tooltipLines.map((line, i) => (
            <span key={i} className={styles.tooltipLine}>
              {line}
            </span>
          ))}
        </span>
      </time>
    </span>
  );
}

function Banner({ matrix }) {
  return (
    <div className={styles.banner} data-testid="compat-banner">
      <LastUpdated generatedAt={matrix.generatedAt} generatedAtMs={matrix.generatedAtMs} />
      <span className={styles.bannerItem}>
        LiteLLM <code className={styles.version}>{matrix.litellmVersion}</code>
      </span>
      <span className={styles.bannerItem}>
        Claude Code <code className={styles.version}>{matrix.claudeCodeVersion}</code>
      </span>
    </div>
  );
}

function MatrixTable({ matrix }) {
  const baseId = useId();
  const captionId = `${baseId}-caption`;
  return (
    <div className={styles.scroller} role="region" aria-labelledby={captionId} tabIndex={0} data-testid="compat-scroller">
      <table className={styles.table}>
        <caption id={captionId} className={styles.caption}>
          Claude Code features (rows) by LiteLLM provider (columns)
        </caption>
        <thead>
          <tr>
            <th scope="col" className={`${styles.corner} ${styles.rowHeader}`}>
              Feature
            </th>
            {matrix.providers.map((p) => (
              <th scope="col" key={p.id} className={styles.colHeader} data-provider={p.id}>
                {p.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {matrix.features.map((f, fi) => (
            <tr key={f.id} data-feature={f.id}>
              <th scope="row" className={styles.rowHeader}>
                {f.name}
              </th>
              {f.cells.map((cell, pi) => (
                <Cell key={cell.providerId} cell={cell} tooltipId={`${baseId}-tip-${fi}-${pi}`} />
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ErrorPlaceholder({ result }) {
  const title = 'The compatibility matrix cannot be shown.';
  const summary =
    result.kind === 'schema_version'
      ? `This page renders compatibility-matrix.json schema version ${JSON.stringify(SUPPORTED_SCHEMA_VERSION)}, ` +
        `but the data file has schema version ${JSON.stringify(result.found)}. ` +
        'The CompatibilityMatrix component must be updated before this data can be displayed.'
      : 'The data file compatibility-matrix.json is malformed, so no table is shown rather than a possibly wrong one.';
  return (
    <div className={styles.error} role="alert" data-testid="compat-error" data-error-kind={result.kind}>
      <p className={styles.errorTitle}>
        <span aria-hidden="true">⚠ </span>
        {title}
      </p>
      <p>{summary}</p>
      <ul className={styles.errorList}>
        {result.problems.map((p, i) => (
          <li key={i}>
            <code>{p}</code>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Catches render-time crashes so a bad matrix never takes the whole docs page down. */
class MatrixErrorBoundary extends Component {
  constructor(props) {
    super(props);
    this.state = { error: null };
  }

  static getDerivedStateFromError(error) {
    return { error };
  }

  render() {
    if (this.state.error) {
      return (
        <ErrorPlaceholder
          result={{ kind: 'malformed', problems: [`rendering failed: ${String(this.state.error.message || this.state.error)}`] }}
        />
      );
    }
    return this.props.children;
  }
}

/** The colour + icon legend, sharing the cells' styles. */
export function CompatibilityLegend() {
  return (
    <ul className={styles.legend} aria-label="Legend">
      {STATUSES.map((s) => {
        const info = STATUS_INFO[s];
        return (
          <li key={s} className={styles.legendItem} data-status={s}>
            <span className={`${styles.legendSwatch} ${styles[info.tone]}`} aria-hidden="true">
              {info.icon}
            </span>
            <span>
              <strong>{info.label}</strong>: {info.legend}
            </span>
          </li>
        );
      })}
    </ul>
  );
}

/**
 * @param {{ data?: unknown }} props  a parsed compatibility-matrix.json;
 *   defaults to the one imported at build time.
 */
export default function CompatibilityMatrix({ data = matrixData }) {
  const result = validateMatrix(data);
  return (
    <div className={styles.root} data-testid="compat-matrix">
      {result.ok ? (
        <MatrixErrorBoundary>
          <Banner matrix={result.matrix} />
          <MatrixTable matrix={result.matrix} />
        </MatrixErrorBoundary>
      ) : (
        <ErrorPlaceholder result={result} />
      )}
    </div>
  );
}
