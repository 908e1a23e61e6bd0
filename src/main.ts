#!/usr/bin/env bun
import { listenEarly } from "./server/early-listen.ts";

const argv = process.argv.slice(2);
// No top-level await, so `bun build --compile --bytecode` can precompile the entry.
const start = (): void => void import("./cli/main.ts").then(({ runCli }) => runCli(argv));
// `serve` answers /health ("starting") before the rest of the program loads (see early-listen.ts); one
// turn of the event loop first lets a request already waiting on the new socket have its answer.
void listenEarly(argv).then((listening) => (listening ? setTimeout(start, 0) : start()));
