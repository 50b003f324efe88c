/**
 * The themes' colours read at WCAG AA: every text colour of styles.css against the backgrounds
 * it is drawn on, in the light and the dark theme (the one chosen, and "auto" on a dark system).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contrast } from '../helpers/contrast.js';

const CSS = readFileSync(new URL('../../src-renderer/styles.css', import.meta.url), 'utf8');

/** The custom properties declared in the first block the selector opens. */
function varsOf(selector: string): Record<string, string> {
  const at = CSS.indexOf(`${selector} {`);
  if (at < 0) throw new Error(`no ${selector} block in styles.css`);
  const body = CSS.slice(at, CSS.indexOf('}', at));
  return Object.fromEntries([...body.matchAll(/(--[\w-]+):\s*(#[0-9a-fA-F]{6})\b/g)].map((m) => [m[1]!, m[2]!.toLowerCase()]));
}

/** Text colour -> the backgrounds it is drawn on. */
const PAIRS: Array<[string, string[]]> = [
  ['--text', ['--bg', '--panel']],
  ['--muted', ['--bg', '--panel']],
  ['--link', ['--bg', '--panel']],
  ['--accent', ['--bg', '--panel']], // link buttons, the title, the sparklines
  ['--accent-text', ['--accent']], // the active tab, primary buttons
  ['--danger', ['--bg', '--panel']], // errors
  ['--fail', ['--bg', '--panel']], // the bar's failed count
  ['--ok', ['--panel']], // a test's verdict
  ['--wait', ['--panel']], // hints
  ['--on-state', ['--ok', '--fail', '--wait', '--run', '--revoked']], // state badges
  ['--banner-error-text', ['--banner-error-bg']],
  ['--banner-warn-text', ['--banner-warn-bg']],
];

const light = varsOf(':root');
const themes: Array<[string, Record<string, string>]> = [
  ['light', light],
  ['dark', { ...light, ...varsOf(":root[data-theme='dark']") }],
  ['auto on a dark system', { ...light, ...varsOf(":root[data-theme='auto']") }],
];

describe.each(themes)('the %s theme', (_name, vars) => {
  it.each(PAIRS)('draws %s at 4.5:1 or more on its backgrounds', (fg, backgrounds) => {
    for (const bg of backgrounds) {
      expect(vars[fg], `${fg} is declared`).toBeDefined();
      expect(vars[bg], `${bg} is declared`).toBeDefined();
      expect(contrast(vars[fg]!, vars[bg]!), `${fg} ${vars[fg]} on ${bg} ${vars[bg]}`).toBeGreaterThanOrEqual(4.5);
    }
  });
});

describe('styles.css', () => {
  it('colours every link with the theme (the browser default blue is unreadable on the dark panel)', () => {
    expect(CSS).toMatch(/(^|\n)a \{[^}]*color: var\(--link\)/);
  });

  it('gives "auto" on a dark system the same colours as the dark theme', () => {
    expect(varsOf(":root[data-theme='auto']")).toEqual(varsOf(":root[data-theme='dark']"));
  });

  it('draws badge text with the theme, not a fixed white', () => {
    expect(CSS).toMatch(/\.badge \{[^}]*color: var\(--on-state\)/);
  });
});
