/**
 * The modules a fresh Node process loads while it runs a script: a module hook, registered before
 * the script's own imports, prints each module's URL. Checks of what an entry point loads (start-up
 * time) are made on these lists, not on timings, so a busy machine cannot fail them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The file: URL of a module of this repository, for a script's import(). */
export function moduleUrl(path: string): string {
  return pathToFileURL(join(root, path)).href;
}

/**
 * Runs `script` (an ES module's text, TypeScript sources loaded through tsx) in a new process and
 * returns the URLs of the modules it loaded, in order; throws with its stderr if it fails.
 */
export function modulesLoadedBy(script: string): string[] {
  const folder = mkdtempSync(join(tmpdir(), 'nnimg-loaded-'));
  try {
    const hook = join(folder, 'hook.mjs');
    writeFileSync(hook, "export async function load(url, context, next) { process.stderr.write(`LOADED ${url}\\n`); return next(url, context); }\n");
    const register = join(folder, 'register.mjs');
    writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hook).href)});\n`);
    const args = ['--import', 'tsx', '--import', pathToFileURL(register).href, '--input-type=module', '-e', script];
    // From the package folder, where --import finds tsx.
    const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`the script failed (exit ${result.status}): ${result.stderr}`);
    return result.stderr
      .split('\n')
      .filter((line) => line.startsWith('LOADED '))
      .map((line) => line.slice('LOADED '.length));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
