#!/usr/bin/env bun
// No top-level await, so `bun build --compile --bytecode` can precompile the entry; each import() is its
// own chunk in the compiled binary (--splitting), loaded only by the command that needs it.
void import("./cli/main.ts").then(({ runCli }) => runCli(process.argv.slice(2)));
