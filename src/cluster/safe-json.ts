/** JSON.parse that answers undefined for text that is not JSON (messages from other replicas, stored values). */
export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
