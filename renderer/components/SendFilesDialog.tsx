// "Send files to level…": a file browser drawn by the shell over the source level's home (listed
// by the daemon, never a native dialog), a target level, what the rules would decide, and the
// transfer's progress. The broker decides from the bytes when it is sent.
import { useEffect, useRef, useState } from 'react';
import type { Result } from '../../core/contract/methods.js';
import { useShell, useShellStore } from '../context.js';
import { visible } from '../visible.js';

type Listing = Result<'files.list'>;

export function SendFilesDialog(props: { from: string; onClose(): void }) {
  const store = useShellStore();
  const t = useShell((s) => s.t);
  const levels = useShell((s) => s.levels);
  const progress = useShell((s) => s.progress);
  const [listing, setListing] = useState<Listing | undefined>();
  const [path, setPath] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const targets = levels.filter((l) => l.id !== props.from);
  const [to, setTo] = useState(targets[0]?.id ?? '');
  const [preview, setPreview] = useState<string | undefined>();
  const [sending, setSending] = useState<string | undefined>();
  const fromLabel = levels.find((l) => l.id === props.from)?.label ?? props.from;

  useEffect(() => {
    let live = true;
    store
      .getState()
      .call('files.list', { level: props.from, path })
      .then(
        (l) => live && (setListing(l), setError(undefined)),
        (err: unknown) =>
          live && setError(visible(err instanceof Error ? err.message : String(err))),
      );
    return () => {
      live = false;
    };
  }, [props.from, path, store]);

  const entries = listing?.entries ?? [];
  const selectedEntries = entries.filter((e) => selected.has(join(path, e.name)));
  useEffect(() => {
    if (!to || selectedEntries.length === 0) return setPreview(undefined);
    let live = true;
    // The daemon reads the files as the send will (real types from the bytes), deciding nothing.
    store
      .getState()
      .call('files.preview', { from: props.from, to, paths: [...selected] })
      .then(
        (answer) =>
          live &&
          setPreview(
            answer.items
              .map(
                (item) =>
                  `${visible(item.name)} (${item.type}): ` +
                  t('wouldDecide', { action: item.decision.action, rule: item.decision.ruleId }),
              )
              .join(' · '),
          ),
        (err: unknown) =>
          live && setPreview(visible(err instanceof Error ? err.message : String(err))),
      );
    return () => {
      live = false;
    };
  }, [to, selected, listing]);

  const send = async () => {
    if (selectedEntries.length === 0) return setError(t('nothingSelected'));
    const sent = await store.getState().sendFiles(props.from, to, [...selected]);
    if (sent) setSending(sent.id);
    if (sent && sent.status !== 'waiting-for-user') onClose();
  };
  const p = sending ? progress[sending] : undefined;
  // Once the confirmation is answered (sent, refused or expired), this dialog's work is done.
  const sentStatus = useShell((s) => (sending ? s.transfers[sending]?.status : undefined));
  const { onClose } = props;
  useEffect(() => {
    if (sentStatus && sentStatus !== 'waiting-for-user') onClose();
  }, [sentStatus, onClose]);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <div className="modal-backdrop">
      <div
        role="dialog"
        aria-modal="true"
        aria-labelledby="send-title"
        className="dialog"
        data-testid="send-files-dialog"
        onKeyDown={(e) => e.key === 'Escape' && props.onClose()}
      >
        <h2 id="send-title" tabIndex={-1} ref={heading}>
          {t('sendFilesTitle', { level: fromLabel })}
        </h2>
        <p>
          <strong>/{path}</strong>{' '}
          {path ? (
            <button type="button" onClick={() => setPath(path.split('/').slice(0, -1).join('/'))}>
              {t('up')}
            </button>
          ) : null}
        </p>
        {error ? <p role="alert">{error}</p> : null}
        <ul className="file-list" aria-label={t('home')}>
          {entries.map((e) => {
            const rel = join(path, e.name);
            return (
              <li key={e.name}>
                {e.kind === 'folder' ? (
                  <button type="button" onClick={() => setPath(rel)}>
                    📁 {visible(e.name)}
                  </button>
                ) : (
                  <label>
                    <input
                      type="checkbox"
                      disabled={e.kind !== 'file'}
                      checked={selected.has(rel)}
                      onChange={(ev) => {
                        const next = new Set(selected);
                        if (ev.target.checked) next.add(rel);
                        else next.delete(rel);
                        setSelected(next);
                      }}
                    />{' '}
                    {visible(e.name)} ({e.kind === 'file' ? `${e.size} B` : t('other')})
                  </label>
                )}
              </li>
            );
          })}
        </ul>
        {listing && listing.unnamable > 0 ? (
          <p>{t('unnamable', { count: listing.unnamable })}</p>
        ) : null}
        <label>
          {t('targetLevel')}{' '}
          <select value={to} onChange={(e) => setTo(e.target.value)}>
            {targets.map((l) => (
              <option key={l.id} value={l.id}>
                {l.label}
              </option>
            ))}
          </select>
        </label>
        {preview ? <p data-testid="send-preview">{preview}</p> : null}
        {p ? (
          <p>
            <progress
              max={p.total}
              value={p.done}
              aria-label={t('progress', { id: sending ?? '', done: p.done, total: p.total })}
            />
          </p>
        ) : null}
        <div className="dialog-buttons">
          <button type="button" onClick={props.onClose}>
            {t('close')}
          </button>
          <button type="button" className="primary" onClick={() => void send()}>
            {t('send')}
          </button>
        </div>
      </div>
    </div>
  );
}

function join(dir: string, name: string): string {
  return dir ? `${dir}/${name}` : name;
}
