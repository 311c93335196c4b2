import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isBuildCurrent } from './account-pages.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-pages-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const at = (path: string, seconds: number) => utimesSync(path, seconds, seconds);

describe('isBuildCurrent', () => {
  it('wants a build when there is none, or when any source is newer than it', () => {
    mkdirSync(join(dir, 'src', 'pages'), { recursive: true });
    writeFileSync(join(dir, 'src', 'pages', 'Account.tsx'), 'x');
    writeFileSync(join(dir, 'index.html'), 'x');
    at(join(dir, 'src', 'pages', 'Account.tsx'), 1_000);
    at(join(dir, 'src', 'pages'), 1_000);
    at(join(dir, 'src'), 1_000);
    at(join(dir, 'index.html'), 1_000);
    expect(isBuildCurrent(dir)).toBe(false);

    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist', 'index.html'), 'built');
    at(join(dir, 'dist', 'index.html'), 2_000);
    expect(isBuildCurrent(dir)).toBe(true);

    at(join(dir, 'src', 'pages', 'Account.tsx'), 3_000);
    expect(isBuildCurrent(dir)).toBe(false);
  });
});
