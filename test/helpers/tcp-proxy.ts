import type { Socket, TCPSocketListener } from "bun";

/** A loopback TCP proxy that can cut every open connection, to drop streams from outside. */
export interface TcpProxy {
  port: number;
  /** Request lines (`GET /mcp`, `POST /mcp`, …) seen so far, across all connections. */
  requests: string[];
  /** Closes every open connection (both sides); new ones still work. */
  dropAll(): void;
  stop(): void;
}

interface Pair {
  client: Socket<Pair>;
  upstream?: Socket<{ pair: Pair }>;
  pending: Uint8Array[];
}

/** Starts a proxy from a free 127.0.0.1 port to 127.0.0.1:`target`. */
export async function startTcpProxy(target: number): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  const requests: string[] = [];
  const listener: TCPSocketListener<Pair> = Bun.listen<Pair>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(client) {
        const pair: Pair = { client, pending: [] };
        client.data = pair;
        pairs.add(pair);
        void Bun.connect<{ pair: Pair }>({
          hostname: "127.0.0.1",
          port: target,
          data: { pair },
          socket: {
            open(upstream) {
              pair.upstream = upstream;
              for (const chunk of pair.pending.splice(0)) upstream.write(chunk);
            },
            data(_upstream, chunk) {
              pair.client.write(chunk);
            },
            close() {
              pair.client.end();
              pairs.delete(pair);
            },
            error() {
              pair.client.end();
            },
          },
        }).catch(() => client.end());
      },
      data(client, chunk) {
        const pair = client.data;
        for (const match of new TextDecoder()
          .decode(chunk)
          .matchAll(/^(GET|POST|DELETE) (\S+) HTTP\/1\.1/gm)) {
          requests.push(`${match[1]} ${match[2]}`);
        }
        if (pair.upstream) pair.upstream.write(chunk);
        else pair.pending.push(chunk);
      },
      close(client) {
        client.data.upstream?.end();
        pairs.delete(client.data);
      },
    },
  });
  return {
    port: listener.port,
    requests,
    dropAll: () => {
      for (const pair of pairs) {
        pair.client.terminate();
        pair.upstream?.terminate();
      }
      pairs.clear();
    },
    stop: () => listener.stop(true),
  };
}
