// Renders resources/icon.svg into the PNGs electron-builder packs (it makes .icns and .ico
// from icon.png itself). Run after changing the SVG: node scripts/make-icons.mjs
import { mkdirSync } from 'node:fs';
import sharp from 'sharp';

const dir = new URL('../resources/', import.meta.url).pathname;
const svg = `${dir}icon.svg`;
await sharp(svg, { density: 300 }).resize(1024, 1024).png().toFile(`${dir}icon.png`);
mkdirSync(`${dir}icons`, { recursive: true });
for (const size of [16, 32, 48, 64, 128, 256, 512]) {
  await sharp(svg, { density: 300 }).resize(size, size).png().toFile(`${dir}icons/${size}x${size}.png`);
}
