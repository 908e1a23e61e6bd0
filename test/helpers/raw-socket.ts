/**
 * Sends raw bytes on a new TCP connection to 127.0.0.1 (for requests fetch will not send, such as HTTP/1.0
 * without Host or a body that never ends) and resolves with what the server wrote: once `until` matches,
 * when the server closes, or at the deadline.
 */
export async function rawExchange(
  port: number,
  text: string,
  options: { until?: RegExp; deadlineMs?: number } = {},
): Promise<string> {
  const { promise, resolve } = Promise.withResolvers<string>();
  let received = "";
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data: (_s, chunk) => {
        received += chunk.toString();
        if (options.until?.test(received)) resolve(received);
      },
      close: () => resolve(received),
      error: () => resolve(received),
    },
  });
  socket.write(text);
  const timer = setTimeout(() => resolve(received), options.deadlineMs ?? 5000);
  try {
    return await promise;
  } finally {
    clearTimeout(timer);
    socket.end();
  }
}
