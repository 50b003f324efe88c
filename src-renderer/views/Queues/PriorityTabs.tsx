import type { PriorityStep, QueueStepCount } from '../../api/contract.js';

/** kombu's priority steps as the reader knows them: the priorities each sub-list takes. */
const STEP_LABEL: Record<PriorityStep, string> = { 0: 'Priority 0–2', 3: '3–5', 6: '6–8', 9: '9' };

/** All, then each priority sub-list in the order workers take them, with its count. */
export function PriorityTabs({ total, steps, current, onChoose }: { total: number; steps: readonly QueueStepCount[]; current: PriorityStep | null; onChoose: (step: PriorityStep | null) => void }) {
  return (
    <div className="segmented" role="tablist" aria-label="priority">
      <button role="tab" aria-selected={current === null} className={current === null ? 'on' : ''} onClick={() => onChoose(null)}>All <span className="count">{total.toLocaleString()}</span></button>
      {steps.map((s) => (
        <button key={s.step} role="tab" aria-selected={current === s.step} className={current === s.step ? 'on' : ''} data-testid={`step-${s.step}`} onClick={() => onChoose(s.step)}>
          {STEP_LABEL[s.step]} <span className="count">{s.count.toLocaleString()}</span>
        </button>
      ))}
    </div>
  );
}
