import { type AddressInfo, connect, type Socket } from "node:net";
import { createServer, type TLSSocket } from "node:tls";
import type { CertificateSubject } from "../../auth/client-certs.ts";
import { log } from "../../log.ts";

/** PEM contents of the listener's certificate, key and the client CA. */
export interface MutualTlsOptions {
  host: string;
  port: number;
  cert: string;
  key: string;
  ca: string;
  /** Refuse, at the handshake, a client without a certificate `ca` verifies. @default true */
  requireCert?: boolean;
  /** The loopback port of the plain HTTP server every connection is handed to. */
  upstreamPort: number;
}

/** A running mutual-TLS listener. */
export interface MutualTls {
  port: number;
  /** The verified subject of the client behind the upstream connection from local `port`, if any. */
  peerOf(port: number | undefined): CertificateSubject | undefined;
  /**
   * Connections handed upstream so far. The certificate is read once per connection, so a client that
   * keeps its connection alive adds one here, not one per request.
   */
  readonly accepted: number;
  /** Connections open now (each holds one upstream port in `peerOf`'s table). */
  readonly open: number;
  /** Stops accepting connections; open ones carry on. */
  stop(): void;
  /** Cuts every open connection. */
  closeAll(): void;
}

/**
 * Terminates mutual TLS with `node:tls` and hands each connection, byte for byte, to the gateway's own
 * `Bun.serve` on loopback. Bun.serve checks client certificates but does not show them to the handler
 * (oven-sh/bun#14097), so the subject is remembered by the local port of the connection to it, which
 * `server.requestIP` gives the handler. The subject is set before the first byte is passed on.
 */
export function startMutualTls(options: MutualTlsOptions): MutualTls {
  const peers = new Map<number, CertificateSubject | undefined>();
  const open = new Set<Socket>();
  let accepted = 0;
  const server = createServer(
    {
      cert: options.cert,
      key: options.key,
      ca: options.ca,
      requestCert: true,
      rejectUnauthorized: options.requireCert ?? true,
    },
    (socket: TLSSocket) => {
      const subject = socket.authorized ? socket.getPeerCertificate().subject : undefined;
      accepted++;
      const upstream = connect(options.upstreamPort, "127.0.0.1");
      open.add(socket);
      let localPort: number | undefined;
      const close = (): void => {
        if (localPort !== undefined) peers.delete(localPort);
        open.delete(socket);
        socket.destroy();
        upstream.destroy();
      };
      upstream.once("connect", () => {
        localPort = upstream.localPort;
        if (localPort !== undefined) peers.set(localPort, subject as CertificateSubject | undefined);
        socket.pipe(upstream);
        upstream.pipe(socket);
      });
      for (const end of [socket, upstream]) {
        end.on("error", close);
        end.on("close", close);
      }
    },
  );
  server.on("tlsClientError", (error) => log.debug(`TLS handshake refused: ${error.message}`));
  server.on("error", (error) => log.error(`TLS listener: ${error.message}`));
  // Bun binds at once: no address means the bind failed (its error event comes later).
  server.listen(options.port, options.host);
  const address = server.address() as AddressInfo | null;
  if (!address) {
    server.close();
    throw new Error(`cannot listen on ${options.host}:${options.port} (EADDRINUSE or not an address here)`);
  }
  return {
    port: address.port,
    peerOf: (port) => (port === undefined ? undefined : peers.get(port)),
    get accepted() {
      return accepted;
    },
    get open() {
      return open.size;
    },
    stop: () => server.close(),
    closeAll: () => {
      for (const socket of open) socket.destroy();
    },
  };
}
