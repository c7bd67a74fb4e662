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
import React, { Component, useCallback, useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { autoUpdate, flip, offset, shift, size, useFloating } from '@floating-ui/react-dom';
import matrixData from '@site/src/data/compatibility-matrix.json';
import releasesData from './releasesData.js';
import {
  MODEL_STATUS_INFO,
  SUPPORTED_SCHEMA_VERSIONS,
  changesSummary,
  INFERRED_MARK,
  formatLastUpdated,
  freshness,
  sourceLinks,
  statusInfoFor,
  validateMatrix,
  versionNotices,
} from './matrixModel.js';
import { DAILY, switchMatrix, validateReleases } from './releasesModel.js';
import { AcrossReleases, ReleaseLine, ReleaseSwitch, ReleasesError } from './Releases.jsx';
import { ColumnDetails, ColumnHeader, GroupHeaderCells, NotOfferedList } from './ColumnGroups.jsx';
import { SUMMARY_LEGEND } from './columnGroups.js';
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

/** The reader's clock, ticking every minute; null until mounted (the server render must not depend on it). */
function useNow() {
  const [nowMs, setNowMs] = useState(null);
  useEffect(() => {
    setNowMs(Date.now());
    const timer = setInterval(() => setNowMs(Date.now()), CLOCK_TICK_MS);
    return () => clearInterval(timer);
  }, []);
  return nowMs;
}

function LastUpdated({ generatedAt, generatedAtMs, nowMs }) {
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

function VersionNotice({ notice, testId }) {
  if (!notice.text) return null;
  return (
    <span className={styles.versionNotice} data-kind={notice.kind} data-testid={testId}>
      <span aria-hidden="true">{notice.kind === 'behind' ? '⚠ ' : '✓ '}</span>
      {notice.text}
    </span>
  );
}

function Banner({ matrix }) {
  const nowMs = useNow();
  const fresh = freshness(matrix.generatedAtMs, nowMs);
  const notices = versionNotices(matrix);
  return (
    <div className={styles.banner} data-testid="compat-banner" data-freshness={fresh.level}>
      {fresh.text ? (
        <span className={styles.freshnessNotice} data-testid="compat-freshness">
          <span aria-hidden="true">⚠ </span>
          {fresh.text}
        </span>
      ) : null}
      <LastUpdated generatedAt={matrix.generatedAt} generatedAtMs={matrix.generatedAtMs} nowMs={nowMs} />
      <span className={styles.bannerItem}>
        LiteLLM <code className={styles.version}>{matrix.litellmVersion}</code>{' '}
        <VersionNotice notice={notices.litellm} testId="compat-litellm-notice" />
      </span>
      <span className={styles.bannerItem}>
        Claude Code <code className={styles.version}>{matrix.claudeCodeVersion}</code>{' '}
        <VersionNotice notice={notices.claudeCode} testId="compat-claude-code-notice" />
      </span>
    </div>
  );
}

/**
 * A non-modal dialog anchored to the element that opened it, placed by
 * Floating UI (below, flipping above, shifted and size-limited to stay on
 * screen, following scrolls). Focus moves into it when it opens and Tab
 * cycles inside it; Escape, the close button or a click outside closes it,
 * and focus returns to the opener (except on a click elsewhere).
 */
function Popover({ anchor, labelId, onClose, testId, children }) {
  const panelRef = useRef(null);
  const { refs, floatingStyles, isPositioned } = useFloating({
    strategy: 'fixed',
    placement: 'bottom-start',
    elements: { reference: anchor },
    whileElementsMounted: autoUpdate,
    middleware: [
      offset(6),
      flip({ padding: 8 }),
      shift({ padding: 8 }),
      size({
        padding: 8,
        apply({ availableHeight, elements }) {
          elements.floating.style.maxHeight = `${Math.max(180, Math.floor(availableHeight))}px`;
        },
      }),
    ],
  });
  const setPanel = useCallback(
    (node) => {
      panelRef.current = node;
      refs.setFloating(node);
    },
    [refs],
  );

  // Focus moves into the panel once it is placed (a hidden element cannot take focus).
  const focusedRef = useRef(false);
  useEffect(() => {
    if (isPositioned && !focusedRef.current && panelRef.current) {
      focusedRef.current = true;
      panelRef.current.focus({ preventScroll: true });
    }
  }, [isPositioned]);

  // Escape closes it wherever focus is (WCAG 1.4.13 / the APG dialog pattern).
  useEffect(() => {
    const onKey = (event) => {
      if (event.key !== 'Escape') return;
      event.preventDefault();
      onClose({ returnFocus: true });
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onClose]);

  useEffect(() => {
    const onPointerDown = (event) => {
      const panel = panelRef.current;
      if (!panel || panel.contains(event.target) || (anchor && anchor.contains(event.target))) return;
      onClose({ returnFocus: false });
    };
    document.addEventListener('mousedown', onPointerDown, true);
    document.addEventListener('touchstart', onPointerDown, true);
    return () => {
      document.removeEventListener('mousedown', onPointerDown, true);
      document.removeEventListener('touchstart', onPointerDown, true);
    };
  }, [anchor, onClose]);

  const onKeyDown = (event) => {
    if (event.key !== 'Tab') return;
    const panel = panelRef.current;
    const focusables = Array.from(
      panel.querySelectorAll('a[href], button:not([disabled]), summary, [tabindex]:not([tabindex="-1"])'),
    ).filter((el) => el.getClientRects().length > 0);
    if (focusables.length === 0) {
      event.preventDefault();
      return;
    }
    const first = focusables[0];
    const last = focusables[focusables.length - 1];
    const active = document.activeElement;
    if (event.shiftKey && (active === first || active === panel)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && active === last) {
      event.preventDefault();
      first.focus();
    }
  };

  return (
    <div
      ref={setPanel}
      role="dialog"
      aria-labelledby={labelId}
      tabIndex={-1}
      className={styles.popover}
      data-testid={testId}
      data-positioned={isPositioned ? 'true' : 'false'}
      style={{ ...floatingStyles, visibility: isPositioned ? 'visible' : 'hidden' }}
      onKeyDown={onKeyDown}
    >
      {children}
      <button type="button" className={styles.closeButton} onClick={() => onClose({ returnFocus: true })}>
        Close
      </button>
    </div>
  );
}

/** An error: its first lines, the rest behind a disclosure. */
function ErrorText({ error, testId }) {
  return (
    <div className={styles.errorText} data-testid={testId}>
      <pre className={styles.errorHead}>{error.head}</pre>
      {error.rest ? (
        <details className={styles.errorMore}>
          <summary>Show the full error</summary>
          <pre className={styles.errorRest}>{error.rest}</pre>
        </details>
      ) : null}
    </div>
  );
}

function ModelMark({ result }) {
  return (
    <span className={`${styles.mark} ${styles[result.tone]}`} data-model={result.modelId} data-model-status={result.status}>
      <span aria-hidden="true">{result.icon}</span>
      <span className={styles.srOnly}>{`${result.srText}. `}</span>
    </span>
  );
}

function CellDetails({ matrix, feature, provider, cell, labelId, releases }) {
  const links = sourceLinks(matrix.context, feature.id, provider.id);
  const runUrl = matrix.context && matrix.context.run_url;
  return (
    <>
      <p id={labelId} className={styles.popoverTitle}>
        {feature.name} on {provider.name}
      </p>
      <p className={styles.popoverStatus} data-testid="deep-dive-status">
        <span className={`${styles.statusChip} ${styles[cell.tone]}`}>
          <span aria-hidden="true">{cell.icon} </span>
          {cell.label}
        </span>{' '}
        {cell.summary}
      </p>
      {cell.release ? <ReleaseLine version={cell.release} /> : null}
      {cell.change && cell.change.changed ? (
        <p className={styles.changeLine} data-testid="deep-dive-change">
          <span aria-hidden="true" className={styles.changeGlyph}>
            Δ{' '}
          </span>
          {cell.change.text}
        </p>
      ) : null}
      {cell.inferred ? (
        <p className={styles.inferredLine} data-testid="deep-dive-inferred">
          <span aria-hidden="true" className={styles.inferredGlyph}>
            {cell.inferred.mark}{' '}
          </span>
          {cell.inferred.text}
        </p>
      ) : null}
      {cell.previous ? (
        <p className={styles.previousLine} data-testid="deep-dive-previous">
          {cell.previous.text}
        </p>
      ) : null}
      {releases ? <AcrossReleases releases={releases} featureId={feature.id} providerId={provider.id} models={matrix.models} /> : null}
      {cell.modelResults.length > 0 ? (
        <ul className={styles.modelList} aria-label="Results per model">
          {cell.modelResults.map((r) => (
            <li key={r.modelId} className={styles.modelItem} data-model={r.modelId} data-model-status={r.status}>
              <div className={styles.modelHead}>
                <span className={`${styles.mark} ${styles[r.tone]}`} aria-hidden="true">
                  {r.icon}
                </span>
                <strong>{r.name}</strong>: {r.label}
                {r.attemptsText ? (
                  <span className={styles.modelMeta}>
                    {' '}
                    · {r.attemptsText} · {r.durationText}
                  </span>
                ) : null}
              </div>
              {r.classText ? <div className={styles.modelClass}>Failure class: {r.classText}</div> : null}
              {r.evidence ? (
                <div className={styles.modelEvidence} data-testid="model-evidence" data-evidence-kind={r.evidence.kind}>
                  {r.evidence.text}
                </div>
              ) : null}
              {r.error ? <ErrorText error={r.error} testId="model-error" /> : null}
              {r.firstError ? (
                <div className={styles.modelFirstError}>
                  First attempt failed:
                  <ErrorText error={r.firstError} testId="model-first-error" />
                </div>
              ) : null}
              {r.reason && r.status !== 'not_applicable' ? <div>{r.reason}</div> : null}
              {r.recoveries ? (
                <div className={styles.modelRecoveries} data-testid="model-recoveries">
                  Recovered from {r.recoveries.length === 1 ? 'a refusal' : `${r.recoveries.length} refusals`}:
                  <ul>
                    {r.recoveries.map((rec, i) => (
                      <li key={i} data-owner-row={rec.ownerRow}>
                        {rec.text}
                        {rec.words ? (
                          <>
                            {' '}
                            It said: <q>{rec.words}</q>
                          </>
                        ) : null}{' '}
                        {rec.owner}
                      </li>
                    ))}
                  </ul>
                </div>
              ) : null}
            </li>
          ))}
        </ul>
      ) : cell.error ? (
        <ErrorText error={cell.error} testId="cell-error" />
      ) : null}
      {links.length > 0 || runUrl ? (
        <ul className={styles.popoverLinks} aria-label="Sources">
          {links.map((l) => (
            <li key={l.kind}>
              {l.kind === 'case' ? 'Test case' : 'Check'}:{' '}
              <a href={l.url} data-testid={`source-${l.kind}`}>
                <code>{l.title}</code>
              </a>{' '}
              <span className={styles.commit}>at {matrix.context.source_commit.slice(0, 7)}</span>
            </li>
          ))}
          {runUrl ? (
            <li>
              <a href={runUrl} data-testid="run-logs">
                Logs of this run
              </a>
            </li>
          ) : null}
        </ul>
      ) : null}
    </>
  );
}

function CellV2({ cell, open, onOpen }) {
  const marks = cell.modelResults;
  return (
    <td
      className={`${styles.cell} ${styles.cellV2} ${styles[cell.tone]}`}
      data-status={cell.status}
      data-provider={cell.providerId}
      data-changed={cell.changed ? 'true' : undefined}
    >
      <button
        type="button"
        className={styles.cellButton}
        aria-haspopup="dialog"
        aria-expanded={open ? 'true' : 'false'}
        onClick={(event) => onOpen(event.currentTarget)}
      >
        <span className={styles.icon} aria-hidden="true">
          {cell.icon}
        </span>
        {/* Punctuation for screen readers: "Partial. Claude Haiku 4.5: Fail. ..." */}
        <span className={styles.srOnly}>{`${cell.label}. `}</span>
        {marks.length > 0 ? (
          <span className={styles.marks} data-testid="model-marks">
            {marks.map((r) => (
              <ModelMark key={r.modelId} result={r} />
            ))}
          </span>
        ) : null}
        {cell.inferred ? (
          <span className={styles.inferredMark} data-testid="inferred-mark">
            <span aria-hidden="true">{cell.inferred.mark}</span>
            <span className={styles.srOnly}>{` ${cell.inferred.text}`}</span>
          </span>
        ) : null}
        {cell.changed ? (
          <span className={styles.changedMark} data-testid="changed-mark">
            <span aria-hidden="true">Δ</span>
            <span className={styles.srOnly}>{cell.change.text}</span>
          </span>
        ) : null}
      </button>
    </td>
  );
}

function RowHeader({ feature, open, onOpen }) {
  if (!feature.description) {
    return (
      <th scope="row" className={styles.rowHeader}>
        {feature.name}
      </th>
    );
  }
  return (
    <th scope="row" className={styles.rowHeader}>
      <button
        type="button"
        className={styles.rowButton}
        aria-haspopup="dialog"
        aria-expanded={open ? 'true' : 'false'}
        onClick={(event) => onOpen(event.currentTarget)}
      >
        {feature.name}
        <span className={styles.infoGlyph} aria-hidden="true">
          i
        </span>
        <span className={styles.srOnly}> (what this row checks)</span>
      </button>
    </th>
  );
}

function RowDetails({ feature, labelId }) {
  return (
    <>
      <p id={labelId} className={styles.popoverTitle}>
        {feature.name}
      </p>
      <p className={styles.description}>{feature.description}</p>
      {feature.links.length > 0 ? (
        <ul className={styles.popoverLinks} aria-label="Documentation">
          {feature.links.map((l) => (
            <li key={l.url}>
              <a href={l.url}>{l.title}</a>
            </li>
          ))}
        </ul>
      ) : null}
    </>
  );
}

function ChangedSummary({ matrix }) {
  const summary = changesSummary(matrix);
  if (summary === null) return null;
  return (
    <div className={styles.changedSummary} data-testid="compat-changes" data-bump={summary.bump || undefined}>
      <p className={styles.changedTitle}>
        <span aria-hidden="true" className={styles.changeGlyph}>
          Δ{' '}
        </span>
        {summary.title}
      </p>
      <ul>
        {summary.items.map((c) => (
          <li key={`${c.featureId}/${c.providerId}`}>{c.line}</li>
        ))}
      </ul>
    </div>
  );
}

/** A name that may wrap after its underscores (unknown provider ids are shown as they are). */
function BreakableName({ name }) {
  const parts = name.split('_');
  if (parts.length === 1) return name;
  return parts.map((part, i) => (
    <React.Fragment key={i}>
      {i > 0 ? (
        <>
          _<wbr />
        </>
      ) : null}
      {part}
    </React.Fragment>
  ));
}

function MatrixTable({ matrix, releases = null }) {
  const baseId = useId();
  const captionId = `${baseId}-caption`;
  const dialogLabelId = `${baseId}-dialog-label`;
  const v2 = matrix.schemaVersion === '2';
  // The open panel: { kind: 'cell' | 'row' | 'col', fi, pi, anchor } or null.
  const [panel, setPanel] = useState(null);
  const panelRef = useRef(null);
  panelRef.current = panel;
  const close = useCallback(({ returnFocus }) => {
    const current = panelRef.current;
    setPanel(null);
    if (returnFocus && current && current.anchor) current.anchor.focus();
  }, []);
  const toggle = (kind, fi, pi) => (anchor) =>
    setPanel((current) => (current && current.kind === kind && current.fi === fi && current.pi === pi ? null : { kind, fi, pi, anchor }));
  const isOpen = (kind, fi, pi) => Boolean(panel && panel.kind === kind && panel.fi === fi && panel.pi === pi);

  return (
    <>
      <div className={styles.scroller} role="region" aria-labelledby={captionId} tabIndex={0} data-testid="compat-scroller">
        <table className={`${styles.table} ${v2 ? styles.tableV2 : ''}`} data-release={matrix.release || undefined}>
          <caption id={captionId} className={styles.caption}>
            Claude Code features (rows) by LiteLLM provider (columns)
          </caption>
          <thead>
            {matrix.groups ? (
              <tr data-testid="compat-groups">
                <th scope="col" rowSpan={2} className={`${styles.corner} ${styles.rowHeader}`}>
                  Feature
                </th>
                <GroupHeaderCells groups={matrix.groups} />
              </tr>
            ) : null}
            <tr>
              {matrix.groups ? null : (
                <th scope="col" className={`${styles.corner} ${styles.rowHeader}`}>
                  Feature
                </th>
              )}
              {matrix.providers.map((p, pi) =>
                v2 ? (
                  <ColumnHeader
                    key={p.id}
                    provider={p}
                    cells={matrix.features.map((f) => f.cells[pi])}
                    open={isOpen('col', -1, pi)}
                    onOpen={toggle('col', -1, pi)}
                  />
                ) : (
                  <th scope="col" key={p.id} className={styles.colHeader} data-provider={p.id}>
                    <BreakableName name={p.name} />
                  </th>
                ),
              )}
            </tr>
          </thead>
          <tbody>
            {matrix.features.map((f, fi) => (
              <tr key={f.id} data-feature={f.id}>
                {v2 ? <RowHeader feature={f} open={isOpen('row', fi, -1)} onOpen={toggle('row', fi, -1)} /> : (
                  <th scope="row" className={styles.rowHeader}>
                    {f.name}
                  </th>
                )}
                {f.cells.map((cell, pi) =>
                  v2 ? (
                    <CellV2 key={cell.providerId} cell={cell} open={isOpen('cell', fi, pi)} onOpen={toggle('cell', fi, pi)} />
                  ) : (
                    <Cell key={cell.providerId} cell={cell} tooltipId={`${baseId}-tip-${fi}-${pi}`} />
                  ),
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {v2 ? <ChangedSummary matrix={matrix} /> : null}
      {v2 ? <NotOfferedList matrix={matrix} /> : null}
      {panel ? (
        <Popover
          key={`${panel.kind}-${panel.fi}-${panel.pi}`}
          anchor={panel.anchor}
          labelId={dialogLabelId}
          onClose={close}
          testId={{ cell: 'cell-deep-dive', row: 'row-description', col: 'column-note' }[panel.kind]}
        >
          {panel.kind === 'col' ? (
            <ColumnDetails
              matrix={matrix}
              provider={matrix.providers[panel.pi]}
              cells={matrix.features.map((f) => f.cells[panel.pi])}
              labelId={dialogLabelId}
            />
          ) : panel.kind === 'cell' ? (
            <CellDetails
              matrix={matrix}
              feature={matrix.features[panel.fi]}
              provider={matrix.providers[panel.pi]}
              cell={matrix.features[panel.fi].cells[panel.pi]}
              labelId={dialogLabelId}
              releases={releases}
            />
          ) : (
            <RowDetails feature={matrix.features[panel.fi]} labelId={dialogLabelId} />
          )}
        </Popover>
      ) : null}
    </>
  );
}

function ErrorPlaceholder({ result }) {
  const title = 'The compatibility matrix cannot be shown.';
  const summary =
    result.kind === 'schema_version'
      ? `This page renders compatibility-matrix.json schema version ${SUPPORTED_SCHEMA_VERSIONS.map((v) => JSON.stringify(v)).join(' or ')}, ` +
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

/**
 * The colour + icon legend, sharing the cells' styles: the statuses of the
 * matrix's schema version (v1: four; v2: seven, plus the per-model marks and
 * the change mark).
 *
 * @param {{ data?: unknown }} props  the same matrix the table shows (default: the imported one)
 */
export function CompatibilityLegend({ data = matrixData }) {
  const version = data && typeof data === 'object' ? data.schema_version : undefined;
  const info = statusInfoFor(version);
  const result = version === '2' ? validateMatrix(data) : null;
  const models = result && result.ok ? result.matrix.models : [];
  // Columns that run different model sets: each set once, in column order.
  const sets = [];
  for (const p of result && result.ok ? result.matrix.providers : []) {
    const names = (p.models || models).map((m) => m.name).join(', ');
    if (!sets.includes(names)) sets.push(names);
  }
  const order =
    sets.length > 1
      ? ` (each column's own models, in that order: ${sets.join('; or ')})`
      : models.length > 0
        ? ` (${models.map((m) => m.name).join(', ')}, in that order)`
        : '';
  return (
    <ul className={styles.legend} aria-label="Legend">
      {Object.keys(info).map((s) => {
        const item = info[s];
        return (
          <li key={s} className={styles.legendItem} data-status={s}>
            <span className={`${styles.legendSwatch} ${styles[item.tone]}`} aria-hidden="true">
              {item.icon}
            </span>
            <span>
              <strong>{item.label}</strong>: {item.legend}
            </span>
          </li>
        );
      })}
      {version === '2' ? (
        <>
          <li className={styles.legendItem} data-legend="marks">
            <span className={styles.legendMarks} aria-hidden="true">
              {['pass', 'flaky', 'fail', 'unverified', 'not_applicable', 'not_run'].map((st) => (
                <span key={st} className={`${styles.mark} ${styles[MODEL_STATUS_INFO[st].tone]}`}>
                  {MODEL_STATUS_INFO[st].icon}
                </span>
              ))}
            </span>
            <span>
              <strong>Small marks</strong>: one per model
              {order}: ✓ pass, ≈ passed on a retry, ✗ fail,
              ◌ no verdict, — not applicable, · not run. Select a cell to see each model's result.
            </span>
          </li>
          <li className={styles.legendItem} data-legend="inferred">
            <span className={`${styles.legendSwatch} ${styles.legendInferred}`} aria-hidden="true">
              {INFERRED_MARK}
            </span>
            <span>
              <strong>Unverified rule</strong>: the red rests only on a simulator rule no provider source confirms yet; a live probe settles it.
            </span>
          </li>
          <li className={styles.legendItem} data-legend="summary">
            <span className={`${styles.legendSwatch} ${styles.legendSummary}`} aria-hidden="true">
              n/m
            </span>
            <span>
              <strong>Column summary</strong>: {SUMMARY_LEGEND} Columns are grouped by how Claude Code reaches the gateway; select a
              column&apos;s name for its note.
            </span>
          </li>
          <li className={styles.legendItem} data-legend="changed">
            <span className={`${styles.legendSwatch} ${styles.legendChanged}`} aria-hidden="true">
              Δ
            </span>
            <span>
              <strong>Changed</strong>: the status differs from the previous run&apos;s; the cell&apos;s details say from what and when.
            </span>
          </li>
        </>
      ) : null}
    </ul>
  );
}

/**
 * The table under the release switch, when a readable releases file is
 * there (schema v2 matrices only: v1 cells have no per-model results):
 * the daily matrix, or the release picked in the switch.
 */
function MatrixWithReleases({ matrix, releasesRaw }) {
  const releases = useMemo(() => (releasesRaw == null || matrix.schemaVersion !== '2' ? null : validateReleases(releasesRaw)), [releasesRaw, matrix]);
  const [selected, setSelected] = useState(DAILY);
  const ok = releases && releases.ok ? releases.releases : null;
  const shown = useMemo(() => (ok ? switchMatrix(matrix, ok, selected) : matrix), [matrix, ok, selected]);
  return (
    <>
      {releases && !releases.ok ? <ReleasesError problems={releases.problems} /> : null}
      {ok ? <ReleaseSwitch matrix={matrix} releases={ok} value={selected} onChange={setSelected} /> : null}
      <MatrixTable matrix={shown} releases={ok} />
    </>
  );
}

/**
 * @param {{ data?: unknown, releases?: unknown }} props  a parsed
 *   compatibility-matrix.json (default: the one imported at build time) and
 *   a parsed compatibility-releases.json (default: the docs site's, when it
 *   has one; null: none, the page shows the daily matrix only).
 */
export default function CompatibilityMatrix({ data = matrixData, releases = releasesData }) {
  const result = validateMatrix(data);
  return (
    <div className={styles.root} data-testid="compat-matrix">
      {result.ok ? (
        <MatrixErrorBoundary>
          <Banner matrix={result.matrix} />
          <MatrixWithReleases matrix={result.matrix} releasesRaw={releases} />
        </MatrixErrorBoundary>
      ) : (
        <ErrorPlaceholder result={result} />
      )}
    </div>
  );
}
