"use client";

import Link from "next/link";
import { type ReactNode, useEffect, useId, useRef, useState } from "react";
import type { Failure } from "../lib/errors.ts";
import { decisionLabels, formatDateTime, timeAgo } from "../lib/format.ts";

export function PageHeader({
  title,
  description,
  actions,
}: {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {description === undefined ? null : <p>{description}</p>}
      </div>
      {actions === undefined ? null : <div className="page-actions">{actions}</div>}
    </header>
  );
}

/** An empty list that says what the next step is, with the link that takes it. */
export function EmptyState({
  title,
  children,
  action,
}: {
  title: string;
  children: ReactNode;
  action?: ReactNode;
}) {
  return (
    <div className="empty">
      <h2>{title}</h2>
      <p>{children}</p>
      {action}
    </div>
  );
}

/** An API failure in words. */
export function ErrorNote({ failure, prefix }: { failure: Failure | null | undefined; prefix?: string }) {
  if (failure === null || failure === undefined) return null;
  const lead =
    failure.kind === "forbidden"
      ? "Not allowed: "
      : failure.kind === "not_found"
        ? "Not found: "
        : failure.kind === "unavailable"
          ? "Unavailable: "
          : "";
  return (
    <div className="note error" role="alert">
      {prefix === undefined ? null : <strong>{prefix} </strong>}
      {lead}
      {failure.message}
    </div>
  );
}

export function Note({
  kind,
  children,
}: {
  kind: "info" | "warn" | "success" | "error";
  children: ReactNode;
}) {
  return (
    <div className={`note ${kind}`} role={kind === "error" ? "alert" : "status"}>
      {children}
    </div>
  );
}

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <p className="muted" aria-live="polite">
      {label}
    </p>
  );
}

export function DecisionBadge({ decision }: { decision: string }) {
  return <span className={`badge ${decision}`}>{decisionLabels[decision] ?? decision}</span>;
}

export function Badge({ tone, children }: { tone?: string; children: ReactNode }) {
  return <span className={`badge ${tone ?? ""}`}>{children}</span>;
}

/** A date and time in the viewer's time zone (the server may render another zone: the browser's wins). */
export function DateTime({ iso }: { iso: string | null | undefined }) {
  if (iso === null || iso === undefined) return <span className="faint">—</span>;
  return (
    <time dateTime={iso} suppressHydrationWarning>
      {formatDateTime(iso)}
    </time>
  );
}

/** "3 minutes ago" that keeps itself current, with the exact time on hover. */
export function RelativeTime({ iso }: { iso: string | null | undefined }) {
  const now = useNow(15_000);
  if (iso === null || iso === undefined) return <span className="faint">never</span>;
  return (
    // The server renders its own "now": the browser's may differ by a moment.
    <time dateTime={iso} title={formatDateTime(iso)} suppressHydrationWarning>
      {timeAgo(iso, now)}
    </time>
  );
}

/** The current time, refreshed every `everyMs` (for countdowns and relative times). */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** A labelled form control with its hint and error, wired for screen readers. */
export function Field({
  label,
  hint,
  error,
  children,
}: {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | undefined;
  children: (props: {
    id: string;
    "aria-invalid": boolean;
    "aria-describedby": string | undefined;
  }) => ReactNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint === undefined ? null : hintId, error === undefined ? null : errorId]
    .filter((v) => v !== null)
    .join(" ");
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, "aria-invalid": error !== undefined, "aria-describedby": describedBy || undefined })}
      {hint === undefined ? null : (
        <span className="hint" id={hintId}>
          {hint}
        </span>
      )}
      {error === undefined ? null : (
        <span className="field-error" id={errorId}>
          {error}
        </span>
      )}
    </div>
  );
}

export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [copied, setCopied] = useState<"idle" | "copied" | "failed">("idle");
  return (
    <button
      type="button"
      className="btn small"
      onClick={() => {
        navigator.clipboard.writeText(text).then(
          () => setCopied("copied"),
          () => setCopied("failed"),
        );
        setTimeout(() => setCopied("idle"), 2000);
      }}
    >
      {copied === "copied" ? "Copied" : copied === "failed" ? "Select and copy by hand" : label}
    </button>
  );
}

/** A button that asks once more before a destructive action. */
export function ConfirmButton({
  children,
  confirmLabel,
  onConfirm,
  disabled,
  tone = "danger",
}: {
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  disabled?: boolean;
  tone?: "danger" | "primary";
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" className="btn small" disabled={disabled} onClick={() => setAsking(true)}>
        {children}
      </button>
    );
  }
  return (
    <span className="inline-form">
      <button
        type="button"
        className={`btn small ${tone}`}
        disabled={disabled}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" className="btn small" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

export function Tabs<T extends string>({
  tabs,
  value,
  onChange,
  label,
}: {
  tabs: ReadonlyArray<{ id: T; label: ReactNode }>;
  value: T;
  onChange: (id: T) => void;
  label: string;
}) {
  return (
    <div className="tabs" role="tablist" aria-label={label}>
      {tabs.map((t) => (
        <button
          key={t.id}
          type="button"
          role="tab"
          aria-selected={t.id === value}
          onClick={() => onChange(t.id)}
          onKeyDown={(e) => {
            const i = tabs.findIndex((x) => x.id === value);
            const next =
              e.key === "ArrowRight"
                ? tabs[(i + 1) % tabs.length]
                : e.key === "ArrowLeft"
                  ? tabs[(i - 1 + tabs.length) % tabs.length]
                  : undefined;
            if (next !== undefined) {
              e.preventDefault();
              onChange(next.id);
            }
          }}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}

/** A side panel on a modal `<dialog>`: focus moves in, Escape closes, focus returns. */
export function Drawer({
  open,
  title,
  onClose,
  children,
}: {
  open: boolean;
  title: ReactNode;
  onClose: () => void;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="drawer"
      aria-labelledby={titleId}
      onClose={onClose}
      onClick={(e) => {
        if (e.target === ref.current) onClose();
      }}
      onKeyDown={(e) => {
        if (e.key === "Escape") onClose();
      }}
    >
      {open ? (
        <>
          <div className="drawer-head">
            <h2 id={titleId}>{title}</h2>
            <button type="button" className="btn small" onClick={onClose}>
              Close
            </button>
          </div>
          <div className="drawer-body">{children}</div>
        </>
      ) : null}
    </dialog>
  );
}

export function BackLink({ href, children }: { href: string; children: ReactNode }) {
  return (
    <p style={{ marginBottom: 10 }}>
      <Link href={href}>← {children}</Link>
    </p>
  );
}
