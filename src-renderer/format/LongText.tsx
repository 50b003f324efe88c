import { useState } from 'react';
import { characters, cutText, MAX_SHOWN_CHARS, SHOWN_CHARS } from './cut-text.js';

/**
 * A value that may be very long, cut in the page (SHOWN_CHARS) with "show all" (at most
 * MAX_SHOWN_CHARS) and "copy all" (the whole value). It wraps: a long line never pushes the
 * page sideways.
 */
export function LongText({ text, pre = false, className = '', testId }: { text: string; pre?: boolean; className?: string; testId?: string }) {
  const [all, setAll] = useState(false);
  const { shown, hidden } = cutText(text, all ? MAX_SHOWN_CHARS : SHOWN_CHARS);
  const Tag = pre ? 'pre' : 'span';
  const cut = text.length > SHOWN_CHARS;
  return (
    <>
      <Tag className={`${className} wrap-anywhere`} data-testid={testId}>{shown}{hidden > 0 ? '…' : ''}</Tag>
      {cut && (
        <span className="cut-note small muted" data-testid={testId ? `${testId}-cut` : undefined}>
          {hidden > 0 ? `${characters(hidden)} more not shown (${characters(text.length)} in all)` : `${characters(text.length)}`}
          {' '}
          <button type="button" className="link" onClick={() => setAll(!all)}>{all ? 'show less' : text.length > MAX_SHOWN_CHARS ? `show ${characters(MAX_SHOWN_CHARS)}` : 'show all'}</button>
          {' · '}
          <button type="button" className="link" onClick={() => void navigator.clipboard?.writeText(text)}>copy all</button>
        </span>
      )}
    </>
  );
}
