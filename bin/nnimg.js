#!/usr/bin/env node
// The nnimg command line; the implementation is compiled to dist/ by `npm run build`.
let cli;
try {
  cli = await import('../dist/cli/main.js');
} catch (error) {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist')) {
    process.stderr.write("nnimg: not built yet: run 'npm run build' in the nnimg folder\n");
    process.exit(1);
  }
  throw error;
}
// A closed stdout (e.g. `nnimg info x.nnimg | head -1`) is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
process.exitCode = await cli.runCli(process.argv);
