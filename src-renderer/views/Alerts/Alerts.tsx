import { useEffect, useState } from 'react';
import { Notice } from '../Notice.js';
import { When } from '../../format/When.js';
import { call, CallError, on } from '../../api/client.js';
import { useCall, useEvery } from '../../api/use-call.js';
import type { AlertConfigChange, AlertRule } from '../../api/contract.js';
import { FiringTable, HistoryTable } from './AlertTables.js';
import { DeliveryForm } from './DeliveryForm.js';
import { RuleForm } from './RuleForm.js';
import { RulesTable } from './RulesTable.js';

/** Read again this often besides each alert fired or resolved: the webhook's counts move on their own. */
const REFRESH_MS = 5000;
const CHANGED_ELSEWHERE = 'The rules changed elsewhere (by hand or in another tab): reloaded; apply your change again.';
const READ_ONLY = 'This control room is read-only (celeriac serve --read-only): rules and delivery are shown, not changed here. Change them in the settings file.';

/**
 * The Alerts view: what fires now, what fired before, what keeps a rule from being evaluated;
 * the connection's rules (added, edited, enabled, deleted here) and where alerts go besides
 * this page. The service evaluates the rules: this page only shows and edits them.
 */
export function Alerts({ readOnly = false }: { readOnly?: boolean }) {
  const list = useCall('alerts:list', {});
  const config = useCall('alerts:config', {});
  const [editing, setEditing] = useState<AlertRule | 'new' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => on('alerts:changed', list.reload), [list.reload]);
  useEvery(list.reload, REFRESH_MS);
  const locked = readOnly ? READ_ONLY : null;

  /**
   * Sends a change made on the config as read (its version); false when the config changed
   * elsewhere since: it is read again, for the reader to make the change again on it.
   */
  const save = async (change: Omit<AlertConfigChange, 'version' | 'delivery'> & Partial<Pick<AlertConfigChange, 'delivery'>>, said: string): Promise<boolean> => {
    const cfg = config.data!;
    // The page never holds the webhook's address: it is kept unless the delivery form replaces it.
    const delivery = change.delivery ?? { webhookUrl: { keep: true }, desktop: cfg.delivery.desktop };
    try {
      await call('alerts:setConfig', { rules: change.rules, delivery, version: cfg.version });
    } catch (err) {
      if (!(err instanceof CallError && err.error.code === 'E_CONFIG_CHANGED')) throw err;
      setNotice(CHANGED_ELSEWHERE);
      config.reload();
      return false;
    }
    setNotice(said);
    config.reload();
    list.reload();
    return true;
  };
  const saveRule = async (rule: AlertRule): Promise<void> => {
    const rules = config.data!.rules;
    const at = rules.findIndex((r) => r.id === rule.id);
    if (await save({ rules: at < 0 ? [...rules, rule] : rules.map((r) => (r.id === rule.id ? rule : r)) }, at < 0 ? 'Rule added.' : 'Rule saved.')) setEditing(null);
  };
  const act = (p: Promise<unknown>): void => void p.catch((e: Error) => setNotice(e.message));

  const error = list.error ?? config.error;
  if (error && !(list.data && config.data)) return <p className="error">{error}</p>;
  if (!list.data || !config.data) return <p className="muted">Loading alerts…</p>;
  const { firing, history, webhook, problems, evaluatedAt } = list.data;
  const cfg = config.data;
  const rules = cfg.rules;
  return (
    <section aria-label="alerts">
      <header className="view-header">
        <h2>Alerts</h2>
        <div className="filters">
          <span className="muted small" data-testid="evaluated-at">{evaluatedAt === null ? 'not evaluated yet' : <>evaluated <When ms={evaluatedAt} relative /></>}</span>
          <button onClick={list.reload}>Refresh</button>
        </div>
      </header>
      {readOnly && <p className="notice" data-testid="alerts-read-only">{READ_ONLY}</p>}
      {problems.length > 0 && (
        <ul className="notice error-text" aria-label="alert problems">
          {problems.map((p, i) => <li key={i}>{p}</li>)}
        </ul>
      )}
      {notice && <Notice onDismiss={() => setNotice(null)}>{notice}</Notice>}

      <h3>Firing now <span className="muted" data-testid="firing-count">({firing.length})</span></h3>
      <FiringTable alerts={firing} />

      <header className="view-header spaced">
        <h3>Rules</h3>
        <button className="primary" disabled={locked !== null || editing !== null} title={locked ?? undefined} onClick={() => setEditing('new')}>Add rule</button>
      </header>
      {editing && <RuleForm key={editing === 'new' ? 'new' : editing.id} rule={editing === 'new' ? null : editing} onSave={saveRule} onCancel={() => setEditing(null)} />}
      <RulesTable
        rules={rules}
        locked={locked}
        onToggle={(r) => act(save({ rules: rules.map((x) => (x.id === r.id ? { ...r, enabled: !r.enabled } : x)) }, `${r.enabled ? 'Disabled' : 'Enabled'} the rule.`))}
        onEdit={(r) => setEditing(r)}
        onDelete={(r) => act(save({ rules: rules.filter((x) => x.id !== r.id) }, 'Rule deleted.'))}
      />

      <h3>Delivery</h3>
      <DeliveryForm
        key={cfg.version}
        delivery={cfg.delivery}
        webhook={webhook}
        locked={locked}
        onSave={(delivery) => save({ rules, delivery }, 'Delivery saved.').then(() => undefined)}
        onTest={(url) => call('alerts:testWebhook', url === null ? {} : { url }).then((r) => setNotice(r.ok ? `Test sent: ${r.message}` : `Test failed: ${r.message}`))}
      />

      <h3>History</h3>
      <HistoryTable alerts={history} />
    </section>
  );
}
