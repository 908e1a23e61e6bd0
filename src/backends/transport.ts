import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { TransportKind } from "./backend.ts";

/** A transport plus what it can tell about a failure (stderr tail, exit, stray stdout, pid). */
export interface BackendTransport extends Transport {
  readonly pid?: number | undefined;
  readonly stderrTail?: string[];
  readonly exitCode?: number | null;
  /** The signal that ended the process, if one did. */
  readonly exitSignal?: string | null;
  /** The last output that was not a JSON-RPC message (an excerpt), and how many such lines came. */
  readonly noise?: { excerpt: string; count: number } | undefined;
  /** Why the transport gave up on the connection itself (a message over its size limit). */
  readonly failure?: string | undefined;
  /** The transport actually used, when the factory had to detect it. */
  readonly kind?: TransportKind;
  /** Ends the connection at once, without a polite shutdown (a hung process). */
  terminate?(): Promise<void>;
}
