/** How long the dashboard's server waits for the API while it renders a page. */
export const serverApiTimeoutMs = 10_000;

/**
 * `fetch` for the dashboard server's own calls to the API: never cached, and given up after
 * `timeoutMs` (head and body), so an API that accepts connections but never answers cannot hold
 * a page's render open. A caller's signal still aborts it.
 */
export function apiFetch(timeoutMs = serverApiTimeoutMs): typeof fetch {
  return (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return fetch(input, { ...init, cache: "no-store", signal } as RequestInit);
  };
}
