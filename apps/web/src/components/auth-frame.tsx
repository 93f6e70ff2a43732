import Link from "next/link";
import type { ReactNode } from "react";

/** The centred card of the sign-in pages. */
export function AuthFrame({
  title,
  lead,
  children,
  foot,
}: {
  title: string;
  lead: ReactNode;
  children: ReactNode;
  foot?: ReactNode;
}) {
  return (
    <main className="auth">
      <div className="card">
        <Link href="/" className="brand" aria-label="TameFlare">
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>
          TameFlare
        </Link>
        <h1>{title}</h1>
        <p className="lead">{lead}</p>
        {children}
        {foot === undefined ? null : <p className="auth-foot">{foot}</p>}
      </div>
    </main>
  );
}

/** Only same-site paths are followed after signing in (never `//host` or a full URL). */
export function safeNext(next: string | null): string {
  return next?.startsWith("/") && !next.startsWith("//") ? next : "/overview";
}
