"use client";

import {
  createContext,
  createElement,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
} from "react";
import { describeFailure, type Failure } from "./errors.ts";

/** What a component renders from a query: replaced (never mutated) on every change. */
interface View {
  data: unknown;
  failure: Failure | null;
  loading: boolean;
}

interface Entry {
  data: unknown;
  failure: Failure | null;
  loading: boolean;
  loadedAt: number;
  inflight: Promise<void> | null;
  fetcher: (() => Promise<unknown>) | null;
  listeners: Set<() => void>;
  /** The server's seed for this key was taken (or there was none): never fall back to it again. */
  seedTaken: boolean;
  view: View;
}

const idleView: View = { data: undefined, failure: null, loading: false };

// One cache for the tab: a page shown again renders what it had at once and refreshes behind.
// Only ever touched in the browser (the server renders from seeds, see SeedProvider).
const entries = new Map<string, Entry>();

function entryOf(key: string): Entry {
  let entry = entries.get(key);
  if (entry === undefined) {
    entry = {
      data: undefined,
      failure: null,
      loading: false,
      loadedAt: 0,
      inflight: null,
      fetcher: null,
      listeners: new Set(),
      seedTaken: false,
      view: { data: undefined, failure: null, loading: true },
    };
    entries.set(key, entry);
  }
  return entry;
}

/** Publishes an entry's current state to the components showing it. */
function notify(entry: Entry): void {
  entry.view = { data: entry.data, failure: entry.failure, loading: entry.loading || entry.loadedAt === 0 };
  for (const listener of entry.listeners) listener();
}

function load(key: string): Promise<void> {
  const entry = entryOf(key);
  if (entry.inflight !== null) return entry.inflight;
  const fetcher = entry.fetcher;
  if (fetcher === null) return Promise.resolve();
  entry.loading = true;
  notify(entry);
  entry.inflight = fetcher()
    .then(
      (data) => {
        entry.data = data;
        entry.failure = null;
      },
      (error: unknown) => {
        entry.failure = describeFailure(error);
      },
    )
    .finally(() => {
      entry.inflight = null;
      entry.loading = false;
      entry.loadedAt = Date.now();
      notify(entry);
      if (entry.failure?.kind === "unauthorized") for (const l of unauthorizedListeners) l();
    });
  return entry.inflight;
}

const unauthorizedListeners = new Set<() => void>();

/** Called when any query learns the session is gone (the session provider sends to /login). */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

/**
 * Refetches every mounted query whose key starts with one of `prefixes` (all when none):
 * after a mutation, what it changed is shown without a reload.
 */
export function invalidate(...prefixes: string[]): void {
  for (const [key, entry] of entries) {
    if (prefixes.length > 0 && !prefixes.some((p) => key.startsWith(p))) continue;
    if (entry.listeners.size > 0) void load(key);
    else entry.loadedAt = 0;
  }
}

/** Forgets everything (sign-in, sign-out, organization switch). */
export function resetCache(): void {
  for (const [key, entry] of entries) {
    entry.data = undefined;
    entry.failure = null;
    entry.loadedAt = 0;
    notify(entry);
    if (entry.listeners.size > 0) void load(key);
  }
}

// Data the server already loaded for this render (a request's own values: never a global on
// the server, where one module instance serves every user). While React hydrates, queries
// show exactly this (useSyncExternalStore's server snapshot), so the page matches the
// server's HTML even when the tab's cache has learnt more in the meantime.
const SeedContext = createContext<ReadonlyMap<string, unknown>>(new Map());

/** Provides data the server loaded, by query key, to the queries below (nested seeds merge). */
export function SeedProvider({ seeds, children }: { seeds: Record<string, unknown>; children: ReactNode }) {
  const parent = useContext(SeedContext);
  const merged = useMemo(() => new Map([...parent, ...Object.entries(seeds)]), [parent, seeds]);
  return createElement(SeedContext.Provider, { value: merged }, children);
}

export interface Query<T> {
  data: T | undefined;
  failure: Failure | null;
  /** True while there is nothing to show yet and a request is (about to be) in flight. */
  loading: boolean;
  reload(): Promise<void>;
}

/**
 * Reads an API query. `key` names the data (null: nothing to load yet); it is fetched on
 * mount, when the key changes, when invalidated, and every `intervalMs` while mounted and
 * the tab is visible (live views: approvals, kill switch).
 */
export function useApi<T>(
  key: string | null,
  fetcher: () => Promise<T>,
  options: { intervalMs?: number } = {},
): Query<T> {
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;
  const seeds = useContext(SeedContext);
  const seeded = key === null ? undefined : seeds.get(key);
  const seedView = useMemo<View>(
    () => (key === null ? idleView : { data: seeded, failure: null, loading: seeded === undefined }),
    [key, seeded],
  );
  const subscribe = useCallback(
    (listener: () => void) => {
      if (key === null) return () => {};
      const entry = entryOf(key);
      entry.listeners.add(listener);
      return () => entry.listeners.delete(listener);
    },
    [key],
  );
  const getSnapshot = useCallback((): View => {
    if (key === null) return idleView;
    const entry = entryOf(key);
    return !entry.seedTaken && entry.data === undefined && seeded !== undefined ? seedView : entry.view;
  }, [key, seeded, seedView]);
  const view = useSyncExternalStore(subscribe, getSnapshot, () => seedView);
  useEffect(() => {
    if (key === null) return;
    const entry = entryOf(key);
    entry.fetcher = () => fetcherRef.current();
    if (!entry.seedTaken) {
      entry.seedTaken = true;
      if (entry.data === undefined && seeded !== undefined) {
        entry.data = seeded;
        entry.loadedAt = Date.now();
        notify(entry);
      }
    }
    if (entry.loadedAt === 0 || Date.now() - entry.loadedAt > 1000) void load(key);
    if (options.intervalMs === undefined) return;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") void load(key);
    }, options.intervalMs);
    return () => clearInterval(timer);
  }, [key, options.intervalMs, seeded]);
  return {
    data: view.data as T | undefined,
    failure: view.failure,
    loading: view.data === undefined && view.loading,
    reload: () => (key === null ? Promise.resolve() : load(key)),
  };
}

export interface Mutation<I, O> {
  run(input: I): Promise<O | undefined>;
  pending: boolean;
  failure: Failure | null;
  reset(): void;
}

/**
 * A write. `run` resolves with the result, or `undefined` after a failure (then `failure`
 * says what went wrong, in words and per field). Queries named in `invalidates` refresh after
 * a success.
 */
export function useMutation<I, O>(
  action: (input: I) => Promise<O>,
  options: { invalidates?: string[]; onSuccess?: (output: O, input: I) => void } = {},
): Mutation<I, O> {
  const [pending, setPending] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const actionRef = useRef(action);
  actionRef.current = action;
  const optionsRef = useRef(options);
  optionsRef.current = options;
  const run = useCallback(async (input: I) => {
    setPending(true);
    setFailure(null);
    try {
      const output = await actionRef.current(input);
      const prefixes = optionsRef.current.invalidates;
      if (prefixes !== undefined) invalidate(...prefixes);
      optionsRef.current.onSuccess?.(output, input);
      return output;
    } catch (error) {
      const described = describeFailure(error);
      setFailure(described);
      if (described.kind === "unauthorized") for (const l of unauthorizedListeners) l();
      return undefined;
    } finally {
      setPending(false);
    }
  }, []);
  return { run, pending, failure, reset: () => setFailure(null) };
}
