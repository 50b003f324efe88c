/**
 * `npm run dev`: the renderer from Vite's dev server (hot reload), main-process code recompiled
 * by `tsc --watch`, in the desktop app — or, without the Electron binary, in a browser beside
 * `celeriac serve` (the dev server passes /ws on to it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'vite';
import { electronBinary } from './electron-binary.js';

const children: ChildProcess[] = [];
const stop = (): void => {
  for (const c of children) c.kill('SIGTERM');
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

children.push(spawn(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--watch', '--preserveWatchOutput'], { stdio: ['ignore', 'ignore', 'inherit'] }));

const binary = electronBinary();
if ('path' in binary) {
  const vite = await createServer({ configFile: 'vite.config.ts' });
  await vite.listen();
  const url = `http://localhost:${vite.config.server.port}/`;
  children.push(spawn(binary.path, ['dist/src-main/electron/main.js'], { stdio: 'inherit', env: { ...process.env, CELERIAC_DEV_SERVER: url } }));
} else {
  process.stdout.write(`${binary.missing}: developing in the browser instead.\n`);
  // The back end from source (tsx), on a fixed port the dev server proxies to.
  const serve = spawn(process.execPath, ['--import', 'tsx', 'scripts/celeriac-from-source.ts', 'serve', '--port', '5555', ...process.argv.slice(2)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(serve);
  const token = await new Promise<string>((resolve) => {
    serve.stdout!.on('data', (d: Buffer) => {
      process.stdout.write(d);
      const m = /token=(\w+)/.exec(d.toString());
      if (m) resolve(m[1]!);
    });
  });
  process.env.CELERIAC_DEV_BACKEND = 'http://127.0.0.1:5555';
  const vite = await createServer({ configFile: 'vite.config.ts' });
  await vite.listen();
  process.stdout.write(`Control room with hot reload: http://localhost:${vite.config.server.port}/?token=${token}\n`);
}
