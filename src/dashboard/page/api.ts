/** Who the dashboard's caller is, and the CSRF token its POSTs carry. */
export interface Session {
  principal: string;
  auth: boolean;
  csrf: string;
}

let session: Session | undefined;

/** The session once `/ui/api/session` answered. */
export function currentSession(): Session | undefined {
  return session;
}

/** Keeps the session (after login or page load). */
export function setSession(next: Session | undefined): void {
  session = next;
}

/** A 401/403 answer; `login` when logging in (again) would help. */
export class Refused extends Error {
  constructor(
    message: string,
    readonly login: boolean,
  ) {
    super(message);
  }
}

/**
 * Calls the dashboard's JSON API: GET without a body, POST with one (and the CSRF token).
 * @throws Refused on 401/403; Error with the answer's message on any other failure
 */
export async function api<T>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(`/ui${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: {
      accept: "application/json",
      ...(body === undefined
        ? {}
        : { "content-type": "application/json", "x-csrf-token": session?.csrf ?? "" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    credentials: "same-origin",
  });
  const data = (await response.json().catch(() => ({}))) as { error?: string; login?: boolean };
  if (response.status === 401 || response.status === 403) {
    throw new Refused(data.error ?? response.statusText, data.login === true);
  }
  if (!response.ok) throw new Error(data.error ?? `${response.status} ${response.statusText}`);
  return data as T;
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
