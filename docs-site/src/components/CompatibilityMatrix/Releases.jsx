/**
 * The page's parts that read the weekly releases run's file
 * (compatibility-releases.json): the release switch above the matrix, the
 * notice when the file cannot be read, and the deep dive's "Across LiteLLM
 * releases" section ("works since" / "broke in" per model). The logic is in
 * releasesModel.js; this is markup.
 */
import React, { useId } from 'react';
import { splitError } from './matrixModel.js';
import { acrossReleases, releaseOptions, switchNote } from './releasesModel.js';
import styles from './releases.module.css';

/** "LiteLLM release: [1.110.2 (daily) v]" and the note on where the shown results come from. */
export function ReleaseSwitch({ matrix, releases, value, onChange }) {
  const id = `${useId()}-release`;
  const note = switchNote(matrix, releases, value);
  return (
    <div className={styles.switch} data-testid="release-switch" data-switched={note.switched ? 'true' : 'false'}>
      <label htmlFor={id} className={styles.switchLabel}>
        LiteLLM release:
      </label>{' '}
      <select id={id} className={styles.select} value={value} onChange={(event) => onChange(event.target.value)} data-testid="release-select">
        {releaseOptions(matrix, releases).map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <p className={styles.note} role="status" data-testid="release-note">
        {note.switched ? (
          <span aria-hidden="true" className={styles.noteGlyph}>
            ⇄{' '}
          </span>
        ) : null}
        {note.text}
      </p>
    </div>
  );
}

/** The releases file is there but unreadable: say why; the matrix still shows (the daily run's). */
export function ReleasesError({ problems }) {
  return (
    <div className={styles.error} data-testid="compat-releases-error">
      <p className={styles.errorTitle}>
        <span aria-hidden="true">⚠ </span>
        The releases file compatibility-releases.json cannot be read, so the release switch and &ldquo;works since&rdquo; are not shown. The
        matrix below is the daily run&apos;s.
      </p>
      <ul className={styles.errorList}>
        {problems.map((p, i) => (
          <li key={i}>
            <code>{p}</code>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** In a switched view's deep dive: whose results these are. */
export function ReleaseLine({ version }) {
  return (
    <p className={styles.releaseLine} data-testid="deep-dive-release">
      <span aria-hidden="true">⇄ </span>
      Results of LiteLLM {version}, from the weekly releases run.
    </p>
  );
}

function Strip({ strip }) {
  return (
    <span className={styles.strip} data-testid="release-strip">
      {strip.map((s) => (
        <span key={s.version} className={styles.stripItem} data-release={s.version} data-release-status={s.status}>
          {s.version}{' '}
          <span aria-hidden="true" className={styles.stripIcon}>
            {s.icon}
          </span>
          <span className={styles.srOnly}>{`: ${s.label}; `}</span>
        </span>
      ))}
    </span>
  );
}

/** The deep dive's section: per model, works since / broke in / every / never, and its status per release. */
export function AcrossReleases({ releases, featureId, providerId, models }) {
  const lines = acrossReleases(releases, featureId, providerId, models);
  return (
    <section className={styles.across} data-testid="deep-dive-releases" aria-label="Across LiteLLM releases">
      <p className={styles.acrossTitle}>Across LiteLLM releases</p>
      {lines === null ? (
        <p className={styles.acrossNone}>The weekly releases run did not measure this cell.</p>
      ) : (
        <ul className={styles.acrossList}>
          {lines.map((l) => {
            const message = l.message ? splitError(l.message) : null;
            return (
              <li key={l.modelId} data-model={l.modelId} data-kind={l.kind}>
                <strong>{l.name}</strong>: <span data-testid="release-verdict">{l.text}</span>
                {message ? (
                  <>
                    :{' '}
                    <span className={styles.message} data-testid="release-message">
                      {message.head}
                    </span>
                    {message.rest ? (
                      <details className={styles.more}>
                        <summary>Show the full message</summary>
                        <pre className={styles.rest}>{message.rest}</pre>
                      </details>
                    ) : null}
                  </>
                ) : null}
                {l.strip.length > 0 ? <Strip strip={l.strip} /> : null}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
