/**
 * The control room as the transports see it: the connection profiles (Local, the command
 * line's, saved ones), the live switch between them, and the per-connection service behind.
 * A switch tests the new connection first and stays where it was if that fails.
 */
import { join } from 'node:path';
import type { Settings } from '../contract/types/settings.js';
import type { ConnectionTestResult, Profile, ProfileView } from '../contract/types/connections.js';
import { createApp, type App } from '../../core/app.js';
import { connectOrExplain, redactUrl } from '../../core/broker/connection.js';
import type { Spawner } from '../../core/worker/pool/spawner.js';
import { isRoomMethod, type ConnectionStatus, type Method, type Output, type ProfileInput, type RoomMethod } from '../contract/index.js';
import { writeExportFile, type ExportFormat } from '../tasks/export.js';
import { SettingsFile } from './settings.js';
import { callOnce, type CallBackend } from '../calls/call-backend.js';
import { failure, type CallResult } from '../calls/call-result.js';
import { EventHub, type EventListener } from '../calls/event-hub.js';
import { HANDLERS } from '../calls/handler-table.js';
import type { RoomHandler, RoomParts } from '../calls/handler-types.js';
import { LocalRedis, RedisNotFoundError, installHint, type LocalRedisEvent } from '../connections/local-redis.js';
import { ConnectionService } from './connection-service.js';
import { DataFolderLock } from './data-folder-lock.js';
import { historyFileName, redisIdentity } from '../history/history-file.js';
import { roomQueueName } from '../hosted-worker/hosted-worker.js';
import { testConnection } from '../connections/connection-test.js';
import { ProfileStore } from '../connections/profile-store.js';
import { plainCipher, type SecretCipher } from '../connections/secret-cipher.js';
import { LOCAL_PROFILE_ID, resolveConnection, splitUrlSecrets, viewOf, type ProfileSecrets, type ResolvedConnection } from '../connections/profile.js';
import { outageCause } from '../connections/outage-cause.js';

/** The profile `celeriac serve --broker URL` starts on; it is not saved. */
export const COMMAND_LINE_PROFILE_ID = 'command-line';

export interface ControlRoomOptions {
  /** The app's data folder: profiles.json, and the Local Redis's data under redis/. */
  dataDir: string;
  /** How saved secrets are sealed. @default none: a 0600 file (headless) */
  cipher?: SecretCipher;
  /** The Local profile's redis-server, or false for no Local profile. @default found on PATH */
  local?: { bundled?: string; searchDirs?: string[] } | false;
  /**
   * Start on this Redis (an unsaved "Command line" profile) instead of Local. It hosts a pool
   * (on its own queue) and runs a beat only when asked: watching takes nothing.
   */
  initial?: { url: string; hostPool?: boolean; beat?: boolean };
  /**
   * A screen to watch (`serve --read-only`): no hosted pool and no beat on any connection,
   * whatever the profiles or settings say; the transports refuse every changing method.
   */
  readOnly?: boolean;
  /** What the hosted worker pool loads, on profiles that host one. @default the built-in tasks, 2 children */
  pool?: { modules: string[]; concurrency: number; queues?: string[] };
  /** How the hosted pool's worker process is started (Electron: utilityProcess). */
  spawner?: Spawner;
  /** Shows a folder in the file manager (the desktop app's shell.openPath); absent headless. */
  openPath?: (path: string) => Promise<void>;
  /**
   * Asks where to save a file (the desktop app's save dialog), the name suggested; null when
   * the user cancels. Absent headless: the browser downloads.
   */
  saveFile?: (suggestedName: string) => Promise<string | null>;
  /** The desktop app (it shows its own notifications); false for `celeriac serve`. */
  desktop?: boolean;
  /** `celeriac serve`: where the browser's dropped files are staged (for download links and re-uploads). */
  stagingDir?: string;
}

/** The connection in use: its profile, its app on that Redis, and the service that runs its methods. */
interface Connected {
  profileId: string;
  /** Its history's file: one per Redis, so two profiles on one Redis share it. */
  historyPath: string;
  app: App;
  service: ConnectionService;
  unsubscribe: () => void;
}

/** A failed switch's message, shown while connected elsewhere until its cause is dealt with. */
interface SwitchFailure {
  profileId: string;
  message: string;
}

export class ControlRoom implements CallBackend {
  private readonly store: ProfileStore;
  private readonly settings: SettingsFile;
  private readonly cipher: SecretCipher;
  private readonly local: LocalRedis | null;
  private current: Connected | null = null;
  private status: ConnectionStatus;
  private readonly events = new EventHub();
  /** Switches run one at a time. */
  private switching: Promise<unknown> = Promise.resolve();
  private switchFailure: SwitchFailure | null = null;
  /** The Local Redis's own word while it is being restarted. */
  private localTrouble: string | null = null;
  /** Whether the command line's connection runs a beat (`serve --beat`; the Schedules view changes it). */
  private commandLineBeat: boolean;

  /** This room's hold on its data folder: a second room on it refuses to start. */
  private readonly folderLock: DataFolderLock;

  /** @throws DataFolderInUseError while another control room uses the data folder */
  constructor(private readonly options: ControlRoomOptions) {
    this.folderLock = DataFolderLock.acquire(options.dataDir);
    this.cipher = options.cipher ?? plainCipher;
    this.store = new ProfileStore(join(options.dataDir, 'profiles.json'), this.cipher);
    this.settings = new SettingsFile(join(options.dataDir, 'settings.json'), { desktop: options.desktop === true, openFolders: options.openPath !== undefined, saveFiles: options.saveFile !== undefined, stagingDir: options.stagingDir });
    this.local = options.local === false ? null : new LocalRedis({ dataDir: join(options.dataDir, 'redis'), ...options.local, onEvent: (e) => this.onLocalEvent(e) });
    this.status = { state: 'connecting', profile: null, url: null, secretStorage: this.secretStorage() };
    this.commandLineBeat = options.initial?.beat === true;
  }

  /** What the connection in use hosts: its pool (and the queues it consumes) and its beat. */
  hosting(): { pool: { queues: string[] } | null; beat: boolean } {
    const service = this.current?.service;
    const pool = service?.hosted.status();
    return { pool: pool?.running ? { queues: pool.queues } : null, beat: service?.beatRunning ?? false };
  }

  /** Connects to the first profile: the command line's if given, else Local. Never throws: see status. */
  async start(): Promise<ConnectionStatus> {
    const first = this.options.initial ? COMMAND_LINE_PROFILE_ID : this.local ? LOCAL_PROFILE_ID : null;
    if (!first) return this.setStatus({ state: 'failed', profile: null, url: null, message: 'no connection is configured: add one' });
    return this.use(first);
  }

  async stop(): Promise<void> {
    await this.switching.catch(() => undefined);
    await this.closeConnection(this.current);
    this.current = null;
    await this.local?.stop();
    this.folderLock.release();
  }

  /** Where this room is served (`celeriac serve`), for the message a second one on its data folder shows. */
  noteServedAt(url: string): void {
    this.folderLock.noteUrl(url);
  }

  /** The Local Redis's URL, password included, once it runs (for workers on this machine). */
  get localUrl(): string | null {
    return this.local?.url ?? null;
  }

  onEvent(listener: EventListener): () => void {
    return this.events.on(listener);
  }

  /** One call from code, parsed as a transport's would be (tests; the transports go through service/calls). */
  call<M extends Method>(method: M | string, input: unknown): Promise<CallResult<M>> {
    return callOnce(this, method, input);
  }

  /** Runs a parsed call: a room method here, the rest on the connection in use. */
  async run<M extends Method>(method: M, input: Record<string, unknown>): Promise<CallResult<M>> {
    if (isRoomMethod(method)) {
      try {
        const handler = HANDLERS[method] as RoomHandler<RoomMethod>;
        return { ok: true, value: (await handler(this.roomParts, input as never)) as Output<M> };
      } catch (err) {
        return failure(err);
      }
    }
    const current = this.current;
    if (!current) return { ok: false, error: { code: 'E_NOT_CONNECTED', message: `not connected to Redis: ${this.status.message ?? 'choose a connection'}` } };
    // Refused at once, not queued until Redis is back: a send that fires a minute later, after
    // the user gave up and clicked again, is worse than a clear no.
    if (this.status.state === 'reconnecting') return { ok: false, error: { code: 'E_UNREACHABLE', message: `Redis is unreachable: ${this.status.message ?? 'reconnecting'}. Nothing was done; try again once it is back.` } };
    const result = await current.service.run(method, input);
    if (method === 'pool:start' || method === 'pool:stop') this.refreshNote();
    return result;
  }

  /** Sets the connected status's note (noteOf) when it changed. */
  private refreshNote(): void {
    if (this.status.state !== 'connected' || !this.current) return;
    const message = this.noteOf(this.current);
    if (message !== this.status.message) this.setStatus({ ...this.status, message });
  }

  /** The connection in use's note: a failed switch or the pool's problem, then the history's (not writing, events lost), then events dropped or cut on arrival. */
  private noteOf(current: Connected): string | undefined {
    const notes = [this.switchFailure?.message ?? current.service.hosted.problem, current.service.historyProblem, current.service.eventDropsNote].filter((n): n is string => Boolean(n));
    return notes.length > 0 ? notes.join('; ') : undefined;
  }

  /**
   * Follows the connection in use: when it drops, the status says so (since when, the next
   * try) until it is back; then connected again, by itself.
   */
  private watchHealth(current: Connected): () => void {
    const redis = current.app.broker;
    let lastError = '';
    let since: number | null = null;
    const onError = (err: Error): void => {
      lastError = err.message;
    };
    const onReconnecting = (delay: number): void => {
      if (this.current !== current) return;
      since ??= Date.now();
      // The banner and refused calls say "Redis is unreachable" already: this says why, in a user's words.
      const why = this.localTrouble ?? outageCause(lastError);
      this.setStatus({ ...this.status, state: 'reconnecting', since, nextTryAt: Date.now() + delay, message: why });
    };
    const onReady = (): void => {
      // Back (whichever said it was gone: this connection, or the Local Redis's restarts).
      if (this.current !== current || this.status.state !== 'reconnecting') return;
      since = null;
      lastError = '';
      const { since: _s, nextTryAt: _n, ...rest } = this.status;
      this.setStatus({ ...rest, state: 'connected', message: this.noteOf(current) });
    };
    redis.on('error', onError);
    redis.on('reconnecting', onReconnecting);
    redis.on('ready', onReady);
    const offHistory = current.service.onHistoryProblem(() => {
      if (this.current === current) this.refreshNote();
    });
    return () => {
      offHistory();
      redis.off('error', onError);
      redis.off('reconnecting', onReconnecting);
      redis.off('ready', onReady);
    };
  }

  private onLocalEvent(e: LocalRedisEvent): void {
    this.localTrouble = e.kind === 'restarted' ? null : e.message;
    if (this.current?.profileId !== LOCAL_PROFILE_ID) return;
    if (e.kind === 'restarted') return; // the connection's 'ready' says it is back
    if (this.status.state === 'reconnecting' || this.status.state === 'connected') {
      this.setStatus({ ...this.status, state: 'reconnecting', since: this.status.since ?? Date.now(), nextTryAt: Date.now() + e.retryInMs, message: e.message });
    }
  }

  /** Clears a failed switch's message once its profile was changed, tested good, deleted or used. */
  private clearSwitchFailure(profileId: string): void {
    if (this.switchFailure?.profileId !== profileId) return;
    this.switchFailure = null;
    this.refreshNote();
  }

  /** An export of the connection in use's history; null while there is none. */
  exportTasks(query: string, format: 'csv' | 'jsonl'): Iterator<string> | null {
    return this.current ? this.current.service.exportTasks(query, format) : null;
  }

  /** /metrics of the connection in use; null while there is none. */
  metrics(): Promise<{ contentType: string; body: string } | null> {
    return this.current ? this.current.service.metrics() : Promise.resolve(null);
  }

  /** What the room methods' handlers work with. */
  private readonly roomParts: RoomParts = {
    status: () => this.status,
    profiles: () => this.profiles(),
    saveProfile: (input) => this.save(input),
    deleteProfile: (id) => this.remove(id),
    testProfile: (input) => this.test(input),
    useProfile: (id) => this.use(id),
    settings: () => this.currentSettings(),
    changeSettings: (change) => this.changeSettings(change),
    openFolder: (batchId) => this.openFolder(batchId),
    exportFile: (query, format) => this.exportFile(query, format),
  };

  /** The settings file's, with `beat` as the connection in use has it (the beat is per connection). */
  private currentSettings(): Settings {
    const current = this.current;
    return { ...this.settings.get(), beat: current ? this.beatWanted(current.profileId) : false };
  }

  /** Notifications are the room's; the beat is the connection in use's, and takes effect on it now. */
  private async changeSettings(change: Partial<Settings>): Promise<Settings> {
    if (change.notifications !== undefined) this.settings.set({ notifications: change.notifications });
    const current = this.current;
    if (change.beat !== undefined) {
      if (!current) throw new Error('not connected: the beat setting belongs to a connection');
      if (change.beat && this.options.readOnly) throw new Error('this control room is read-only (serve --read-only): it runs no beat');
      this.keepBeatChoice(current.profileId, change.beat);
      await current.service.setBeat(change.beat);
    }
    return this.currentSettings();
  }

  /**
   * Whether a connection runs a beat here: never read-only; Local as its setting says; the
   * command line's as `--beat` (or the Schedules view) said; a saved profile as it says.
   */
  private beatWanted(profileId: string): boolean {
    if (this.options.readOnly) return false;
    if (profileId === LOCAL_PROFILE_ID) return this.settings.get().beat;
    if (profileId === COMMAND_LINE_PROFILE_ID) return this.commandLineBeat;
    return this.store.get(profileId)?.beat === true;
  }

  private keepBeatChoice(profileId: string, beat: boolean): void {
    if (profileId === LOCAL_PROFILE_ID) this.settings.set({ beat });
    else if (profileId === COMMAND_LINE_PROFILE_ID) this.commandLineBeat = beat;
    else {
      const profile = this.store.get(profileId);
      if (profile) this.store.save({ ...profile, beat }, {});
    }
  }

  /** The Tasks filter into a file the user picks; the query is checked before the dialog shows. */
  private async exportFile(query: string, format: ExportFormat): Promise<{ path: string | null; bytes: number }> {
    if (!this.options.saveFile) throw new Error('saving files works in the desktop app only: the browser downloads /export');
    const chunks = this.exportTasks(query, format);
    if (!chunks) throw new Error('not connected');
    const first = chunks.next(); // a bad query throws here, before a dialog asks where to put nothing
    const path = await this.options.saveFile(`tasks.${format}`);
    if (path === null) return { path: null, bytes: 0 };
    return { path, bytes: await writeExportFile(path, first, chunks) };
  }

  private async openFolder(batchId: string): Promise<{ opened: string }> {
    if (!this.options.openPath) throw new Error('opening folders works in the desktop app only');
    if (!this.current) throw new Error('not connected');
    const folder = await this.current.service.batches.outputFolder(batchId);
    if (!folder) throw new Error('this batch names no output folder');
    await this.options.openPath(folder);
    return { opened: folder };
  }

  /** Every profile: Local and the command line's first, then the saved ones. */
  profiles(): ProfileView[] {
    const out: ProfileView[] = [];
    for (const id of [LOCAL_PROFILE_ID, COMMAND_LINE_PROFILE_ID]) {
      const p = this.builtIn(id);
      if (p) out.push(viewOf(p, {}, true));
    }
    for (const p of this.store.list()) out.push(viewOf(p, this.store.secrets(p.id)));
    return out;
  }

  private builtIn(id: string): Profile | null {
    if (id === LOCAL_PROFILE_ID && this.local) {
      return { id, name: 'Local', url: 'redis://127.0.0.1/0', color: 'green', hostPool: true };
    }
    if (id === COMMAND_LINE_PROFILE_ID && this.options.initial) {
      const { url } = splitUrlSecrets(this.options.initial.url);
      return { id, name: 'Command line', url, color: 'blue', hostPool: this.options.initial.hostPool === true, beat: this.commandLineBeat };
    }
    return null;
  }

  private save(input: ProfileInput): ProfileView {
    if (input.id && this.builtIn(input.id)) throw new Error(`the ${input.id} profile is built in and cannot be changed`);
    if (input.id && !this.store.get(input.id)) throw new Error(`no profile ${input.id}`);
    const { profile, secrets } = profileFromInput(input);
    resolveConnection({ ...profile, id: 'check' }, { tlsKey: secrets.tlsKey || undefined }); // throws for TLS settings on a redis:// URL
    const saved = this.store.save({ ...profile, id: input.id }, secrets);
    this.clearSwitchFailure(saved.id);
    return viewOf(saved, this.store.secrets(saved.id));
  }

  private async remove(id: string): Promise<{ deleted: boolean }> {
    if (this.builtIn(id)) throw new Error(`the ${id} profile is built in and cannot be deleted`);
    if (this.current?.profileId === id) throw new Error('this is the connection in use: switch to another one first');
    this.clearSwitchFailure(id);
    return { deleted: this.store.delete(id) };
  }

  private async test(input: { id: string } | { profile: ProfileInput }): Promise<ConnectionTestResult> {
    if ('id' in input) {
      const result = await testConnection(await this.resolve(input.id));
      if (result.verdict === 'ok') this.clearSwitchFailure(input.id);
      return result;
    }
    // An edited profile keeps its stored secrets unless the form replaces them.
    const stored = input.profile.id ? this.store.secrets(input.profile.id) : {};
    const { profile, secrets } = profileFromInput(input.profile);
    const merged: ProfileSecrets = {
      password: secrets.password === undefined ? stored.password : secrets.password || undefined,
      tlsKey: secrets.tlsKey === undefined ? stored.tlsKey : secrets.tlsKey || undefined,
    };
    return testConnection(resolveConnection({ ...profile, id: 'test' }, merged));
  }

  /** Where a profile connects. Local starts its redis-server on first use. */
  private async resolve(id: string): Promise<ResolvedConnection> {
    if (id === LOCAL_PROFILE_ID && this.local) return { url: this.local.url ?? (await this.local.start()), redisOptions: {} };
    if (id === COMMAND_LINE_PROFILE_ID && this.options.initial) return { url: this.options.initial.url, redisOptions: {} };
    const profile = this.store.get(id);
    if (!profile) throw new Error(`no profile ${id}`);
    return resolveConnection(profile, this.store.secrets(id));
  }

  /** Switches to a profile. On failure the current connection stays and the status says why. */
  use(id: string): Promise<ConnectionStatus> {
    const next = this.switching.then(() => this.switchTo(id));
    this.switching = next.catch(() => undefined);
    return next;
  }

  private async switchTo(id: string): Promise<ConnectionStatus> {
    const profile = this.builtIn(id) ?? this.store.get(id);
    if (!profile) throw new Error(`no profile ${id}`);
    const view = viewOf(profile, this.builtIn(id) ? {} : this.store.secrets(id), Boolean(this.builtIn(id)));
    const previous = this.status;
    this.setStatus({ state: 'connecting', profile: view, url: null });
    let conn: ResolvedConnection;
    try {
      conn = await this.resolve(id);
    } catch (err) {
      if (err instanceof RedisNotFoundError) return this.fail(previous, { state: 'no-redis', profile: view, url: null, message: err.message, installHint: installHint() });
      return this.fail(previous, { state: 'failed', profile: view, url: null, message: (err as Error).message });
    }
    const verdict = await testConnection(conn);
    if (verdict.verdict !== 'ok') return this.fail(previous, { state: 'failed', profile: view, url: redactUrl(conn.url), message: `${profile.name}: ${verdict.message}` });

    // A history has one writer: a switch between two profiles on one Redis (or to the same one
    // again) closes the old connection first, so its last writes land before the new one reads.
    const historyPath = this.historyPathOf(id, conn);
    if (this.current?.historyPath === historyPath) {
      const old = this.current;
      this.current = null;
      await this.closeConnection(old);
    }
    let current: Connected;
    try {
      current = await this.openConnection(id, profile, conn, historyPath);
    } catch (err) {
      return this.fail(previous, { state: 'failed', profile: view, url: redactUrl(conn.url), message: `${profile.name}: ${(err as Error).message}` });
    }
    const old = this.current;
    this.current = current;
    this.switchFailure = null;
    await this.closeConnection(old);
    return this.setStatus({ state: 'connected', profile: view, url: redactUrl(conn.url), message: this.noteOf(current) });
  }

  /** One history per Redis, not per profile: what one Redis did never shows in another's views. */
  private historyPathOf(profileId: string, conn: ResolvedConnection): string {
    return join(this.options.dataDir, 'history', historyFileName(profileId === LOCAL_PROFILE_ID ? 'local' : redisIdentity(conn.url)));
  }

  private async openConnection(profileId: string, profile: Profile, conn: ResolvedConnection, historyPath: string): Promise<Connected> {
    const app = createApp({ broker: conn.url, taskRecords: true, redisOptions: conn.redisOptions });
    let service: ConnectionService | null = null;
    try {
      await connectOrExplain(app.broker, conn.url);
      // On the private Local Redis the pool is the cluster's worker; anywhere else it consumes
      // a queue of its own, so a shop's workers and this pool never take each other's tasks.
      const poolQueues = this.options.pool?.queues?.length ? this.options.pool.queues : profileId === LOCAL_PROFILE_ID ? ['celery'] : [roomQueueName()];
      // Alert rules are per profile, in settings.json beside the room's own settings; what they fired in a file of their own.
      const alerts = { config: { settingsPath: join(this.options.dataDir, 'settings.json'), profileId }, episodesPath: join(this.options.dataDir, 'alerts', `${profileId.replace(/[^\w-]/g, '_')}.json`) };
      service = new ConnectionService(app, this.options.spawner, { historyPath, poolQueues, alerts });
      // Listened to before it starts: what it says while the beat and the pool start (an alert
      // fired, a batch noticed) reaches the clients too.
      const offEvents = service.onEvent((event, data) => {
        // Notifications can be turned off; everything else goes through.
        if (event === 'batches:notice' && !this.settings.get().notifications) return;
        this.events.emit(event, data);
      });
      await service.start();
      if (this.beatWanted(profileId)) await service.setBeat(true);
      if (profile.hostPool && !this.options.readOnly && this.options.pool !== undefined) {
        // A pool whose task module fails to load is the pool's problem, not the connection's:
        // the control room stays up and says why (pool:status, and the status message).
        await service.hosted.start(this.options.pool.modules, this.options.pool.concurrency, poolQueues).catch(() => undefined);
      }
      const current: Connected = { profileId, historyPath, app, service, unsubscribe: () => undefined };
      const offHealth = this.watchHealth(current);
      current.unsubscribe = () => {
        offEvents();
        offHealth();
      };
      return current;
    } catch (err) {
      await service?.stop().catch(() => undefined);
      await app.close().catch(() => undefined);
      throw err;
    }
  }

  private async closeConnection(current: Connected | null): Promise<void> {
    if (!current) return;
    current.unsubscribe();
    await current.service.stop().catch(() => undefined);
    await current.app.close().catch(() => undefined);
  }

  /**
   * A switch that failed: while another connection is up, it stays (and the message says
   * why the switch failed); with none, the failure is the status.
   */
  private fail(previous: ConnectionStatus, failed: Omit<ConnectionStatus, 'secretStorage'>): ConnectionStatus {
    if (this.current && previous.state === 'connected') {
      const message = `could not switch: ${failed.message}`;
      if (failed.profile) this.switchFailure = { profileId: failed.profile.id, message };
      return this.setStatus({ ...previous, message });
    }
    return this.setStatus(failed);
  }

  private setStatus(status: Omit<ConnectionStatus, 'secretStorage'>): ConnectionStatus {
    this.status = { ...status, secretStorage: this.secretStorage() };
    this.events.emit('connection:changed', this.status);
    return this.status;
  }

  private secretStorage(): ConnectionStatus['secretStorage'] {
    return this.cipher.scheme === plainCipher.scheme ? 'file-0600' : 'keychain';
  }
}

/** Splits the form's values into the profile and its secrets; a password in the URL moves to the secrets. */
function profileFromInput(input: ProfileInput): { profile: Omit<Profile, 'id'>; secrets: { password?: string; tlsKey?: string } } {
  const split = splitUrlSecrets(input.url);
  const tls = input.tls ? { ca: input.tls.ca || undefined, cert: input.tls.cert || undefined, skipVerify: input.tls.skipVerify || undefined } : undefined;
  const hasTls = tls && (tls.ca || tls.cert || tls.skipVerify);
  return {
    profile: {
      name: input.name.trim(),
      url: split.url,
      username: input.username || split.username || undefined,
      db: input.db,
      tls: hasTls ? tls : undefined,
      color: input.color ?? 'gray',
      hostPool: input.hostPool ?? false,
      beat: input.beat ?? false,
    },
    secrets: { password: input.password ?? split.password, tlsKey: input.tls?.key },
  };
}
