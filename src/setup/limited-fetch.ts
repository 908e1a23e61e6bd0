/**
 * A fetch whose response bodies error once more than `maxBytes` arrive, so a peer that streams without end
 * cannot fill memory (the time bound is the caller's signal). `onExceeded` hears of it: a reader such as
 * the SDK's SSE handling only reports the error on the side, so the caller can end what it waits for.
 */
export function limitedFetch(
  maxBytes: number,
  options: { inner?: typeof fetch; onExceeded?: () => void } = {},
): typeof fetch {
  const inner = options.inner ?? fetch;
  const limited = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const response = await inner(input, init);
    if (!response.body) return response;
    let seen = 0;
    const counted = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          if (seen <= maxBytes) return controller.enqueue(chunk);
          controller.error(new Error(`answer larger than ${maxBytes} bytes`));
          options.onExceeded?.();
        },
      }),
    );
    return new Response(counted, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
  return Object.assign(limited, { preconnect: inner.preconnect }) as typeof fetch;
}
