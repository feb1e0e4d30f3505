// The queue of transfers waiting for an administrator (`approve` rules), with what the broker
// measured: requester, from, to, names, real types, sizes, SHA-256, rule, justification. Approve
// or reject with a reason; the daemon refuses an approver who is the requester.
import { useState } from 'react';
import { useShell, useShellStore } from '../../context.js';
import type { Transfer } from '../../../core/contract/methods.js';

function Approval({ transfer }: { transfer: Transfer }) {
  const store = useShellStore();
  const t = useShell((s) => s.t);
  const [reason, setReason] = useState('');
  const decide = (approve: boolean) =>
    void store.getState().decideApproval(transfer.id, approve, reason.trim());
  return (
    <li className="approval" data-transfer={transfer.id} data-testid={`approval-${transfer.id}`}>
      <h3>{`${transfer.id}: ${transfer.kind} ${transfer.from} → ${transfer.to}`}</h3>
      <dl>
        <dt>{t('requester')}</dt>
        <dd>{transfer.requester}</dd>
        <dt>{t('rule')}</dt>
        <dd>{transfer.decision.ruleId}</dd>
        <dt>{t('justification')}</dt>
        <dd>{transfer.justification ?? '—'}</dd>
      </dl>
      <table>
        <caption>{t('items')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('name')}</th>
            <th scope="col">{t('type')}</th>
            <th scope="col">{t('size')}</th>
            <th scope="col">{t('sha256')}</th>
          </tr>
        </thead>
        <tbody>
          {transfer.items.map((item, i) => (
            <tr key={i}>
              <td>{item.name ?? '(clipboard)'}</td>
              <td>{item.type}</td>
              <td>{item.size}</td>
              <td className="digest">{item.sha256}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <label>
        {t('approvalReason', { id: transfer.id })}{' '}
        <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={1000} />
      </label>
      <button type="button" disabled={reason.trim() === ''} onClick={() => decide(true)}>
        {t('approve')}
      </button>
      <button type="button" disabled={reason.trim() === ''} onClick={() => decide(false)}>
        {t('reject')}
      </button>
    </li>
  );
}

export function ApprovalsQueue() {
  const store = useShellStore();
  const t = useShell((s) => s.t);
  const approvals = useShell((s) => s.approvals);
  return (
    <div className="approvals" data-testid="approvals">
      <button type="button" onClick={() => void store.getState().loadApprovals()}>
        {t('refresh')}
      </button>
      {approvals.length === 0 ? (
        <p>{t('noApprovals')}</p>
      ) : (
        <ul>
          {approvals.map((a) => (
            <Approval key={a.id} transfer={a} />
          ))}
        </ul>
      )}
    </div>
  );
}
