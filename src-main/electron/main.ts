/**
 * The desktop app's main process: one window on the control room, the contract served over
 * IPC, the Local Redis and the worker pool (utility processes) hosted here. Everything below
 * this shell is the same code `celeriac serve` runs and the tests drive.
 */
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrowserWindow, Menu, Notification, app, dialog, ipcMain, protocol, safeStorage, session, shell, utilityProcess, type MenuItemConstructorOptions } from 'electron';
import { ControlRoom } from '../service/room/control-room.js';
import { DataFolderInUseError } from '../service/room/data-folder-lock.js';
import type { ContractEvents } from '../service/contract/index.js';
import { serveAppRequest } from './app-protocol.js';
import { serveContractOverIpc, trustedUrlCheck } from './ipc.js';
import { safeStorageCipher } from './safe-storage-cipher.js';
import { utilityProcessSpawner } from './utility-spawner.js';
import { readWindowState, writeWindowState } from './window-state.js';

const here = dirname(fileURLToPath(import.meta.url)); // dist/src-main/electron
const RENDERER_DIR = join(here, '..', '..', 'renderer');
const PRELOAD = join(here, 'preload.cjs');
/** `npm run dev` points the window at Vite's dev server for hot reload. */
const DEV_SERVER = process.env.CELERIAC_DEV_SERVER;
const START_URL = DEV_SERVER ?? 'app://celeriac/';
const isTrusted = trustedUrlCheck(DEV_SERVER);

protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

let win: BrowserWindow | null = null;
let room: ControlRoom | null = null;

if (!app.requestSingleInstanceLock()) {
  // Another Celeriac is running: it gets focus (second-instance below), this one leaves.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  app.whenReady().then(start, (err: unknown) => {
    console.error(err);
    app.exit(1);
  });
}

function harden(): void {
  protocol.handle('app', (req) => serveAppRequest(RENDERER_DIR, req.url));
  // The page asks for nothing: camera, notifications (main shows them), geolocation… all no.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  app.on('web-contents-created', (_e, contents) => {
    contents.setWindowOpenHandler(({ url }) => {
      // Links to documentation open in the browser; nothing opens inside the app.
      if (url.startsWith('https://')) void shell.openExternal(url);
      return { action: 'deny' };
    });
    contents.on('will-navigate', (e, url) => {
      if (!isTrusted(url)) e.preventDefault();
    });
    contents.on('will-attach-webview', (e) => e.preventDefault());
  });
}

/** The control room on the app's data folder. @throws DataFolderInUseError while a `celeriac serve` uses it */
function openControlRoom(): ControlRoom {
  const redisExe = process.platform === 'win32' ? 'redis-server.exe' : 'redis-server';
  return new ControlRoom({
    dataDir: app.getPath('userData'),
    cipher: safeStorageCipher(safeStorage) ?? undefined,
    local: { bundled: app.isPackaged ? join(process.resourcesPath, 'redis', redisExe) : undefined },
    pool: { modules: [], concurrency: Math.max(1, Math.min(4, cpus().length)) },
    spawner: utilityProcessSpawner((modulePath, args, options) => utilityProcess.fork(modulePath, args, options)),
    desktop: true,
    openPath: async (path) => {
      const error = await shell.openPath(path);
      if (error) throw new Error(error);
    },
    // Exports (the Tasks filter as CSV / JSON lines) go where the user says, streamed by main.
    saveFile: async (suggestedName) => {
      const ext = suggestedName.split('.').pop() ?? '';
      const options = { defaultPath: join(app.getPath('downloads'), suggestedName), filters: [{ name: ext.toUpperCase(), extensions: [ext] }] };
      const r = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
      return r.canceled || !r.filePath ? null : r.filePath;
    },
  });
}

async function start(): Promise<void> {
  harden();
  try {
    room = openControlRoom();
  } catch (err) {
    // A `celeriac serve` on the app's data folder: say whose it is and quit, rather than fight over the history.
    if (!(err instanceof DataFolderInUseError)) throw err;
    dialog.showErrorBox('Celeriac is already running on this data folder', err.message);
    app.exit(1);
    return;
  }
  showBatchActivity(room);
  showAlerts(room);
  serveContractOverIpc(ipcMain, room, { isTrustedUrl: isTrusted, targets: () => (win ? [win.webContents] : []) });
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate()));
  openWindow();
  // The window shows "connecting" until this ends; a missing redis-server shows its own screen.
  await room.start();

  let stopped = false;
  app.on('before-quit', (e) => {
    if (stopped || !room) return;
    e.preventDefault();
    // Stop the pool (handing claims back) and the Local Redis (writing its file), then quit.
    void room.stop().finally(() => {
      stopped = true;
      app.quit();
    });
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (!win) openWindow();
  });
}

function openWindow(): void {
  const stateFile = join(app.getPath('userData'), 'window-state.json');
  const state = readWindowState(stateFile);
  win = new BrowserWindow({
    ...state,
    minWidth: 800,
    minHeight: 500,
    show: false,
    title: 'Celeriac',
    backgroundColor: '#151917',
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  if (state.maximized) win.maximize();
  win.once('ready-to-show', () => win?.show());
  const save = (): void => {
    if (!win || win.isDestroyed()) return;
    writeWindowState(stateFile, { ...win.getNormalBounds(), maximized: win.isMaximized() });
  };
  win.on('close', save);
  win.on('closed', () => (win = null));
  void win.loadURL(START_URL);
}

/**
 * Batch notices become desktop notifications (the room drops them when turned off); the dock
 * badge / taskbar count shows how many batches are running.
 */
function showBatchActivity(control: ControlRoom): void {
  const running = new Set<string>();
  control.onEvent((event, data) => {
    if (event === 'batches:notice' && Notification.isSupported()) {
      const notice = data as ContractEvents['batches:notice'];
      const n = new Notification({ title: notice.title, body: notice.body });
      n.on('click', () => {
        win?.show();
        go(`#/batches/${encodeURIComponent(notice.batchId)}`);
      });
      n.show();
    }
    if (event === 'batches:changed') {
      for (const b of data as ContractEvents['batches:changed']) {
        if (b.finished) running.delete(b.id);
        else running.add(b.id);
      }
      app.setBadgeCount(running.size); // the page's title says it too (the renderer sets it)
    }
  });
}

/** Alerts fired or resolved become desktop notifications when the connection's delivery says desktop. */
function showAlerts(control: ControlRoom): void {
  control.onEvent((event, data) => {
    if (event !== 'alerts:changed' || !Notification.isSupported()) return;
    const { alert, desktop } = data as ContractEvents['alerts:changed'];
    if (!desktop) return;
    const n = new Notification({ title: `${alert.state === 'firing' ? 'Alert' : 'Resolved'}: ${alert.ruleName}`, body: alert.summary });
    n.on('click', () => {
      win?.show();
      go('#/alerts');
    });
    n.show();
  });
}

function go(hash: string): void {
  void win?.webContents.executeJavaScript(`location.hash = ${JSON.stringify(hash)}`);
}

function menuTemplate(): MenuItemConstructorOptions[] {
  const mac = process.platform === 'darwin';
  return [
    ...(mac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Send a task…', accelerator: 'CmdOrCtrl+N', click: () => go('#/submit') },
        { label: 'Connections…', accelerator: 'CmdOrCtrl+K', click: () => go('#/connections') },
        { type: 'separator' },
        mac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { label: 'Queues', accelerator: 'CmdOrCtrl+1', click: () => go('#/queues') },
        { label: 'Tasks', accelerator: 'CmdOrCtrl+2', click: () => go('#/tasks') },
        { label: 'Workers', accelerator: 'CmdOrCtrl+3', click: () => go('#/workers') },
        { type: 'separator' },
        { role: 'reload' },
        ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' as const }]),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ role: 'about' }] },
  ];
}
