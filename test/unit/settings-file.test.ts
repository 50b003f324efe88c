/** The room's own settings are written into settings.json without losing what else it holds. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SettingsFile } from '../../src-main/service/room/settings.js';

const host = { desktop: false, openFolders: false, saveFiles: false, stagingDir: undefined } as unknown as ConstructorParameters<typeof SettingsFile>[1];

describe('the settings file', () => {
  it('keeps the alert rules it holds when the room writes its own settings', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'celeriac-settings-')), 'settings.json');
    writeFileSync(path, JSON.stringify({ notifications: true, alerts: { p1: { rules: [] } } }));
    new SettingsFile(path, host).set({ notifications: false });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ notifications: false, beat: false, alerts: { p1: { rules: [] } } });
  });

  it('refuses to write over a file that is not JSON (the alert rules in it would be lost), saying it is damaged', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'celeriac-settings-')), 'settings.json');
    const damaged = '{ "alerts": { "p1": { "rules": [] } }, oops';
    writeFileSync(path, damaged);
    const settings = new SettingsFile(path, host);
    expect(() => settings.set({ notifications: false })).toThrow(expect.objectContaining({ code: 'E_FILE_DAMAGED', message: expect.stringContaining('is not valid JSON') }));
    expect(readFileSync(path, 'utf8')).toBe(damaged);
    writeFileSync(path, '[1, 2]');
    expect(() => settings.set({ beat: true })).toThrow(expect.objectContaining({ code: 'E_FILE_DAMAGED' }));
    expect(readFileSync(path, 'utf8')).toBe('[1, 2]');
  });
});
