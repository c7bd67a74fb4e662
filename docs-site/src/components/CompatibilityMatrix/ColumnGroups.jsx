/**
 * The column groups of a v2 matrix (issue 28): the header row of group
 * labels, a column header with its summary ("18 / 22 rows pass") that opens
 * the column's note (its group and gateway-contract format), and the "Not
 * offered by the gateway" list under the matrix. The logic is in
 * columnGroups.js; this is markup.
 */
import React, { useId } from 'react';
import { columnSummary, evidenceUrl } from './columnGroups.js';
import styles from './styles.module.css';

/** The row of group labels over their columns; the corner cell is the caller's (it spans both header rows). */
export function GroupHeaderCells({ groups }) {
  return groups.map((g) => (
    <th key={g.id || 'other'} scope="colgroup" colSpan={g.span} className={styles.groupHeader} data-group={g.id || 'other'} title={g.description}>
      <span className={styles.groupName}>{g.name}</span>
    </th>
  ));
}

/** A name that may wrap after its underscores (unknown provider ids are shown as they are). */
function breakable(name) {
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

/**
 * A v2 column header: the name and its summary. The name is a button opening
 * the column's note when the file says something about the column (its
 * reach or format); otherwise plain text, as before the column facts.
 */
export function ColumnHeader({ provider, cells, open, onOpen }) {
  const summary = columnSummary(cells);
  const hasNote = Boolean(provider.reach || provider.format);
  return (
    <th scope="col" className={styles.colHeader} data-provider={provider.id} data-group={provider.reach || undefined}>
      {hasNote ? (
        <button
          type="button"
          className={styles.colButton}
          aria-haspopup="dialog"
          aria-expanded={open ? 'true' : 'false'}
          onClick={(event) => onOpen(event.currentTarget)}
        >
          {breakable(provider.name)}
        </button>
      ) : (
        breakable(provider.name)
      )}
      <span className={styles.colSummary} data-testid="col-summary" data-passing={summary.passing} data-verdicts={summary.verdicts}>
        {summary.count ? <span className={styles.colCount}>{summary.count}</span> : null}
        {summary.count ? ' ' : null}
        {summary.words}
      </span>
    </th>
  );
}

/** The column's note: how the CLI reaches the gateway and the contract format its rows exercise. */
export function ColumnDetails({ matrix, provider, cells, labelId }) {
  const group = (matrix.groups || []).find((g) => g.id && g.id === provider.reach);
  const format = (matrix.formats || []).find((f) => f.id === provider.format);
  const summary = columnSummary(cells);
  return (
    <>
      <p id={labelId} className={styles.popoverTitle}>
        {provider.name}
      </p>
      {group ? (
        <p data-testid="column-reach">
          <strong>{group.name}</strong>: {group.description}
        </p>
      ) : null}
      {format ? (
        <p data-testid="column-format">
          Gateway contract: <strong>{format.name}</strong>. {format.description}
        </p>
      ) : null}
      <p data-testid="column-summary">{summary.verdicts === 0 ? 'No row has a verdict yet.' : `${summary.text}.`}</p>
    </>
  );
}

/** "Not offered by the gateway": the CLI modes no column answers, with why and the evidence. */
export function NotOfferedList({ matrix }) {
  const titleId = `${useId()}-not-offered`;
  const list = matrix.notOffered || [];
  if (list.length === 0) return null;
  return (
    <section className={styles.notOffered} data-testid="compat-not-offered" aria-labelledby={titleId}>
      <p id={titleId} className={styles.notOfferedTitle}>
        Not offered by the gateway
      </p>
      <p className={styles.notOfferedIntro}>Claude Code modes that no column answers, because the gateway has no route for them:</p>
      <ul>
        {list.map((n) => {
          const url = evidenceUrl(n.evidence, matrix.context);
          return (
            <li key={n.mode} data-mode={n.mode}>
              <strong>{n.name}</strong> (<code>{n.mode}</code>): {n.why}{' '}
              {url ? (
                <a href={url} data-testid="not-offered-evidence">
                  Evidence
                </a>
              ) : (
                <span>
                  Evidence: <code>{n.evidence}</code>
                </span>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
